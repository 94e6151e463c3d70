namespace Micro.Sync;

/// <summary>What an observer sees of the current leader of an election.</summary>
public sealed record LeaderInfo(string Id, string Candidate, long FencingToken);
