namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>The values file parses, has an `upgrade:` section, every enabled job names its extension; unknown keys are reported.</summary>
public sealed class ValuesFileCheck : ClusterCheck
{
    public override string Id => "ValuesFile";
    public override string Title => "The ks-core values file is valid";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct) => Task.FromResult(Check(ctx.Values));

    private KsCheckResult Check(ValuesFindings? v)
    {
        if (v is null)
            return Skipped("No values file given (-ValuesPath); the upgrade would use the chart's defaults and no extension jobs.");
        if (v.ParseError is not null)
            return Failed($"{v.Path} cannot be read: {v.ParseError}", "Fix the YAML (indentation, tabs, quoting) and run Test-KsCluster again.", v);
        if (!v.HasUpgradeSection)
            return Failed($"{v.Path} has no `upgrade:` section.",
                "Add the `upgrade:` section (enabled, image, persistenceVolume, config.jobs) as in the KubeSphere upgrade guide's ks-core-values.yaml.", v);
        if (v.Problems.Count > 0)
            return Failed($"{v.Path}: {string.Join("; ", v.Problems)}.",
                "Give every enabled job an extensionRef with name and version matching the extensions museum, or disable the job.",
                v.Problems.Cast<object>().ToArray());
        if (v.UnknownKeys.Count > 0)
            return Warning($"{v.Path} has keys the chart and ks-upgrade do not know (ignored, likely typos): {NameList(v.UnknownKeys)}.",
                "Fix or remove them, e.g. `enable:` should be `enabled:`.", v.UnknownKeys.Cast<object>().ToArray());
        if (v.Warnings.Count > 0)
            return Warning($"{v.Path}: {string.Join("; ", v.Warnings)}.", "Correct the listed settings.", v.Warnings.Cast<object>().ToArray());
        if (v.UpgradeEnabled != true)
            return Warning($"{v.Path}: upgrade.enabled is {(v.UpgradeEnabled is null ? "missing" : "false")}; the chart runs the ks-upgrade jobs only when it is true.",
                "Set upgrade.enabled: true in the values file.", v);
        return Passed($"{v.Path} is valid.");
    }
}
