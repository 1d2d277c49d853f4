using KsUpgrade.Engine.Connection;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.KubeSphere;

namespace KsUpgrade.Tests.Upgrade.Sandbox;

/// <summary>
/// A ks34-multicluster sandbox whose simulated ks-upgrade jobs can read the other clusters (a member's job reads the
/// host), a temp folder, connections by context and the guide's values file: what the sandbox upgrade tests share.
/// </summary>
public abstract class MulticlusterSandboxTest : IAsyncLifetime
{
    protected const string Ns = "kubesphere-system";
    protected SandboxHost Host { get; private set; } = null!;
    protected string Dir { get; } = Path.Combine(Path.GetTempPath(), "ksup-sbx-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Dir);
        SandboxHost? started = null;
        started = await SandboxHost.StartAsync(new SandboxOptions
        {
            Seed = "ks34-multicluster",
            Behaviours = new[] { new KsUpgradeJobBehaviour(name => started is null ? null : TryView(started, name)) },
        });
        Host = started;
    }

    private static KsUpgrade.Sandbox.Simulation.ISandboxClusterView? TryView(SandboxHost h, string name)
    {
        try { return h.Cluster(name); } catch (ArgumentException) { return null; }
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }

    protected async Task<KsCluster> ConnectAsync(string context) =>
        await ClusterConnector.ConnectAsync(new KsConnectionSettings { KubeconfigPaths = new[] { Host.KubeconfigPath }, Context = context }, null, CancellationToken.None);

    /// <summary>The guide's ks-core-values.yaml (upgrade enabled, core and iam jobs), written into the temp folder.</summary>
    protected string ValuesFile()
    {
        var path = Path.Combine(Dir, "ks-core-values.yaml");
        File.WriteAllText(path, GuideValues.CoreAndIam);
        return path;
    }
}
