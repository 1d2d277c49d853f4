using System.Text.Json.Nodes;
using k8s.Models;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Members;

/// <summary>Remove-KsMemberTaint's evidence and override.</summary>
public sealed record TaintRemovalOptions
{
    /// <summary>The member's own connection: its ks-core release says whether it runs KubeSphere 4 (else the host's view of it is used).</summary>
    public KsCluster? Member { get; init; }
    /// <summary>Remove the condition from a member not shown on KubeSphere 4 (with a Warning) instead of refusing with MemberNotUpgraded.</summary>
    public bool Force { get; init; }
}

/// <summary>
/// The member clusters a KubeSphere host knows (<c>clusters.cluster.kubesphere.io</c>, cluster-scoped, v1alpha1), and the
/// removal of the <c>Schedulable</c> condition ("taint") ks-upgrade puts on members during the host upgrade.
/// </summary>
public static class MemberClusters
{
    /// <summary>How many times a guarded patch is retried after its test failed (the conditions moved meanwhile).</summary>
    public const int MaxPatchAttempts = 5;

    /// <summary>The cluster-scoped Cluster kind of the host (transient failures are retried by the access layer).</summary>
    private static readonly ResourceKind Clusters = new(ClusterObject.Group, ClusterObject.Version, ClusterObject.Plural, "Cluster", false);

    /// <summary>
    /// Lists the Cluster objects on <paramref name="host"/> whose name matches <paramref name="namePattern"/> (wildcards;
    /// null = all), ordered by name. A plain name that matches nothing throws MemberNotFound listing the known clusters.
    /// A cluster that is not a multicluster host (no Cluster kind served, no Cluster object, or connected as a member)
    /// throws NotHostCluster.
    /// </summary>
    public static async Task<IReadOnlyList<KsMemberCluster>> ListAsync(KsCluster host, string? namePattern, IEngineLog log, CancellationToken ct)
    {
        var objects = await ListObjectsAsync(KubeApi.For(host, log.Verbose), ct).ConfigureAwait(false);
        if (objects is null || objects.Count == 0 || host.Role == KsClusterRole.Member)
            throw NotHost(host, objects is null ? $"it serves no {ClusterObject.CrdName}"
                : objects.Count == 0 ? $"it holds no {ClusterObject.CrdName} object"
                : "it is a member cluster (role Member)");
        var result = ClusterObject.ParseAll(objects, host).Where(m => Wildcard.IsMatch(m.Name, namePattern)).ToList();
        if (result.Count == 0 && !string.IsNullOrEmpty(namePattern) && !Wildcard.HasWildcard(namePattern))
            throw NotFound(host, namePattern, objects);
        return result;
    }

    /// <summary>
    /// Removes the <c>Schedulable</c> condition from member <paramref name="name"/>'s Cluster object on <paramref name="host"/>,
    /// with a JSON patch whose <c>test</c> op guards the condition's index (on the main resource, or through /status when the
    /// CRD declares a status subresource). A failed test re-reads and retries (at most <see cref="MaxPatchAttempts"/> times),
    /// so the wrong element is never removed. Returns the cluster as it is afterwards; a member without the condition is
    /// returned unchanged (reported, not an error). Returns null when ShouldProcess declines (-WhatIf).
    /// A member that does not run KubeSphere 4 (by its own ks-core release when <see cref="TaintRemovalOptions.Member"/> is
    /// given, else by the host's status.kubeSphereVersion) is refused with MemberNotUpgraded before anything is asked or
    /// changed, unless <see cref="TaintRemovalOptions.Force"/> (then a Warning says so).
    /// Throws MemberNotFound (listing the known clusters) and HostClusterRefused for the host's own Cluster object.
    /// </summary>
    public static Task<KsMemberCluster?> RemoveTaintAsync(KsCluster host, string name, IEngineLog log, CancellationToken ct) =>
        RemoveTaintAsync(host, name, null, log, null, ct);

