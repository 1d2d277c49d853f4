using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>What the steps share during one run.</summary>
internal sealed class UpgradeContext
{
    public const string FactFromVersion = "fromVersion";
    /// <summary>The app version of the ks-core release the HelmUpgrade step left deployed.</summary>
    public const string FactToVersion = "toVersion";
    public const string FactHaEnabled = "ha.enabled";
    public const string FactRedisHaEnabled = "redisHA.enabled";

    public required IKubeApi Api { get; init; }
    public required IEngineLog Log { get; init; }
    public required UpgradeParameters Parameters { get; init; }
    public required IUpgradeHelm Helm { get; init; }
    public required IUpgradeChecks Checks { get; init; }
    public required IUpgradeChart ChartReader { get; init; }
    public IKubeApi? HostApi { get; init; }
    public required string BackupPath { get; set; }
    /// <summary>The journal of an earlier run (null on a fresh run).</summary>
    public JournalState? Previous { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>How often the post-check looks again while the cluster settles.</summary>
    public TimeSpan SettleInterval => PollInterval * 5;

    /// <summary>Facts steps hand to later steps; persisted in the journal for resumed runs.</summary>
    public SortedDictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);
    public int? HelmRevision { get; set; }

    private UpgradeChartInfo? _chart;

    public async Task<UpgradeChartInfo> ChartAsync(CancellationToken ct) =>
        _chart ??= await ChartReader.ReadAsync(Parameters.Chart, ct).ConfigureAwait(false);

    public bool Fact(string key) => Facts.TryGetValue(key, out var v) && v == "true";

    /// <summary>The values files of <paramref name="p"/> as helm gets them (the render proof, at the start of a run).</summary>
    public static IReadOnlyList<string> ValuesFilesOf(UpgradeParameters p) => new[] { Path.GetFullPath(p.ValuesPath) };

    /// <summary>ha.enabled / redisHA.enabled: from the facts (RedisFlags step, or the journal), else read from the ClusterConfiguration as that step will.</summary>
    public async Task<(bool Ha, bool RedisHa)> RedisFlagsAsync(CancellationToken ct)
    {
        if (Facts.ContainsKey(FactHaEnabled)) return (Fact(FactHaEnabled), Fact(FactRedisHaEnabled));
        var cc = await Api.GetAsync(Kube.ResourceKind.ClusterConfigurations, KsNames.KubeSphereSystem, KsNames.InstallerCcName, ct).ConfigureAwait(false);
        return Steps.RedisFlagsStep.Read(cc);
    }

    private ChartRenderProof? _proof;

    /// <summary>The chart rendered as this upgrade will render it, checked against the cluster (once per run).</summary>
    public async Task<ChartRenderProof> ProofAsync(CancellationToken ct)
    {
        if (_proof is not null) return _proof;
        var chart = await ChartAsync(ct).ConfigureAwait(false);
        var (ha, redisHa) = await RedisFlagsAsync(ct).ConfigureAwait(false);
        return _proof = await ChartRenderProof.RunAsync(Api, Helm, chart, Parameters, ha, redisHa, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps the pre-flight's failing system pods (by owner) as a journal fact, written with the first mutating step:
    /// the post-check (SystemPodsRunning) reports them as already failing before the upgrade. From the pre-flight
    /// checks, or from a piped report (<see cref="UpgradeParameters.PreflightFailingPods"/>).
    /// </summary>
    public void KeepPreflightBaseline(IReadOnlyList<string>? failingPods)
    {
        if (failingPods is null) return;
        Facts[JournalFacts.FailingSystemPodsBefore] = System.Text.Json.JsonSerializer.Serialize(failingPods);
    }

    /// <summary>The values file's digest when this run started (what the journal compares); null: not checked.</summary>
    public string? ValuesDigest { get; init; }

    /// <summary>
    /// The values files for helm. Each use checks the file still has the content it had when the run started (the
    /// journal's digest): a file edited while the run goes on (say, between the prepare job and helm upgrade) stops the
    /// step with JournalMismatch instead of handing helm other values than the earlier steps used.
    /// </summary>
    public IReadOnlyList<string> ValuesFiles
    {
        get
        {
            var path = Path.GetFullPath(Parameters.ValuesPath);
            if (ValuesDigest is not null && JournalInputs.FileDigest(path) is var now && now != ValuesDigest)
                throw new KsUpgradeException(ErrorIds.JournalMismatch, KsErrorCategory.InvalidData,
                    $"The values file '{path}' changed while the upgrade was running (content {ValuesDigest[..Math.Min(30, ValuesDigest.Length)]}… when it started, now {now[..Math.Min(30, now.Length)]}…); the steps so far used the content it had then.",
                    path)
                {
                    Remedy = "Put back the content the file had when this upgrade started and re-run with the same parameters to resume; "
                             + $"to upgrade with the new content instead, delete ConfigMap {UpgradeJournal.ConfigMapName} in {KsNames.KubeSphereSystem} and run again from the start.",
                };
            return new[] { path };
        }
    }

    /// <summary>upgrade.image.registry/tag, extension.imageRegistry, global.imageRegistry/tag (upgrade-reference §2 steps 8 and 11).</summary>
    public IEnumerable<HelmSetValue> ImageSets(bool includeGlobal = true) => ImageSets(Parameters, includeGlobal);

    /// <summary>The image --sets of <paramref name="p"/> (the one builder the steps and the render proof share).</summary>
    public static IEnumerable<HelmSetValue> ImageSets(UpgradeParameters p, bool includeGlobal = true)
    {
        yield return new HelmSetValue("upgrade.image.registry", p.ImageRegistry);
        yield return new HelmSetValue("upgrade.image.tag", p.EffectiveUpgradeImageTag);
        if (!string.IsNullOrEmpty(p.ExtensionImageRegistry)) yield return new HelmSetValue("extension.imageRegistry", p.ExtensionImageRegistry!);
        if (!includeGlobal) yield break;
        yield return new HelmSetValue("global.imageRegistry", p.ImageRegistry);
        yield return new HelmSetValue("global.tag", p.Tag);
    }
}
