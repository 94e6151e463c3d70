namespace Micro.Client.Internal;

/// <summary>
/// An opened duplex or server stream that says when it ended, so the client's call span and duration cover the whole
/// stream rather than just opening it.
/// </summary>
internal interface IStreamEnd
{
    /// <summary>Calls <paramref name="ended"/> once, when the stream is disposed, with the error it failed with (null: it ended normally).</summary>
    void OnEnded(Action<Exception?> ended);
}
