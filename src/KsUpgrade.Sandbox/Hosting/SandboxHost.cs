using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Authorization;
using KsUpgrade.Sandbox.Controllers;
using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Simulation;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KsUpgrade.Sandbox.Hosting;

/// <summary>
/// A running sandbox: one HTTPS port on 127.0.0.1 per simulated cluster (each its own API server, as real clusters
/// are; /clusters/&lt;name&gt; paths on any port are still served for older kubeconfigs), a kubeconfig with one context
/// per cluster, the control API under /_sandbox, and the simulated controllers.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable
{
    /// <summary>Behaviours every sandbox started afterwards asks (after its own options' behaviours).</summary>
    public static List<IWorkloadBehaviour> GlobalBehaviours { get; } = new();

    private readonly Dictionary<string, SimulatedCluster> _clusters = new(StringComparer.Ordinal);
    private readonly List<ControllerManager> _controllers = new();
    private readonly List<KubeSphere.ClusterStatusController> _clusterControllers = new();
    private readonly List<SimulatedCluster> _ordered = new();
    private WebApplication? _app;
    private string? _tempDir;

    public string KubeconfigPath { get; private set; } = "";
    public IReadOnlyList<string> Contexts => _ordered.Select(c => c.ClusterName).ToList();
    /// <summary>The admin (system:masters) bearer token; minted identities have their own (see <see cref="MintIdentity"/>).</summary>
    public string Token { get; }
    /// <summary>The token authenticator: the admin and every minted identity.</summary>
    public IdentityStore Identities { get; }
    /// <summary>Records each request's authorization attributes and decision while <see cref="AccessLog.Enabled"/>.</summary>
    public AccessLog Access { get; } = new();
    /// <summary>The first cluster's port (which also serves the control API).</summary>
    public int Port { get; private set; }
    private readonly Dictionary<int, SimulatedCluster> _byPort = new();
    private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);
    /// <summary>PEM of the CA that signed the server certificate.</summary>
    public string CaPem { get; private set; } = "";
    public string ControlUrl => $"https://127.0.0.1:{Port}/_sandbox";
    public RequestCounts Requests { get; } = new();
    public FaultPlan Faults { get; } = new();
    /// <summary>Behaviours asked, in order, when a Job's pod finishes; the first non-null outcome wins.</summary>
    public List<IWorkloadBehaviour> Behaviours { get; } = new();

    internal SimulatedCluster FirstCluster => _ordered[0];

    /// <summary>The kubectl and helm that Jobs with those images run (null: PATH, then helm's tool cache).</summary>
    internal string? KubectlPath { get; private set; }
    internal string? HelmPath { get; private set; }
    /// <summary>Jobs with kubectl/helm images are simulated like any other (no real process).</summary>
    internal bool SimulateToolJobs { get; private set; }

    /// <summary>The processes of kubectl/helm Jobs running now, in every cluster.</summary>
    public IReadOnlyList<ToolJobProcess> RunningToolJobs => _controllers.ToList().SelectMany(c => c.RunningToolJobs).ToList();

    private SandboxHost()
    {
        Token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        Identities = new IdentityStore(Token);
    }

    /// <summary>The API server URL of a cluster: its own port, no path (what its kubeconfig entry says).</summary>
    public string ServerUrl(string cluster) => $"https://127.0.0.1:{PortOf(cluster)}";

    /// <summary>The port a cluster's API server listens on.</summary>
    public int PortOf(string cluster) =>
        _ports.TryGetValue(cluster, out var p) ? p : throw new ArgumentException($"No simulated cluster named '{cluster}'.");

    /// <summary>The cluster served on a local port (null for none).</summary>
    internal SimulatedCluster? ClusterOnPort(int port) => _byPort.TryGetValue(port, out var c) ? c : null;

    public ISandboxClusterView Cluster(string name) =>
        _clusters.TryGetValue(name, out var c) ? c : throw new ArgumentException($"No simulated cluster named '{name}'.");

    internal bool TryGetCluster(string name, out SimulatedCluster cluster) => _clusters.TryGetValue(name, out cluster!);

    /// <summary>The cluster of that name, or null (e.g. a resolver for behaviours that reach other clusters).</summary>
    public ISandboxClusterView? FindCluster(string name) => _clusters.TryGetValue(name, out var c) ? c : null;

    /// <summary>The seed a cluster was started from (version, timings).</summary>
    public SeedCluster SeedOf(string cluster) => Get(cluster).Seed;

    public static async Task<SandboxHost> StartAsync(SandboxOptions options, CancellationToken ct = default)
    {
        var host = new SandboxHost();
        try
        {
            await host.StartCoreAsync(options, ct);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(SandboxOptions options, CancellationToken ct)
    {
        var seeds = options.Clusters ?? SeedCatalog.Load(options.Seed, options.Scale);
        if (seeds.Count == 0) throw new ArgumentException("The seed has no clusters.");
        foreach (var seed in seeds)
        {
            if (_clusters.ContainsKey(seed.Name)) throw new ArgumentException($"Duplicate cluster name '{seed.Name}'.");
            var cluster = new SimulatedCluster(seed);
            cluster.LoadSeed();
            _clusters[seed.Name] = cluster;
            _ordered.Add(cluster);
        }
        KubectlPath = options.KubectlPath;
        HelmPath = options.HelmPath;
        SimulateToolJobs = options.SimulateToolJobs;
        foreach (var f in options.Faults ?? Array.Empty<FaultRule>()) Faults.Add(f);
        foreach (var j in options.FailingJobs ?? Array.Empty<string>()) Faults.FailJob(j);
        Behaviours.AddRange(options.Behaviours ?? Array.Empty<IWorkloadBehaviour>());
        // KubeSphere's ks-upgrade jobs (prepare, pre/post-upgrade hooks, dynamic gateway upgrade), simulated;
        // the resolver lets the host's post-upgrade reach its members.
        if (!options.WithoutKubeSphereBehaviour)
            Behaviours.Add(new KubeSphere.KsUpgradeJobBehaviour(n => TryGetCluster(n, out var c) ? c : null));
        lock (GlobalBehaviours) Behaviours.AddRange(GlobalBehaviours);

        var (ca, server) = CertificateFactory.Create();
        CaPem = CertificateFactory.ToPem(ca);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, QuietLifetime>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            // One listener per cluster; Kestrel binds (and reports) them in this order.
            foreach (var _ in _ordered) k.Listen(IPAddress.Loopback, 0, lo => lo.UseHttps(server));
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        _app = builder.Build();
        var router = new SandboxRouter(this);
        _app.Run(router.HandleAsync);
        await _app.StartAsync(ct);
        var ports = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).ToList();
        if (ports.Count != _ordered.Count || ports.Distinct().Count() != ports.Count)
            throw new InvalidOperationException($"Expected {_ordered.Count} listening ports, got {ports.Count}.");
        for (var i = 0; i < _ordered.Count; i++)
        {
            _byPort[ports[i]] = _ordered[i];
            _ports[_ordered[i].ClusterName] = ports[i];
        }
        Port = ports[0];

        foreach (var c in _ordered)
        {
            var cm = new ControllerManager(c, this);
            cm.Start();
            _controllers.Add(cm);
            // KubeSphere's cluster controller (only acts on a cluster with Cluster objects and a ready ks-controller-manager)
            var kc = new KubeSphere.ClusterStatusController(c, n => TryGetCluster(n, out var other) ? other : null);
            kc.Start();
            _clusterControllers.Add(kc);
        }

        if (options.KubeconfigPath is { Length: > 0 } kp) KubeconfigPath = Path.GetFullPath(kp);
        else
        {
            _tempDir = Path.Combine(Path.GetTempPath(), "ksupgrade-sandbox-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(_tempDir);
            KubeconfigPath = Path.Combine(_tempDir, "kubeconfig");
        }
        WriteKubeconfig();
    }

    private readonly object _kubeconfigGate = new();

    private void WriteKubeconfig()
    {
        lock (_kubeconfigGate)
        {
            var identities = Identities.WithTokens.Select(i => (i.Identity.Name, i.Token)).ToList();
            KubeconfigWriter.Write(KubeconfigPath,
                KubeconfigWriter.Render(_ordered.Select(c => (c.ClusterName, ServerUrl(c.ClusterName))).ToList(), CaPem, Token, identities));
        }
    }

    // ---- identities ----

    /// <summary>
    /// Mints an identity (a user with groups, or a ServiceAccount "namespace/name") with a token of its own, and adds a
    /// user and context &lt;cluster&gt;-&lt;name&gt; per cluster to the kubeconfig. What it may do is decided by each cluster's
    /// RBAC objects (plus the bootstrap discovery roles); it has no rights until something binds it.
    /// </summary>
    public MintedIdentity MintIdentity(IdentityRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var contexts = _ordered.Select(c => KubeconfigWriter.ContextName(c.ClusterName, request.Name)).ToList();
        if (contexts.FirstOrDefault(_clusters.ContainsKey) is { } clash)
            throw new ArgumentException($"The context '{clash}' would have the name of a cluster; choose another identity name.");
        var (identity, token) = Identities.Mint(request);
        WriteKubeconfig();
        return new MintedIdentity(identity, token, contexts);
    }

    /// <summary>Mints a ServiceAccount identity ("system:serviceaccount:&lt;ns&gt;:&lt;sa&gt;").</summary>
    public MintedIdentity MintServiceAccountIdentity(string name, string serviceAccountNamespace, string serviceAccountName) =>
        MintIdentity(new IdentityRequest { Name = name, ServiceAccount = serviceAccountNamespace + "/" + serviceAccountName });

    /// <summary>Mints a user identity (with optional groups besides system:authenticated).</summary>
    public MintedIdentity MintUserIdentity(string name, string user, params string[] groups) =>
        MintIdentity(new IdentityRequest { Name = name, User = user, Groups = groups });

    /// <summary>Revokes a minted identity: its token stops working and its contexts leave the kubeconfig.</summary>
    public bool RevokeIdentity(string name)
    {
        if (!Identities.Remove(name)) return false;
        WriteKubeconfig();
        return true;
    }

    // ---- fault plan helpers ----

    public FaultRule AddFault(FaultRule rule) => Faults.Add(rule);
    public void ClearFaults() => Faults.Clear();
    public void FailJob(string name, string? cluster = null, string? ns = null) => Faults.FailJob(name, cluster, ns);

    /// <summary>Sets a node's Ready condition (NotReady when <paramref name="ready"/> is false).</summary>
    public void SetNodeReady(string cluster, string node, bool ready) =>
        SimulatedActions.SetNodeReady(Get(cluster), node, ready);

    /// <summary>Rewrites the latest helm release secret of a release to the given status (e.g. pending-upgrade).</summary>
    public void SetHelmReleaseStatus(string cluster, string ns, string release, string status) =>
        SimulatedActions.SetHelmReleaseStatus(Get(cluster), ns, release, status);

    /// <summary>Every object of a cluster, in a stable order, for whole-state comparisons.</summary>
    public JsonObject StateOf(string cluster) => SimulatedActions.State(Get(cluster));

    /// <summary>The cluster's count of writes a state comparison sees (<see cref="Storage.ObjectStore.Changes"/>).</summary>
    public long ChangesOf(string cluster) => Get(cluster).Store.Changes;

    private SimulatedCluster Get(string cluster) =>
        _clusters.TryGetValue(cluster, out var c) ? c : throw new ArgumentException($"No simulated cluster named '{cluster}'.");

    public async ValueTask DisposeAsync()
    {
        foreach (var kc in _clusterControllers) await kc.DisposeAsync();
        _clusterControllers.Clear();
        foreach (var cm in _controllers) await cm.DisposeAsync();
        _controllers.Clear();
        foreach (var c in _ordered) c.Store.CloseAllSubscribers();
        if (_app is not null)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _app.StopAsync(cts.Token);
            }
            catch (OperationCanceledException) { }
            await _app.DisposeAsync();
            _app = null;
        }
        if (_tempDir is not null)
        {
            try { Directory.Delete(_tempDir, true); } catch (IOException) { }
            _tempDir = null;
        }
    }
}
