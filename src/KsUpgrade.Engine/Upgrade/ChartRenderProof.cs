using System.Text.Json.Nodes;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade.Steps;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>
/// Nothing is changed until everything that will be asked of helm and the API server has been rendered and checked.
/// Before the first mutating step, this renders the chart exactly as the upgrade will (the same helm, values files and
/// --sets, from the same builders the PrepareJob and HelmUpgrade steps use): the prepare template and the full
/// release, hooks included. It then checks every rendered apiVersion/kind against what the cluster serves now and what
/// the chart's CRDs will serve, and every chart CRD against the versions its objects are stored in. helm 4 builds
/// every kind of the chart even when it renders one template, so with helm 4 the CRDs of the kinds not served yet
/// (new CRDs, and CRDs that gain a version, e.g. GlobalRole v1alpha2 → v1beta1) are applied before the prepare render;
/// this proof names them (<see cref="CrdsBeforePrepare"/>), and the PrepareJob step applies exactly these.
/// </summary>
internal sealed class ChartRenderProof
{
    /// <summary>The chart version whose prepare job keeps ks-upgrade's backups (1.1.4's mounts no volume).</summary>
    public static readonly LooseVersion Recommended = new(1, 1, 5);

    public required ChartRenderFindings Findings { get; init; }

    /// <summary>The chart's CRD documents to apply before the prepare render (helm 4 only; empty with helm 3).</summary>
    public IReadOnlyList<JsonObject> CrdsBeforePrepare { get; init; } = Array.Empty<JsonObject>();

