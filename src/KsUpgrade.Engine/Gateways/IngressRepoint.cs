using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Gateways;

/// <summary>
/// Update-KsGateway -RepointIngressClass: ks-upgrade v4.1.3's dynamic job gives the cluster gateway's class-less Ingresses
/// the hard-coded class <see cref="GatewayNames.ClusterGatewayIngressClass"/>, which no IngressClass has (the v4 cluster
/// gateway's IngressClass is named after the gateway), so no controller serves them. This points such Ingresses at the
/// verified gateway's IngressClass — only those it is given (<see cref="ReclassedByThisRun"/> or
/// <see cref="CarryingHardCodedClassAsync"/>) — each with a JSON patch guarded by a <c>test</c> of the class it carries, so
/// an Ingress someone changed meanwhile is never overwritten; then the cluster is read again and only what it shows is
/// reported.
/// </summary>
internal static class IngressRepoint
{
    private const int MaxAttempts = 3;

    /// <summary>One Ingress to repoint: namespace/name and the class it carries now (one no IngressClass has).</summary>
    public sealed record Candidate(string Name, string Class)
    {
        public string Namespace => Name.Split('/', 2)[0];
        public string Short => Name.Split('/', 2)[^1];
    }

    /// <summary>What the repoint did, as the cluster shows it after re-reading.</summary>
    public sealed record Outcome
    {
        /// <summary>Ingresses this call patched that now carry the target class.</summary>
        public IReadOnlyList<string> Repointed { get; init; } = Array.Empty<string>();
        /// <summary>Of the candidates, those whose class still names no IngressClass.</summary>
        public IReadOnlyList<string> Unserved { get; init; } = Array.Empty<string>();
        /// <summary>"ns/name: why" for each Ingress whose patch failed (conflicts that did not stop, or an API error).</summary>
        public IReadOnlyList<string> Failures { get; init; } = Array.Empty<string>();
        /// <summary>Patches that failed because the caller may not patch Ingresses.</summary>
        public bool Forbidden { get; init; }
        /// <summary>The IngressClass names read after the patches (the verification after the repoint shares them).</summary>
        public IReadOnlySet<string> Classes { get; init; } = new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// The Ingresses this run's job re-classed to a class no IngressClass has: those that existed before the job with no
    /// ingressClassName (by uid, per <see cref="IngressSnapshot"/>) and now carry a class that names no IngressClass. An
    /// Ingress created meanwhile, or one that had a class before, is never a candidate.
    /// </summary>
    public static IReadOnlyList<Candidate> ReclassedByThisRun(IReadOnlyDictionary<string, (string Name, string? Class)> before,
        IReadOnlyDictionary<string, (string Name, string? Class)> now, IReadOnlySet<string> ingressClasses) =>
        now.Where(a => before.TryGetValue(a.Key, out var b) && b.Class is null && a.Value.Class is { Length: > 0 } c && !ingressClasses.Contains(c))
            .Select(a => new Candidate(a.Value.Name, a.Value.Class!)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();

    /// <summary>
    /// For a gateway upgraded earlier (or by another tool): the Ingresses whose ingressClassName is exactly the hard-coded
    /// <see cref="GatewayNames.ClusterGatewayIngressClass"/> while no IngressClass of that name exists — only for the cluster
    /// gateway, whose job gives that class. None when such an IngressClass exists (then a controller serves them).
    /// <paramref name="classes"/>: the IngressClass names of the verification it belongs to (<see cref="ClassNamesAsync"/>).
    /// </summary>
    public static async Task<IReadOnlyList<Candidate>> CarryingHardCodedClassAsync(IKubeApi api, KsGateway gateway, IReadOnlySet<string> classes, CancellationToken ct)
    {
        if (gateway.Scope != KsGatewayScope.Cluster) return Array.Empty<Candidate>();
        if (classes.Contains(GatewayNames.ClusterGatewayIngressClass)) return Array.Empty<Candidate>();
        var now = await IngressSnapshot.TakeAsync(api, ct).ConfigureAwait(false);
        return now.Values.Where(v => v.Class == GatewayNames.ClusterGatewayIngressClass)
            .Select(v => new Candidate(v.Name, v.Class!)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The IngressClass names the cluster has: read once per verification, and the set passed to what judges by it.</summary>
    public static async Task<IReadOnlySet<string>> ClassNamesAsync(IKubeApi api, CancellationToken ct) =>
        (await api.ListAllAsync(ResourceKind.IngressClasses, null, null, ct).ConfigureAwait(false)).Select(c => c.Name()).ToHashSet(StringComparer.Ordinal);

    /// <summary>The ShouldProcess action text (and plan line) for repointing <paramref name="candidates"/>.</summary>
    public static string Describe(IReadOnlyList<Candidate> candidates, string toClass) =>
        $"Point {candidates.Count} Ingress(es) at IngressClass {toClass} (spec.ingressClassName): " +
        string.Join(", ", candidates.Select(c => $"{c.Name} ({c.Class} -> {toClass})"));

    /// <summary>
    /// Patches each candidate [test class == the one it carries, replace with <paramref name="toClass"/>]. A 409, or a failed
    /// test (422), re-reads the Ingress: gone, or given another class by someone else, it is left as it is (a Warning);
    /// still on the same class, the patch is tried again, up to <see cref="MaxAttempts"/> times. Then the Ingresses and the
    /// IngressClasses are read again: <see cref="Outcome.Repointed"/> holds only what the cluster shows on the new class.
    /// </summary>
    public static async Task<Outcome> RunAsync(IKubeApi api, IReadOnlyList<Candidate> candidates, string toClass, IEngineLog log, CancellationToken ct)
    {
        var patched = new List<string>();
        var failures = new List<string>();
        var forbidden = false;
        foreach (var c in candidates)
        {
            string? failure = null;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await api.PatchAsync(ResourceKind.Ingresses, c.Namespace, c.Short, KubePatchType.Json, Patch(c.Class, toClass), ct).ConfigureAwait(false);
                    patched.Add(c.Name);
                    log.Verbose($"Ingress {c.Name}: spec.ingressClassName {c.Class} -> {toClass}.");
                    break;
                }
                catch (Exception e) when (e is KubeConflictException || e is KsUpgradeException k && ApiErrors.IsUnprocessable(k))
                {
                    var current = await api.GetAsync(ResourceKind.Ingresses, c.Namespace, c.Short, ct).ConfigureAwait(false);
                    var cls = current?.Str("spec", "ingressClassName");
                    if (current is null)
                    {
                        log.Verbose($"Ingress {c.Name} was deleted while it was repointed: nothing to do.");
                        break;
                    }
                    if (cls != c.Class)
                    {
                        log.Warning($"Ingress {c.Name} was changed by someone else while it was repointed (its class is now '{cls ?? "(none)"}'): left as it is.");
                        break;
                    }
                    if (attempt >= MaxAttempts)
                    {
                        failure = $"{c.Name}: {MaxAttempts} guarded patches conflicted (another client keeps writing it): {e.Message}";
                        break;
                    }
                    log.Verbose($"Ingress {c.Name} changed between read and patch (attempt {attempt}); trying again.");
                }
                catch (KsUpgradeException e) when (ApiErrors.IsNotFound(e))
                {
                    log.Verbose($"Ingress {c.Name} was deleted while it was repointed: nothing to do.");
                    break;
                }
                catch (KsUpgradeException e) when (e.ErrorId is not ErrorIds.Stopped)
                {
                    forbidden |= e.ErrorId == ErrorIds.Forbidden;
                    failure = $"{c.Name}: {e.Message}";
                    break;
                }
            }
            if (failure is not null)
            {
                failures.Add(failure);
                log.Warning($"Ingress {failure}");
            }
        }

        // what the cluster shows now, not what the patches answered
        var classes = await ClassNamesAsync(api, ct).ConfigureAwait(false);
        var after = (await IngressSnapshot.TakeAsync(api, ct).ConfigureAwait(false)).Values
            .GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.First().Class, StringComparer.Ordinal);
        return new Outcome
        {
            Repointed = patched.Where(n => after.TryGetValue(n, out var cls) && cls == toClass).ToList(),
            Unserved = candidates.Where(c => after.TryGetValue(c.Name, out var cls) && cls is { Length: > 0 } && !classes.Contains(cls)).Select(c => c.Name).ToList(),
            Failures = failures,
            Forbidden = forbidden,
            Classes = classes,
        };
    }

