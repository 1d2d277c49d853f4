using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Undo;

/// <summary>One ks-core revision as the backup recorded it (undo-helm-releases.yaml).</summary>
public sealed record BackedUpRevision(int Revision, string Status, string? ChartVersion, string? AppVersion);

/// <summary>
/// A verified backup read for Undo: its objects by backup source (so the live objects of the same sets can be compared
/// with them), the KubeSphere CRDs, the webhook configurations and the ks-core release history reference.
/// </summary>
internal sealed class UndoBackup
{
    public required string Path { get; init; }
    public required DateTimeOffset Created { get; init; }
    public string? KubeSphereVersion { get; init; }
    /// <summary>Each backed-up set (a source of a file of the backup) with its objects.</summary>
    public required IReadOnlyList<(BackupSource Source, IReadOnlyList<JsonObject> Objects)> Sets { get; init; }
    public required IReadOnlyList<BackedUpRevision> Releases { get; init; }

    public IReadOnlyList<JsonObject> Crds => Sets.Where(s => s.Source.Plural == "customresourcedefinitions").SelectMany(s => s.Objects).ToList();

    /// <summary>The revision deployed when the backup was taken.</summary>
    public BackedUpRevision? Deployed => Releases.LastOrDefault(r => r.Status == "deployed");

    /// <summary>Reads a backup Test-KsBackup calls intact and that holds what Undo needs; else BackupNotUsableForUndo.</summary>
    public static UndoBackup Read(string path, CancellationToken ct)
    {
        var check = BackupVerifier.Verify(path, ct);
        var manifestPath = System.IO.Path.Combine(check.Path, ClusterBackup.ManifestFileName);
        var manifest = File.Exists(manifestPath) ? JsonNode.Parse(File.ReadAllText(manifestPath)) as JsonObject : null;
        if (!check.Intact || manifest is null)
            throw new KsUpgradeException(ErrorIds.BackupNotUsableForUndo, KsErrorCategory.InvalidData,
                $"The backup '{check.Path}' is not intact: {string.Join("; ", check.Problems.Take(5))}", check.Path)
            { Remedy = $"Run Test-KsBackup -Path '{check.Path}' to see every problem; give -BackupPath the intact copy of the upgrade's backup." };
        if (!BackupVerifier.IsUndoBackup(manifest))
            throw new KsUpgradeException(ErrorIds.BackupNotUsableForUndo, KsErrorCategory.InvalidData,
                $"The backup '{check.Path}' was taken by a KsUpgrade without Undo: it has no CustomResourceDefinitions, webhook configurations or ks-core release history, and Undo restores from evidence only.", check.Path)
            { Remedy = "Restore this cluster from your own etcd snapshot or Velero backup; backups taken by Backup-KsCluster and Invoke-KsHostUpgrade from now on hold what Undo-KsUpgrade needs." };
        if (manifest["secretDataExcluded"] is JsonValue excluded && excluded.TryGetValue<bool>(out var noSecrets) && noSecrets)
            throw new KsUpgradeException(ErrorIds.BackupNotUsableForUndo, KsErrorCategory.InvalidData,
                $"The backup '{check.Path}' was taken with -ExcludeSecretData: the Secrets it would restore have no data.", check.Path)
            { Remedy = "Give -BackupPath a backup taken with the Secrets' data (the upgrade's own backup is)." };

        var namespaces = (manifest["namespaces"] as JsonArray ?? new JsonArray()).Select(n => n?.GetValue<string>() ?? "").Where(n => n.Length > 0);
        var plans = BackupPlan.Files(namespaces).Concat(BackupPlan.UndoFiles());
        var listed = check.Files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var sets = new List<(BackupSource, IReadOnlyList<JsonObject>)>();
        foreach (var plan in plans.Where(p => listed.Contains(p.FileName)))
        {
            ct.ThrowIfCancellationRequested();
            var objects = Objects(System.IO.Path.Combine(check.Path, plan.FileName));
            foreach (var source in plan.Sources)
                sets.Add((source, objects.Where(o => Matches(source, o)).ToList()));
        }
        var releases = Objects(System.IO.Path.Combine(check.Path, BackupPlan.HelmReleasesFile))
            .Where(o => o.Str("kind") == BackupPlan.HelmReleaseRevisionKind)
            .Select(o => new BackedUpRevision((int)(o.Long("revision") ?? 0), o.Str("status") ?? "", o.Str("chartVersion"), o.Str("appVersion")))
            .OrderBy(r => r.Revision).ToList();
        return new UndoBackup
        {
            Path = check.Path,
            Created = check.Created ?? DateTimeOffset.MinValue,
            KubeSphereVersion = check.KubeSphereVersion,
            Sets = sets,
            Releases = releases,
        };
    }

    private static List<JsonObject> Objects(string file) =>
        YamlJson.ReadDocuments(File.ReadAllText(file)).Where(d => d.Str("kind") != "List").ToList();

    /// <summary>An object of a file belongs to the source of its group and plural (by kind), namespace and name.</summary>
    private static bool Matches(BackupSource source, JsonObject o)
    {
        var (group, _) = ResourceKind.SplitApiVersion(o.Str("apiVersion") ?? "");
        if (group != source.Group) return false;
        if (!string.Equals(Plural(o.Str("kind") ?? ""), source.Plural, StringComparison.Ordinal)) return false;
        if (source.Namespace is not null && o.Namespace() != source.Namespace) return false;
        return source.Name is null || o.Name() == source.Name;
    }

    /// <summary>The plural of a kind as the backed-up kinds spell it (Kubernetes' lower-case + s / ies / es).</summary>
    internal static string Plural(string kind)
    {
        var lower = kind.ToLowerInvariant();
        if (lower.Length > 1 && lower.EndsWith('y') && !"aeiou".Contains(lower[^2])) return lower[..^1] + "ies";
        if (lower.EndsWith('s')) return lower + "es";
        return lower + "s";
    }
}
