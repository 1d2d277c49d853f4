namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// Every container of the ks-core Deployments (ks-apiserver, ks-console, ks-controller-manager on a host; ks-agent on a
/// member) runs an image tagged with the target appVersion. helm reports success while a pinned tag carried over in the
/// values keeps the old image (upgrade-painpoints.md §1.2, kubesphere#6521). The template is not enough: until the
/// rollout has finished (<see cref="DeploymentRollout"/>), pods of the old template may be the ones serving — a new pod
/// that never becomes ready leaves the 3.4 pod running behind an Available Deployment — so an unfinished rollout fails.
/// </summary>
public sealed class KsCoreImagesMatchTargetCheck : ClusterCheck
{
    public override string Id => "KsCoreImagesMatchTarget";
    public override string Title => "ks-core runs the target version's images";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var deployments = await ctx.KubeSphereSystemDeployments.ConfigureAwait(false);
        if (!deployments.IsOk)
            return CannotRead(deployments);
        var role = await ctx.Role.ConfigureAwait(false);
        var wanted = role == KsClusterRole.Member ? KsCoreDeploymentsAvailableCheck.MemberDeployments : KsCoreDeploymentsAvailableCheck.HostDeployments;
        var target = ctx.Request.TargetAppVersion;
        var images = deployments.Value.Where(d => wanted.Contains(d.Name))
            .SelectMany(d => (d.Images ?? Array.Empty<string>()).Select(i => new KsRunningImage(d.Name, i, TagOf(i))))
            .ToList();
        if (images.Count == 0)
            return Warning($"None of {string.Join(", ", wanted)} exists in kubesphere-system, so no image could be compared (KsCoreDeploymentsAvailable says more).",
                "Check kubectl -n kubesphere-system get deployments.");
        var wrong = images.Where(i => i.Tag is not null && !SameVersion(i.Tag, target)).ToList();
        var unknown = images.Where(i => i.Tag is null).ToList();
        if (wrong.Count > 0)
            return Failed($"{NameList(wrong.Select(i => $"{i.Deployment} runs {i.Image}"))}; expected tag {target}. helm reported success, but a pinned image tag was carried over.",
                "Remove per-component image tags from the values (apiserver.image.tag, console.image.tag, controller.image.tag; keep global.tag at the target or empty), then re-run the upgrade with the same parameters.",
                images.Cast<object>().ToArray());
        var unfinished = deployments.Value.Where(d => wanted.Contains(d.Name) && d.Rollout is { } r && !r.IsComplete(d.Replicas))
            .Select(d => $"{d.Name}: {d.Rollout!.Describe(d.Replicas)}").ToList();
        if (unfinished.Count > 0)
            return Failed($"The rollout of the target images has not finished, so pods of the old template may still be serving: {string.Join("; ", unfinished)}.",
                "Look at the new pods: kubectl -n kubesphere-system get pods and describe the one not ready (image pull, crash, probes); kubectl -n kubesphere-system rollout status deployment/<name> shows when it finishes. Then run Test-KsCluster -Phase PostUpgrade again.",
                images.Cast<object>().ToArray());
        if (unknown.Count > 0)
            return Warning($"{NameList(unknown.Select(i => $"{i.Deployment} runs {i.Image}"))}: pinned by digest or without a tag, so its version cannot be compared with {target}.",
                "Check that the digest is the target version's image (crane digest or your registry), or pin by tag.", images.Cast<object>().ToArray());
        return Passed($"Every ks-core container runs tag {target}: {NameList(images.Select(i => $"{i.Deployment} {i.Image}"))}.", images.Cast<object>().ToArray());
    }

    /// <summary>The tag of an image reference (null when pinned by digest or untagged).</summary>
    public static string? TagOf(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal)) return null;
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? image[(colon + 1)..] : null;
    }

    private static bool SameVersion(string actual, string want) =>
        string.Equals(actual.TrimStart('v'), want.TrimStart('v'), StringComparison.OrdinalIgnoreCase);
}

/// <summary>One container image of a ks-core Deployment and its tag (null: by digest or untagged).</summary>
public sealed record KsRunningImage(string Deployment, string Image, string? Tag);
