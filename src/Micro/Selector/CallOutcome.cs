namespace Micro.Selector;

/// <summary>How one attempt on a node ended, as the selector learns it.</summary>
public enum CallOutcome
{
    /// <summary>The node answered with a reply.</summary>
    Success,

    /// <summary>The node answered with an error from its handler: the node itself is healthy.</summary>
    Error,

    /// <summary>The node failed: refused, lost the connection, did not answer in time, or is draining.</summary>
    NodeFailure,

    /// <summary>The caller gave up (cancelled); says nothing about the node.</summary>
    Abandoned,
}