    /// <summary>As above, with the member's own connection (the best evidence of its version) and -Force.</summary>
    public static Task<KsMemberCluster?> RemoveTaintAsync(KsCluster host, string name, TaintRemovalOptions? options, IEngineLog log, CancellationToken ct) =>
        RemoveTaintAsync(host, name, options, log, null, ct);

    /// <summary>As above for a cluster read by <see cref="ListAsync"/> (piped from Get-KsMemberCluster): acts on the host it came from.</summary>
    public static Task<KsMemberCluster?> RemoveTaintAsync(KsMemberCluster member, IEngineLog log, CancellationToken ct) =>
        RemoveTaintAsync(member, null, log, ct);

    /// <summary>As above for a piped cluster, with options.</summary>
    public static Task<KsMemberCluster?> RemoveTaintAsync(KsMemberCluster member, TaintRemovalOptions? options, IEngineLog log, CancellationToken ct) =>
        RemoveTaintAsync(member.HostCluster ?? throw new KsUpgradeException(ErrorIds.ClusterUnreachable, KsErrorCategory.InvalidArgument,
            $"Member cluster object '{member.Name}' carries no host connection; pass -Cluster with the host.", member.Name), member.Name, options, log, null, ct);

    /// <param name="beforePatch">Test hook: runs after each read, before the patch that relies on it (argument: the attempt, from 1).</param>
    internal static Task<KsMemberCluster?> RemoveTaintAsync(KsCluster host, string name, IEngineLog log, Func<int, Task>? beforePatch, CancellationToken ct) =>
        RemoveTaintAsync(host, name, null, log, beforePatch, ct);

    internal static async Task<KsMemberCluster?> RemoveTaintAsync(KsCluster host, string name, TaintRemovalOptions? options, IEngineLog log,
        Func<int, Task>? beforePatch, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new KsUpgradeException(ErrorIds.MemberNotFound, KsErrorCategory.InvalidArgument, "A member cluster name is required.", name);
        var api = KubeApi.For(host, log.Verbose);
        var all = await ListObjectsAsync(api, ct).ConfigureAwait(false) ?? new List<JsonObject>();
        var hostNames = ClusterObject.HostNames(all);
        var current = all.FirstOrDefault(o => ClusterObject.NameOf(o) == name) ?? throw NotFound(host, name, all);
        if (hostNames.Contains(name)) throw HostRefused(host, name);

        if (ClusterObject.IndexOfCondition(current, ClusterObject.SchedulableCondition) < 0)
        {
            log.Information($"Member '{name}' has no Schedulable condition: unchanged.", "KsUpgrade.Unchanged");
            return ClusterObject.ToMember(current, false, host);
        }

        await CheckUpgradedAsync(host, name, current, options, log, ct).ConfigureAwait(false);

        if (!await log.ShouldProcessAsync($"Cluster '{name}' on {host.Context}", "Remove the Schedulable condition").ConfigureAwait(false))
            return null;

        var viaStatus = await HasStatusSubresourceAsync(api, log, ct).ConfigureAwait(false);
        log.Verbose($"Removing the Schedulable condition of '{name}' through {(viaStatus == true ? "the /status subresource" : "the main resource")}.");
        var result = await PatchOutAsync(host, api, name, current, viaStatus == true, log, beforePatch, ct).ConfigureAwait(false);
        if (result is not null && ClusterObject.IndexOfCondition(result, ClusterObject.SchedulableCondition) >= 0 && viaStatus is null)
        {
            // The CRD could not be read; a status subresource makes the API server ignore status changes on the main resource.
            log.Verbose($"The condition of '{name}' is still present after patching the main resource; trying the /status subresource.");
            result = await PatchOutAsync(host, api, name, result, true, log, null, ct).ConfigureAwait(false);
        }
        if (result is null)
        {
            log.Information($"The Schedulable condition of '{name}' disappeared meanwhile: unchanged.", "KsUpgrade.Unchanged");
            result = await api.GetAsync(Clusters, null, name, ct).ConfigureAwait(false) ?? throw NotFound(host, name, all);
        }
        if (ClusterObject.IndexOfCondition(result, ClusterObject.SchedulableCondition) >= 0)
            throw new KsUpgradeException(ErrorIds.TaintNotRemoved, KsErrorCategory.InvalidResult,
                $"The API server accepted the patch but member '{name}' still has a Schedulable condition (a controller may have re-added it).", name)
            { Remedy = "Check that the member is upgraded (its ks-core release deployed on v4) and run Remove-KsMemberTaint again." };
        log.Information($"Removed the Schedulable condition of member '{name}'.", "KsUpgrade.Step");
        return ClusterObject.ToMember(result, false, host);
    }