    /// <summary>[test /spec/ingressClassName == from, replace it with to]: applies only while the Ingress still carries <paramref name="from"/>.</summary>
    internal static string Patch(string from, string to) => new JsonArray
    {
        new JsonObject { ["op"] = "test", ["path"] = "/spec/ingressClassName", ["value"] = from },
        new JsonObject { ["op"] = "replace", ["path"] = "/spec/ingressClassName", ["value"] = to },
    }.ToJsonString();

    /// <summary>The remedy of a repoint that left Ingresses unserved.</summary>
    public static string Remedy(string gateway, IReadOnlyList<string> unserved, string toClass, bool forbidden)
    {
        var first = unserved.Count > 0 ? unserved[0].Split('/', 2) : new[] { "<namespace>", "<ingress>" };
        return (forbidden ? "The caller may not patch Ingresses (networking.k8s.io ingresses, verb patch): run it with an account that may (docs/rbac). " : "") +
               $"Run Update-KsGateway -Name {gateway} -RepointIngressClass again (it repoints the Ingresses still on {GatewayNames.ClusterGatewayIngressClass}), " +
               $"or point each by hand: kubectl -n {first[0]} patch ingress {first[^1]} --type merge -p '{{\"spec\":{{\"ingressClassName\":\"{toClass}\"}}}}'.";
    }
}
