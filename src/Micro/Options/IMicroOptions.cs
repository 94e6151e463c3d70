namespace Micro;

/// <summary>
/// The options class of one Micro piece (<c>StoreOptions</c>, <c>ClientOptions</c>, ...). It reads its own
/// settings, so that binding needs no reflection (NativeAOT) and accepts Micro's duration syntax ("5s"),
/// which the configuration binder's <see cref="TimeSpan"/> parsing does not.
/// </summary>
public interface IMicroOptions
{
    /// <summary>Overwrites the properties whose settings are present; leaves the others at their values.</summary>
    void Read(MicroSettings settings);

    /// <summary>Problems with the current values, each naming its setting; empty when the options are valid.</summary>
    IEnumerable<string> Validate();
}