    public static async Task<ChartRenderProof> RunAsync(IKubeApi api, IUpgradeHelm helm, UpgradeChartInfo chart, UpgradeParameters p,
        bool ha, bool redisHa, CancellationToken ct)
    {
        var major = await helm.MajorVersionAsync(ct).ConfigureAwait(false);
        var version = await helm.VersionTextAsync(ct).ConfigureAwait(false);
        var problems = new List<string>();
        var notes = new List<string>();
        var warnings = new List<string>();
        var values = UpgradeContext.ValuesFilesOf(p);
        ChartRenderProof Done(int prepare = 0, int release = 0, IReadOnlyList<ChartResourceRef>? resources = null,
            IReadOnlyList<string>? after = null, IReadOnlyList<JsonObject>? before = null, string? remedy = null, IReadOnlyList<string>? images = null) => new()
        {
            Findings = new ChartRenderFindings
            {
                HelmVersion = version, ChartVersion = chart.Version, AppVersion = chart.AppVersion,
                PrepareObjects = prepare, ReleaseObjects = release, Resources = resources ?? Array.Empty<ChartResourceRef>(),
                ServedAfterCrds = after ?? Array.Empty<string>(), CrdsBeforePrepare = (before ?? Array.Empty<JsonObject>()).Select(d => d.Name()).ToList(),
                Notes = notes, Problems = problems, Warnings = warnings, Remedy = remedy, Images = images ?? Array.Empty<string>(),
            },
            CrdsBeforePrepare = before ?? Array.Empty<JsonObject>(),
        };

        if (LooseVersion.TryParse(chart.Version, out var cv) && cv < Recommended)
            warnings.Add($"Chart ks-core {chart.Version} is older than the recommended 1.1.5: its prepare job mounts no volume, so the backups ks-upgrade takes during prepare are lost.");

        // 1. The chart's CRDs: which kinds/versions they serve, and whether the API server accepts them as updates.
        IReadOnlyList<JsonObject> crds;
        try { crds = ChartCrds.Read(chart); }
        catch (KsUpgradeException e) when (e.ErrorId == ErrorIds.ChartInvalid)
        {
            problems.Add(e.Message);
            crds = Array.Empty<JsonObject>();
        }
        var provided = new Dictionary<(string Group, string Version, string Kind), JsonObject>();
        foreach (var crd in crds)
        {
            var group = crd.Str("spec", "group") ?? "";
            var kind = crd.Str("spec", "names", "kind") ?? "";
            var versions = Versions(crd);
            foreach (var v in versions.Where(v => v.Served)) provided[(group, v.Name, kind)] = crd;
            var existing = await api.GetAsync(ResourceKind.CustomResourceDefinitions, null, crd.Name(), ct).ConfigureAwait(false);
            if (existing?["status"]?["storedVersions"] is JsonArray stored)
            {
                var dropped = stored.Select(s => s?.GetValue<string>()).Where(s => s is not null && versions.All(v => v.Name != s)).ToList();
                if (dropped.Count > 0)
                    problems.Add($"The API server would refuse the chart's CustomResourceDefinition {crd.Name()}: objects are stored as {string.Join(", ", dropped)} (status.storedVersions), which the chart's version no longer lists.");
            }
        }

        // 2. The full release, as helm upgrade will render it. helm 3 renders server-side (lookups see the cluster) without
        // building the kinds; helm 4 builds every kind, so it renders client-side first, which needs nothing served.
        var upgrade = HelmUpgradeStep.Request(p, values, ha, redisHa);
        var releaseCall = new HelmTemplateCall(upgrade.Release, upgrade.Namespace, upgrade.Chart, null, upgrade.ValuesFiles, upgrade.Sets, DryRunServer: major < 4, IsUpgrade: true);
        IReadOnlyList<ManifestDocument> release;
        try { release = HelmManifest.Split(await helm.TemplateAsync(releaseCall, ct).ConfigureAwait(false), "helm template"); }
        catch (KsUpgradeException e) when (e.ErrorId != ErrorIds.Stopped && e.ErrorId != ErrorIds.HelmNotFound)
        {
            problems.Add($"helm {version} cannot render the release the upgrade installs: {e.Message}");
            return Done(remedy: "Fix the values file or the chart (helm template shows the same error), then run Test-KsCluster -Chart again.");
        }

        var servedAfter = new SortedSet<string>(StringComparer.Ordinal);
        var unserved = new SortedSet<string>(StringComparer.Ordinal);
        var needed = new List<JsonObject>();
        foreach (var (apiVersion, kind) in release.Select(d => (d.ApiVersion, d.Kind)).Distinct())
        {
            if (await api.KindOfAsync(apiVersion, kind, ct).ConfigureAwait(false) is not null) continue;
            var (group, v) = ResourceKind.SplitApiVersion(apiVersion);
            if (provided.TryGetValue((group, v, kind), out var crd))
            {
                servedAfter.Add($"{kind} {apiVersion}");
                if (!needed.Contains(crd)) needed.Add(crd);
            }
            else unserved.Add($"{kind} {apiVersion}");
        }
        if (unserved.Count > 0)
            problems.Add($"The release renders kinds the cluster does not serve and no CRD of the chart provides: {string.Join(", ", unserved)}; helm would fail on them.");
        var before = major >= 4 ? needed : new List<JsonObject>();
        if (major >= 4 && before.Count > 0)
            notes.Add($"helm {version} builds every kind of the chart even for one template: the {before.Count} CRDs are applied (server-side) before the prepare render, the others at ApplyCrds.");

        // 3. helm 4, where nothing has to be served first: the exact server-side render too (lookups see the cluster).
        if (major >= 4 && before.Count == 0 && problems.Count == 0)
        {
            try { release = HelmManifest.Split(await helm.TemplateAsync(releaseCall with { DryRunServer = true }, ct).ConfigureAwait(false), "helm template"); }
            catch (KsUpgradeException e) when (e.ErrorId != ErrorIds.Stopped && e.ErrorId != ErrorIds.HelmNotFound)
            {
                problems.Add($"helm {version} cannot render the release against the cluster (--dry-run=server): {e.Message}");
            }
        }
        else if (before.Count > 0) notes.Add("The renders ran client-side (the kinds they build are not served yet); lookups see the cluster once the upgrade renders server-side.");

        var prepareCall = PrepareJobStep.Request(p, values, major);
        if (before.Count > 0) prepareCall = prepareCall with { DryRunServer = false };
        IReadOnlyList<ManifestDocument> prepare = Array.Empty<ManifestDocument>();
        string? remedy = null;
        try
        {
            prepare = HelmManifest.Split(await helm.TemplateAsync(prepareCall, ct).ConfigureAwait(false), "helm template");
            if (prepare.Count == 0)
            {
                problems.Add($"helm rendered nothing from {PrepareJobStep.Template}: the values file does not enable the upgrade.");
                remedy = "Set upgrade.enabled: true in the values file (ks-core-values.yaml).";
            }
        }
        catch (KsUpgradeException e) when (e.ErrorId != ErrorIds.Stopped && e.ErrorId != ErrorIds.HelmNotFound)
        {
            problems.Add($"helm {version} cannot render {PrepareJobStep.Template} as the PrepareJob step will: {e.Message}");
        }
        foreach (var d in prepare)
        {
            if (await api.KindOfAsync(d.ApiVersion, d.Kind, ct).ConfigureAwait(false) is not null) continue;
            var (group, v) = ResourceKind.SplitApiVersion(d.ApiVersion);
            if (!(provided.TryGetValue((group, v, d.Kind), out var crd) && before.Contains(crd)))
                problems.Add($"The prepare template renders {d.Kind} {d.ApiVersion} '{d.Name}', which the cluster does not serve before the CRD step.");
        }

        var resources = release.Where(d => d.Hook is null).Select(d => new ChartResourceRef(d.ApiVersion, d.Kind, d.Namespace, d.Name)).ToList();
        remedy ??= problems.Count == 0 ? (warnings.Count > 0 ? "Use ks-core chart 1.1.5 (-Chart) unless you have a reason for this one." : null)
            : "Nothing was changed. Fix what the message names (the chart, the values file, or the helm binary: -HelmPath), then run Test-KsCluster -Chart again.";
        var images = prepare.Concat(release).SelectMany(d => PodTemplates.Images(d.Object)).Select(i => i.Image).Distinct(StringComparer.Ordinal).ToList();
        return Done(prepare.Count, release.Count, resources, servedAfter.ToList(), before, remedy, images);
    }

    private static IReadOnlyList<(string Name, bool Served)> Versions(JsonObject crd) =>
        (crd["spec"]?["versions"] as JsonArray ?? new JsonArray())
        .OfType<JsonObject>()
        .Select(v => (v.Str("name") ?? "", v["served"]?.GetValue<bool>() ?? false))
        .ToList();
}
