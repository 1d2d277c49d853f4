namespace KsUpgrade.Engine.Upgrade;

/// <summary>
/// ks-upgrade exits 0 when a validator refuses a phase, logging "[Validator] ... skipping because of failed validators":
/// the Job is Complete although nothing ran. This finds that line.
/// </summary>
public static class SkippedPhase
{
    public static string? Find(IEnumerable<string> logLines) =>
        logLines.FirstOrDefault(l => l.Contains("[Validator]", StringComparison.OrdinalIgnoreCase)
                                     && l.Contains("skipping", StringComparison.OrdinalIgnoreCase));
}
