using System.Diagnostics;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// The Test-KsCluster engine. Read-only. All checks of the phase run concurrently on one shared set of reads
/// (<see cref="CheckContext"/>): each kind is LISTed once, independent LISTs go out together.
/// </summary>
public sealed class ClusterChecker
{
    private readonly IClusterReader _reader;
    private readonly IReadOnlyList<IClusterCheck> _checks;

    public ClusterChecker(IClusterReader reader, IEnumerable<IClusterCheck>? checks = null)
    {
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        _checks = (checks ?? CheckCatalog.All).ToList();
    }

    public async Task<KsClusterReport> RunAsync(CheckRequest req, IProgress<CheckProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(req);
        var clock = Stopwatch.StartNew();
        var ctx = new CheckContext(_reader, req, ct);

        progress?.Report(new CheckProgress("Reading the cluster", 0, 0));
        // Start the big phase-independent LISTs now, so they run while the phase is being detected.
        _ = ctx.Pods;
        _ = ctx.Nodes;
        _ = ctx.StorageClasses;
        _ = ctx.SystemNamespaces;
        var detected = await DetectAsync(ctx).ConfigureAwait(false);
        ctx.Phase = req.Phase ?? detected.Phase;
        var checks = _checks.Where(c => c.Phases.Contains(ctx.Phase)).ToList();

        var inventoryTask = InventoryBuilder.BuildAsync(ctx, ct);
        var completed = 0;
        var total = checks.Count;
        progress?.Report(new CheckProgress($"Running {total} {ctx.Phase} checks", 0, total));
        var running = checks.Select(async check =>
        {
            var result = req.ExcludedChecks.Contains(check.Id)
                ? new KsCheckResult
                {
                    Id = check.Id, Title = check.Title, Status = KsCheckStatus.Skipped,
                    Message = "Not run: excluded by -ExcludeCheck.",
                    Remedy = "Run Test-KsCluster without -ExcludeCheck to have it checked.",
                }
                : await RunOneAsync(check, ctx, ct).ConfigureAwait(false);
            var done = Interlocked.Increment(ref completed);
            progress?.Report(new CheckProgress($"{check.Id}: {result.Status}", done, total, result));
            return result;
        }).ToList();
        var results = await Task.WhenAll(running).ConfigureAwait(false);
        var inventory = await inventoryTask.ConfigureAwait(false);
        var role = await ctx.Role.ConfigureAwait(false);

        if (req.Cluster is { } cluster)
        {
            cluster.KubernetesVersion = detected.KubernetesVersion ?? cluster.KubernetesVersion;
            cluster.KubeSphereVersion = detected.KubeSphereVersion ?? cluster.KubeSphereVersion;
            if (role != KsClusterRole.Unknown)
                cluster.Role = role;
        }

        return new KsClusterReport
        {
            Cluster = req.Cluster,
            Phase = ctx.Phase,
            Checks = results,
            ExcludedChecks = checks.Select(c => c.Id).Where(req.ExcludedChecks.Contains).ToArray(),
            Inventory = inventory,
            ClusterRole = role,
            KubernetesVersion = detected.KubernetesVersion,
            KubeSphereVersion = detected.KubeSphereVersion,
            Duration = clock.Elapsed,
        };
    }

    private sealed record Detection(KsCheckPhase Phase, string? KubernetesVersion, string? KubeSphereVersion);

    /// <summary>v4 when the last deployed ks-core revision's appVersion is v4+ (or the cc label says so); v3 otherwise.</summary>
    private static async Task<Detection> DetectAsync(CheckContext ctx)
    {
        var serverTask = ctx.ServerVersion;
        var ccTask = ctx.ClusterConfiguration;
        var deployed = await ctx.LastDeployedKsCoreAsync().ConfigureAwait(false);
        var server = await serverTask.ConfigureAwait(false);
        var cc = await ccTask.ConfigureAwait(false);
        var k8s = server.IsOk ? server.Value : null;
        if (deployed is not null && LooseVersion.TryParse(deployed.AppVersion, out var app) && app.Major >= 4)
            return new Detection(KsCheckPhase.PostUpgrade, k8s, deployed.AppVersion);
        var label = cc.IsOk ? cc.Value?.Version : null;
        if (LooseVersion.TryParse(label, out var v) && v.Major >= 4)
            return new Detection(KsCheckPhase.PostUpgrade, k8s, label);
        return new Detection(KsCheckPhase.Preflight, k8s, label);
    }

    private static async Task<KsCheckResult> RunOneAsync(IClusterCheck check, CheckContext ctx, CancellationToken ct)
    {
        try
        {
            return await check.RunAsync(ctx, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (ClusterReadException ex)
        {
            return new KsCheckResult
            {
                Id = check.Id, Title = check.Title, Status = KsCheckStatus.Warning,
                Message = $"Could not verify: {ex.Message}.",
                Remedy = "Run Test-KsCluster with an identity that may read this kind, and check the connection.",
            };
        }
        catch (Exception ex)
        {
            // A check that breaks must not break the report; it fails closed with what went wrong.
            return new KsCheckResult
            {
                Id = check.Id, Title = check.Title, Status = KsCheckStatus.Failed,
                Message = $"The check could not run: {ex.GetType().Name}: {ex.Message}",
                Remedy = "Report this as a KsUpgrade bug, with the message.",
            };
        }
    }
}
