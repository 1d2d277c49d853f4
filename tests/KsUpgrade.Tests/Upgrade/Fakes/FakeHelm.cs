using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Upgrade.Fakes;

/// <summary>A helm that renders a fixed prepare template and, on upgrade, writes a new ks-core release revision and the hook jobs.</summary>
public sealed class FakeHelm : IUpgradeHelm
{
    private readonly FakeKubeApi _api;
    public FakeHelm(FakeKubeApi api) => _api = api;

    public List<HelmTemplateCall> Templates { get; } = new();

    /// <summary>The helm major version the fake claims to be.</summary>
    public int MajorVersion { get; set; } = 3;

    /// <summary>For each template call, whether CRD users.iam.kubesphere.io existed at that moment.</summary>
    public List<bool> CrdPresentAtTemplate { get; } = new();

    public Task<int> MajorVersionAsync(CancellationToken ct) => Task.FromResult(MajorVersion);
    public List<HelmUpgradeCall> Upgrades { get; } = new();
    public string PreHookLog { get; set; } = "I1125 executor.go: pre-upgrade core done";
    public string PostHookLog { get; set; } = "I1125 executor.go: post-upgrade core done";
    public Exception? UpgradeFailure { get; set; }
    /// <summary>How many CRDs existed when helm upgrade ran (they must be applied before).</summary>
    public int CrdsAtUpgrade { get; private set; } = -1;
    /// <summary>Blocks UpgradeAsync until cancelled (to test Ctrl+C).</summary>
    public bool HangUntilCancelled { get; set; }

    public const string PrepareYaml = """
        ---
        # Source: ks-core/templates/prepare-upgrade-job.yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ks-upgrade-prepare-config
        data:
          config-patch.yaml: |
            storage:
              local:
                path: /tmp/ks-upgrade
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: prepare-upgrade
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              serviceAccountName: kubesphere
              containers:
              - name: prepare-upgrade-job
                image: docker.io/kubesphere/ks-upgrade:v4.1.3
                command: [ks-upgrade, prepare-upgrade]
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: ks-upgrade
        spec:
          accessModes: [ReadWriteOnce]
          resources:
            requests:
              storage: 5Gi
        """;

    /// <summary>The full-release renders (no --show-only): the render proof's.</summary>
    public List<HelmTemplateCall> ReleaseRenders { get; } = new();

    /// <summary>The release: a kind the chart's CRD users.iam.kubesphere.io serves (v1beta1), and kubesphere-config.</summary>
    public const string ReleaseYaml = """
        ---
        # Source: ks-core/templates/kubesphere-config.yaml
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: kubesphere-config
          namespace: kubesphere-system
        ---
        # Source: ks-core/templates/users.yaml
        apiVersion: iam.kubesphere.io/v1beta1
        kind: User
        metadata:
          name: admin
        """;

    /// <summary>Called when the prepare job is rendered (e.g. to edit a file while the run goes on).</summary>
    public Action<HelmTemplateCall>? OnTemplate { get; set; }

    public Task<string> TemplateAsync(HelmTemplateCall request, CancellationToken ct)
    {
        if (request.ShowOnly is null)
        {
            ReleaseRenders.Add(request);
            return Task.FromResult(ReleaseYaml);
        }
        Templates.Add(request);
        OnTemplate?.Invoke(request);
        CrdPresentAtTemplate.Add(_api.Find(ResourceKind.CustomResourceDefinitions, null, "users.iam.kubesphere.io") is not null);
        return Task.FromResult(PrepareYaml);
    }

    public async Task<HelmUpgradeOutcome> UpgradeAsync(HelmUpgradeCall request, Action<string> outputLine, CancellationToken ct)
    {
        Upgrades.Add(request);
        CrdsAtUpgrade = _api.All(ResourceKind.CustomResourceDefinitions).Count;
        if (HangUntilCancelled) await Task.Delay(Timeout.Infinite, ct);
        if (UpgradeFailure is not null) throw UpgradeFailure;
        outputLine("Release \"ks-core\" has been upgraded. Happy Helming!");
        var next = (await HelmReleaseReader.HistoryAsync(_api, "kubesphere-system", "ks-core", ct)).Select(r => r.Revision).DefaultIfEmpty(0).Max() + 1;
        Scenario.AddRelease(_api, "ks-core", next, "deployed", "v4.1.3", "1.1.5", "");
        Scenario.AddCompletedJob(_api, "ks-core-pre-upgrade", PreHookLog);
        Scenario.AddCompletedJob(_api, "ks-core-post-upgrade", PostHookLog);
        return new HelmUpgradeOutcome(next, "deployed");
    }
}

public sealed class FakeChecks : IUpgradeChecks
{
    public CheckOutcome Preflight { get; set; } = CheckOutcome.Passed;
    public CheckOutcome Post { get; set; } = CheckOutcome.Passed;
    /// <summary>Outcomes the post-check returns first, one per call, before <see cref="Post"/>.</summary>
    public Queue<CheckOutcome> PostSequence { get; } = new();
    public int PreflightRuns { get; private set; }
    public KsUpgrade.Engine.Checks.ChartRenderFindings? LastRender { get; private set; }
    public int PostRuns { get; private set; }
    public Task<CheckOutcome> PreflightAsync(KsUpgrade.Engine.Checks.ChartRenderFindings? render, CancellationToken ct) { PreflightRuns++; LastRender = render; return Task.FromResult(Preflight); }
    public Task<CheckOutcome> PostUpgradeAsync(CancellationToken ct)
    {
        PostRuns++;
        return Task.FromResult(PostSequence.Count > 0 ? PostSequence.Dequeue() : Post);
    }
}

public sealed class FakeChart : IUpgradeChart
{
    public string Version { get; set; } = "1.1.5";
    public Task<UpgradeChartInfo> ReadAsync(string chart, CancellationToken ct) =>
        Task.FromResult(new UpgradeChartInfo("ks-core", Version, "v4.1.3", new[]
        {
            new ChartCrd("charts/ks-crds/crds/iam.yaml", Scenario.Crd("globalroles", "iam.kubesphere.io", "GlobalRole")
                + "\n---\n" + Scenario.Crd("users", "iam.kubesphere.io", "User")),
            new ChartCrd("charts/ks-crds/crds/ext.yaml", Scenario.Crd("installplans", "kubesphere.io", "InstallPlan")),
        }));
}
