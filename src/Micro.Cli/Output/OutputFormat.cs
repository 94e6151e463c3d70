namespace Micro.Cli.Output;

/// <summary>How a command prints its result: for people (<c>text</c>, tables) or for scripts (<c>json</c>).</summary>
public enum OutputFormat
{
    /// <summary>Aligned tables and plain lines.</summary>
    Text,

    /// <summary>One JSON document (or one per line for streams and watches); errors as one JSON line on stderr.</summary>
    Json,
}
