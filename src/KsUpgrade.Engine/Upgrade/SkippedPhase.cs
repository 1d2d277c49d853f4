namespace KsUpgrade.Engine.Upgrade;

/// <summary>
/// ks-upgrade exits 0 when a validator refuses a phase: its executor logs
/// "[Validator] &lt;Phase&gt; upgrade skipping because of failed validators" and the Job is Complete although nothing ran.
/// This finds that line, for every ks-upgrade job (prepare, the helm hooks, the gateway's dynamic upgrade). Lines where a
/// validator lets the phase run are not skips, even when they say "Skip": validator.go's
/// "[Validator] Skip upgrade beaseuse of no deployed release history." (spelling as in ks-upgrade) returns true.
/// </summary>
public static class SkippedPhase
{
    private const string Marker = "[Validator]";
    private const string Refused = "skipping because of failed validators";

    /// <summary>The first line saying a validator refused the phase, or null.</summary>
    public static string? Find(IEnumerable<string> logLines) => logLines.FirstOrDefault(IsSkipLine);

    /// <summary>True when the line says a validator refused the phase.</summary>
    public static bool IsSkipLine(string line) =>
        line.Contains(Marker, StringComparison.OrdinalIgnoreCase) && line.Contains(Refused, StringComparison.OrdinalIgnoreCase);
}
