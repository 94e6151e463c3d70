namespace Micro.Cli.Output;

/// <summary>
/// Left-aligned columns separated by two spaces. A console library (Spectre.Console) would add colour and borders, but
/// the tool's tables are a few columns of plain text that must also read well when piped, so this is all it needs.
/// </summary>
public static class TableWriter
{
    /// <summary>Writes <paramref name="header"/> and <paramref name="rows"/> with each column as wide as its widest cell.</summary>
    public static void Write(TextWriter output, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(header);
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = new int[header.Count];
        foreach (var row in all)
            for (var i = 0; i < widths.Length && i < row.Count; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        foreach (var row in all)
        {
            var line = new System.Text.StringBuilder();
            for (var i = 0; i < widths.Length; i++)
            {
                var cell = i < row.Count ? row[i] : "";
                line.Append(i == widths.Length - 1 ? cell : cell.PadRight(widths[i] + 2));
            }
            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