    /// <summary>
    /// The member must run KubeSphere 4 before its condition goes: by its own ks-core release (the latest deployed revision's
    /// appVersion, read through <see cref="TaintRemovalOptions.Member"/>) when given, else by the host's status.kubeSphereVersion
    /// (which KubeSphere's cluster controller updates some time after the member's upgrade). Throws MemberNotUpgraded, or
    /// with Force writes a Warning and returns.
    /// </summary>
    private static async Task CheckUpgradedAsync(KsCluster host, string name, JsonObject current, TaintRemovalOptions? options, IEngineLog log, CancellationToken ct)
    {
        string? version;
        string evidence;
        if (options?.Member is { } member)
        {
            if (ReferenceEquals(member, host) || string.Equals(member.Server.TrimEnd('/'), host.Server.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
                throw new KsUpgradeException(ErrorIds.RoleMismatch, KsErrorCategory.InvalidArgument,
                    $"-MemberCluster is the host cluster itself ({host.Context}): give the connection of member '{name}'.", name)
                { Remedy = $"Pass the member's own KsCluster: -MemberCluster (Connect-KsCluster -Context <context of {name}>)." };
            var release = await HelmReleaseReader.LastDeployedAsync(KubeApi.For(member, log.Verbose), KsNames.KubeSphereSystem, KsNames.KsCoreRelease, ct).ConfigureAwait(false);
            version = string.IsNullOrEmpty(release?.AppVersion) ? null : release.AppVersion;
            evidence = release is null
                ? $"its own cluster (context '{member.Context}') has no deployed ks-core release"
                : $"its own ks-core release (context '{member.Context}', revision {release.Revision}) is {version ?? "of no app version"}";
        }
        else
        {
            version = current["status"]?["kubeSphereVersion"] is JsonValue v && v.TryGetValue<string>(out var reported) ? reported : null;
            evidence = $"the host reports it on KubeSphere {version ?? "(unknown)"}";
        }
        if (version is not null && version.StartsWith("v4", StringComparison.OrdinalIgnoreCase))
        {
            log.Verbose($"Member '{name}' is upgraded: {evidence}.");
            return;
        }
        var risk = "removing its Schedulable condition schedules the v4 extension agents onto a 3.4 cluster";
        if (options?.Force == true)
        {
            log.Warning($"Member '{name}' is not shown on KubeSphere 4 ({evidence}); removing its Schedulable condition anyway because of -Force: {risk}.");
            return;
        }
        throw new KsUpgradeException(ErrorIds.MemberNotUpgraded, KsErrorCategory.InvalidOperation,
            $"Member '{name}' is not upgraded yet: {evidence}, and {risk}. Nothing was changed.", name)
        {
            Remedy = $"Upgrade it first: Invoke-KsMemberUpgrade -HostCluster <host> removes the condition itself once the member runs v4. " +
                     $"If '{name}' is already upgraded and the host has not caught up, pass its connection: Remove-KsMemberTaint -Name {name} -MemberCluster <member KsCluster>. " +
                     "-Force removes the condition anyway.",
        };
    }

    /// <summary>
    /// Guarded remove loop. Returns the patched object, or null when the condition is gone before any patch succeeded.
    /// </summary>
    private static Task<JsonObject?> PatchOutAsync(KsCluster host, IKubeApi api, string name, JsonObject current, bool viaStatus,
        IEngineLog log, Func<int, Task>? beforePatch, CancellationToken ct) =>
        RetryGuardedPatchAsync<JsonObject?>(name, log, "nothing was removed", "Run Remove-KsMemberTaint again once the cluster controller has settled.", async attempt =>
        {
            if (attempt > 1)
                current = await api.GetAsync(Clusters, null, name, ct).ConfigureAwait(false) ?? throw NotFound(host, name, new List<JsonObject>());
            var index = ClusterObject.IndexOfCondition(current, ClusterObject.SchedulableCondition);
            if (index < 0) return null;
            if (beforePatch is not null) await beforePatch(attempt).ConfigureAwait(false);
            var patch = RemovalPatch(index);
            // a retry after a lost answer is safe: if the first attempt landed, the test op fails (422) and the loop re-reads
            return viaStatus
                ? await api.PatchStatusAsync(Clusters, null, name, KubePatchType.Json, patch, ct).ConfigureAwait(false)
                : await api.PatchAsync(Clusters, null, name, KubePatchType.Json, patch, ct).ConfigureAwait(false);
        });

    /// <summary>
    /// The one retry loop of the guarded condition patches: each attempt reads and patches with a <c>test</c> op; a 409 or a
    /// failed test (422) means the conditions moved between read and patch, and the attempt runs again (at most
    /// <see cref="MaxPatchAttempts"/> times), then TaintConflict.
    /// </summary>
    private static async Task<T> RetryGuardedPatchAsync<T>(string name, IEngineLog log, string outcome, string remedy, Func<int, Task<T>> attempt)
    {
        for (var i = 1; i <= MaxPatchAttempts; i++)
        {
            try
            {
                return await attempt(i).ConfigureAwait(false);
            }
            catch (KubeConflictException)
            {
                log.Verbose($"The conditions of '{name}' changed between read and patch (attempt {i}: 409); re-reading.");
            }
            catch (KsUpgradeException e) when (ApiErrors.IsUnprocessable(e))
            {
                log.Verbose($"The conditions of '{name}' changed between read and patch (attempt {i}: 422); re-reading.");
            }
        }
        throw new KsUpgradeException(ErrorIds.TaintConflict, KsErrorCategory.ResourceBusy,
            $"The conditions of member '{name}' kept changing: {MaxPatchAttempts} guarded patches failed their test; {outcome}.", name)
        { Remedy = remedy };
    }

    /// <summary>[test type at i == Schedulable, remove i]: the remove only applies if the element at i is still the condition.</summary>
    internal static string RemovalPatch(int index)
    {
        var path = $"/status/conditions/{index}";
        var ops = new JsonArray
        {
            new JsonObject { ["op"] = "test", ["path"] = path + "/type", ["value"] = ClusterObject.SchedulableCondition },
            new JsonObject { ["op"] = "remove", ["path"] = path },
        };
        return ops.ToJsonString();
    }

    /// <summary>True/false from the CRD's served v1alpha1 version; null when the CRD cannot be read.</summary>
    internal static async Task<bool?> HasStatusSubresourceAsync(IKubeApi api, IEngineLog log, CancellationToken ct)
    {
        JsonObject? crd;
        try
        {
            crd = await api.GetAsync(ResourceKind.CustomResourceDefinitions, null, ClusterObject.CrdName, ct).ConfigureAwait(false);
        }
        catch (KsUpgradeException e) when (e.ErrorId == ErrorIds.Forbidden)
        {
            crd = null;
        }
        if (crd is null)
        {
            log.Verbose($"Cannot read CRD {ClusterObject.CrdName} (forbidden or absent); assuming no status subresource and verifying.");
            return null;
        }
        var version = crd.As<V1CustomResourceDefinition>().Spec?.Versions?.FirstOrDefault(v => v.Name == ClusterObject.Version);
        return version?.Subresources?.Status is not null;
    }

    /// <summary>Every Cluster object of the host; null when the kind is not served (404).</summary>
    private static async Task<List<JsonObject>?> ListObjectsAsync(IKubeApi api, CancellationToken ct)
    {
        try
        {
            return await api.ListAllAsync(Clusters, null, null, ct).ConfigureAwait(false);
        }
        catch (KsUpgradeException e) when (ApiErrors.IsNotFound(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Checks that <paramref name="name"/> is a member cluster on <paramref name="host"/> (read-only): Invoke-KsMemberUpgrade
    /// -HostCluster runs it before changing anything, so a wrong -MemberName stops the upgrade instead of failing the taint
    /// removal at its end. Throws MemberNotFound (listing the known clusters) or HostClusterRefused.
    /// </summary>
    public static Task EnsureMemberAsync(KsCluster host, string name, CancellationToken ct) => EnsureMemberAsync(KubeApi.For(host), name, ct);

    /// <summary>As <see cref="EnsureMemberAsync(KsCluster, string, CancellationToken)"/>, through the host's access layer; returns the member's Cluster object.</summary>
    public static async Task<JsonObject> EnsureMemberAsync(IKubeApi host, string name, CancellationToken ct)
    {
        var all = await ListObjectsAsync(host, ct).ConfigureAwait(false) ?? new List<JsonObject>();
        var member = all.FirstOrDefault(o => ClusterObject.NameOf(o) == name) ?? throw NotFound(host.Context, name, all);
        if (ClusterObject.HostNames(all).Contains(name)) throw HostRefused(host.Context, name);
        return member;
    }

    /// <summary>The reason of the Schedulable condition ks-upgrade's core pre-upgrade puts on every member during the host upgrade.</summary>
    public const string UpgradeTaintReason = "Upgrading";
    /// <summary>Its message (ks-upgrade v4.1.3, core.go).</summary>
    public const string UpgradeTaintMessage = "Not schedulable now";

    /// <summary>
    /// Puts the Schedulable=False condition back on member <paramref name="name"/>'s Cluster object on the host, as the host
    /// upgrade left it before the member's upgrade removed it (Undo-KsUpgrade of a member: a member back on 3.4 must not
    /// get the v4 host's extension agents). A JSON patch guarded by a <c>test</c> of the whole conditions list (on the main
    /// resource, or through /status when the CRD declares a status subresource), re-read and retried when it moved. A
    /// member that already has a Schedulable condition is left as it is. Returns the Cluster object afterwards; throws
    /// TaintConflict when the conditions kept moving, and ApiError when the API server accepted the patch but the object
    /// shows no condition afterwards.
    /// </summary>
    public static async Task<JsonObject> AddTaintAsync(IKubeApi host, string name, IEngineLog log, CancellationToken ct)
    {
        var viaStatus = await HasStatusSubresourceAsync(host, log, ct).ConfigureAwait(false);
        return await RetryGuardedPatchAsync<JsonObject>(name, log, "the Schedulable condition was not put back", "Run Undo-KsUpgrade again once the cluster controller has settled.", async _ =>
        {
            var current = await host.GetAsync(Clusters, null, name, ct).ConfigureAwait(false) ?? throw NotFound(host.Context, name, new List<JsonObject>());
            if (ClusterObject.IndexOfCondition(current, ClusterObject.SchedulableCondition) >= 0) return current;
            var result = viaStatus == true
                ? await host.PatchStatusAsync(Clusters, null, name, KubePatchType.Json, AdditionPatch(current, DateTimeOffset.UtcNow), ct).ConfigureAwait(false)
                : await host.PatchAsync(Clusters, null, name, KubePatchType.Json, AdditionPatch(current, DateTimeOffset.UtcNow), ct).ConfigureAwait(false);
            // the CRD could not be read: a status subresource makes the API server ignore status changes on the main resource
            if (ClusterObject.IndexOfCondition(result, ClusterObject.SchedulableCondition) < 0 && viaStatus is null)
                result = await host.PatchStatusAsync(Clusters, null, name, KubePatchType.Json, AdditionPatch(result, DateTimeOffset.UtcNow), ct).ConfigureAwait(false);
            if (ClusterObject.IndexOfCondition(result, ClusterObject.SchedulableCondition) < 0)
                throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.InvalidResult,
                    $"The API server accepted the patch but member '{name}' on host '{host.Context}' has no Schedulable condition afterwards.", name)
                { Remedy = $"Add it by hand (kubectl edit clusters.cluster.kubesphere.io {name} on the host: status.conditions type Schedulable, status False), then run Undo-KsUpgrade again." };
            log.Information($"Put the Schedulable condition of member '{name}' back on host '{host.Context}': no extension agent is scheduled onto it.", "KsUpgrade.Step");
            return result;
        }).ConfigureAwait(false);
    }

    /// <summary>[test conditions == as read, replace with them plus Schedulable=False/Upgrading] (add when there are none yet).</summary>
    internal static string AdditionPatch(JsonObject current, DateTimeOffset now)
    {
        var time = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var condition = new JsonObject
        {
            ["type"] = ClusterObject.SchedulableCondition, ["status"] = "False", ["reason"] = UpgradeTaintReason, ["message"] = UpgradeTaintMessage,
            ["lastTransitionTime"] = time, ["lastUpdateTime"] = time,
        };
        var ops = new JsonArray();
        if (current["status"]?["conditions"] is JsonArray existing)
        {
            var updated = (JsonArray)existing.DeepClone();
            updated.Add(condition);
            ops.Add(new JsonObject { ["op"] = "test", ["path"] = "/status/conditions", ["value"] = existing.DeepClone() });
            ops.Add(new JsonObject { ["op"] = "replace", ["path"] = "/status/conditions", ["value"] = updated });
        }
        else if (current["status"] is JsonObject)
            ops.Add(new JsonObject { ["op"] = "add", ["path"] = "/status/conditions", ["value"] = new JsonArray(condition) });
        else
            ops.Add(new JsonObject { ["op"] = "add", ["path"] = "/status", ["value"] = new JsonObject { ["conditions"] = new JsonArray(condition) } });
        return ops.ToJsonString();
    }

    private static KsUpgradeException HostRefused(KsCluster host, string name) => HostRefused(host.Context, name);

    private static KsUpgradeException NotHost(KsCluster cluster, string why) =>
        new(ErrorIds.NotHostCluster, KsErrorCategory.InvalidOperation,
            $"Context '{cluster.Context}' is not a KubeSphere multicluster host: {why}. Only the host keeps the list of clusters.", cluster.Context)
        { Remedy = "Run it against the host: Get-KsMemberCluster -Cluster (Connect-KsCluster -Context <host context>)." };

    private static KsUpgradeException HostRefused(string hostContext, string name) =>
        new(ErrorIds.HostClusterRefused, KsErrorCategory.InvalidOperation,
            $"'{name}' is the host cluster itself (context '{hostContext}'); the Schedulable condition is only removed from members.", name)
        { Remedy = "Pass the name of a member cluster (Get-KsMemberCluster lists them with their Role)." };

    private static KsUpgradeException NotFound(KsCluster host, string name, IReadOnlyList<JsonObject> known) => NotFound(host.Context, name, known);

    private static KsUpgradeException NotFound(string hostContext, string name, IReadOnlyList<JsonObject> known)
    {
        var names = known.Select(ClusterObject.NameOf).OrderBy(n => n, StringComparer.Ordinal).ToList();
        return new KsUpgradeException(ErrorIds.MemberNotFound, KsErrorCategory.ObjectNotFound,
            $"No cluster '{name}' on host '{hostContext}'. Known clusters: {(names.Count == 0 ? "(none)" : string.Join(", ", names))}.", name);
    }
}
