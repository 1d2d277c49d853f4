using KsUpgrade.Engine.Helm;
using System.Text.Json;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Backup;

public sealed record BackupOptions(string Path)
{
    /// <summary>Drop data/stringData (and the last-applied annotation) of Secrets.</summary>
    public bool ExcludeSecretData { get; init; }
    public int PageSize { get; init; } = KubeList.PageSize;
    /// <summary>Fallback KubeSphere version for the manifest when the cluster has no ClusterConfiguration.</summary>
    public string? KubeSphereVersion { get; init; }
    /// <summary>
    /// Write the reminder that the backup holds Secrets in clear text as an Information record (tag KsUpgrade.Backup)
    /// instead of a Warning: the upgrade's own backup is expected and documented, and a Warning on every successful
    /// upgrade would teach runbook authors to ignore warnings. Backup-KsCluster keeps the Warning.
    /// </summary>
    public bool SecretsNoticeAsInformation { get; init; }
}

/// <summary>
/// Backup-KsCluster and the upgrade's backup step: every object upgrade.sh backs up, in the same files, streamed page
/// by page into a staging directory that is renamed to the target only when complete (with manifest.json).
/// </summary>
public sealed class ClusterBackup
{
    /// <summary>The tag of the backup's Information records.</summary>
    public const string BackupTag = "KsUpgrade.Backup";

    public const string ManifestFileName = "manifest.json";
    public const string StagingSuffix = ".partial";
    private readonly IKubeApi _api;
    private readonly IEngineLog _log;

    public ClusterBackup(IKubeApi api, IEngineLog log)
    {
        _api = api;
        _log = log;
    }

    /// <summary>Backup-KsCluster: backs up a connected cluster (API retries reported as Verbose).</summary>
    public static Task<KsBackupResult> RunAsync(KsCluster cluster, BackupOptions options, IEngineLog log, CancellationToken ct) =>
        new ClusterBackup(KubeApi.For(cluster, log.Verbose), log).RunAsync(options with { KubeSphereVersion = options.KubeSphereVersion ?? cluster.KubeSphereVersion }, ct);

    /// <summary>Refuses a target that is a file or a non-empty directory: a backup is never overwritten.</summary>
    public static string CheckTarget(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
            throw new KsUpgradeException(ErrorIds.BackupPathNotEmpty, KsErrorCategory.ResourceExists,
                $"The backup path '{full}' is an existing file; give a new directory.", full);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new KsUpgradeException(ErrorIds.BackupPathNotEmpty, KsErrorCategory.ResourceExists,
                $"The backup directory '{full}' exists and is not empty; a backup is never overwritten. Give a new directory.", full)
            { Remedy = "Pass -BackupPath with a directory that does not exist yet (or is empty)." };
        return full;
    }

    /// <summary>The namespaces labelled system-workspace (upgrade.sh adds kubesphere-devops-worker to them: <see cref="BackupPlan.Files"/>).</summary>
    public async Task<IReadOnlyList<string>> SystemWorkspaceNamespacesAsync(CancellationToken ct)
    {
        var names = new List<string>();
        await foreach (var page in _api.PagesAsync(ResourceKind.Namespaces, null, BackupPlan.SystemWorkspaceSelector, ct).ConfigureAwait(false))
            foreach (var ns in page.Items) names.Add(ns.Name());
        return names;
    }

    /// <summary>The files the backup will write.</summary>
    public async Task<IReadOnlyList<BackupFilePlan>> PlanAsync(CancellationToken ct) =>
        BackupPlan.Files(await SystemWorkspaceNamespacesAsync(ct).ConfigureAwait(false));

    public async Task<KsBackupResult> RunAsync(BackupOptions options, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var target = CheckTarget(options.Path);
        var staging = target.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar) + StagingSuffix;
        if (Directory.Exists(staging))
        {
            _log.Warning($"Removing the incomplete backup '{staging}' left by an interrupted run.");
            Directory.Delete(staging, recursive: true);
        }
        OwnerOnlyFiles.CreateDirectory(staging);

        var namespaces = BackupPlan.Namespaces(await SystemWorkspaceNamespacesAsync(ct).ConfigureAwait(false));
        var plans = BackupPlan.Files(namespaces).Concat(BackupPlan.UndoFiles()).ToList();
        var files = new List<KsBackupFile>();
        var skipped = new List<string>();
        var sources = new Dictionary<string, List<string>>();
        string? version = options.KubeSphereVersion;
        for (var i = 0; i < plans.Count; i++)
        {
            var plan = plans[i];
            _log.Progress(2, "Backup", $"{plan.FileName} ({i + 1} of {plans.Count})", (int)(100.0 * i / plans.Count));
            var resolved = new List<(BackupSource Source, ResourceKind Kind)>();
            foreach (var source in plan.Sources)
            {
                var kind = await _api.FindByPluralAsync(source.Group, source.Plural, ct).ConfigureAwait(false);
                if (kind is null)
                {
                    var name = source.KindName;
                    if (!skipped.Contains(name)) skipped.Add(name);
                    _log.Verbose($"Backup: {name} is not served by this cluster (its CRD is missing); skipped.");
                }
                else resolved.Add((source, kind));
            }
            if (resolved.Count == 0) continue;
            using var writer = new BackupFileWriter(System.IO.Path.Combine(staging, plan.FileName), plan.Sensitive);
            foreach (var (source, kind) in resolved)
            {
                var before = writer.Objects;
                if (source.Name is not null)
                {
                    var obj = await _api.GetAsync(kind, source.Namespace, source.Name, ct).ConfigureAwait(false);
                    if (obj is not null && !BackupPlan.IsOwnObject(source, obj))
                    {
                        if (kind.Plural == "clusterconfigurations") version = obj.Label("version") ?? version;
                        writer.Write(Clean(obj, kind, options.ExcludeSecretData));
                    }
                }
                else
                {
                    await foreach (var page in _api.PagesAsync(kind, source.Namespace, null, ct, options.PageSize).ConfigureAwait(false))
                        foreach (var obj in page.Items)
                        {
                            if (source.Filter is not null && !source.Filter(obj)) continue;
                            if (BackupPlan.IsOwnObject(source, obj))
                                _log.Verbose($"Backup: {source.KindName} {obj.Namespace()}/{obj.Name()} is KsUpgrade's own upgrade journal; not backed up.");
                            else writer.Write(Clean(obj, kind, options.ExcludeSecretData));
                        }
                }
                _log.Verbose($"Backup: {writer.Objects - before} {source.Display} -> {plan.FileName}");
            }
            files.Add(writer.Finish());
            sources[plan.FileName] = resolved.Select(r => r.Source.Display).ToList();
        }
        files.Add(await WriteReleaseHistoryAsync(staging, ct).ConfigureAwait(false));
        sources[BackupPlan.HelmReleasesFile] = new List<string> { $"helm release {KsNames.KsCoreRelease} in {KsNames.KubeSphereSystem}: revision, chart, status (helm keeps the release Secrets)" };

        var result = new KsBackupResult
        {
            Cluster = _api.Context,
            Path = target,
            Created = started,
            Duration = DateTimeOffset.UtcNow - started,
            KubeSphereVersion = version,
            Files = files.ToArray(),
            SkippedKinds = skipped.ToArray(),
            SecretDataExcluded = options.ExcludeSecretData,
        };
        await WriteManifestAsync(staging, result, namespaces, sources, ct).ConfigureAwait(false);
        if (Directory.Exists(target)) Directory.Delete(target); // empty: checked above
        Directory.Move(staging, target);
        _log.Progress(2, "Backup", "done", 100, completed: true);
        if (!options.ExcludeSecretData && files.Any(f => f.Sensitive && f.Objects > 0))
        {
            var notice = $"The backup in '{target}' holds Secrets (and user password hashes) in clear text; its files are readable by the owner only. Keep it safe.";
            if (options.SecretsNoticeAsInformation) _log.Information(notice, BackupTag);
            else _log.Warning(notice);
        }
        _log.Verbose($"Backup complete: {result.Files.Length} files, {result.ObjectCount} objects in '{target}'.");
        return result;
    }

    /// <summary>
    /// The ks-core release history reference Undo rolls back to: one document per revision (release, revision, status,
    /// chart and app version, the Secret helm keeps it in), never the release payload (values, manifest).
    /// </summary>
    private async Task<KsBackupFile> WriteReleaseHistoryAsync(string staging, CancellationToken ct)
    {
        using var writer = new BackupFileWriter(System.IO.Path.Combine(staging, BackupPlan.HelmReleasesFile), sensitive: false);
        foreach (var r in await HelmReleaseReader.HistoryAsync(_api, KsNames.KubeSphereSystem, KsNames.KsCoreRelease, ct).ConfigureAwait(false))
            writer.Write(new JsonObject
            {
                ["apiVersion"] = "ksupgrade.io/v1",
                ["kind"] = BackupPlan.HelmReleaseRevisionKind,
                ["metadata"] = new JsonObject { ["name"] = $"{r.Name}.v{r.Revision}", ["namespace"] = KsNames.KubeSphereSystem },
                ["release"] = r.Name,
                ["revision"] = r.Revision,
                ["status"] = r.Status,
                ["chartVersion"] = r.ChartVersion,
                ["appVersion"] = r.AppVersion,
                ["secret"] = r.SecretName,
            });
        return writer.Finish();
    }

    /// <summary>A copy without managed fields; Secrets without their data when asked.</summary>
    internal static JsonObject Clean(JsonObject obj, ResourceKind kind, bool excludeSecretData)
    {
        if (obj["metadata"] is JsonObject md)
        {
            md.Remove("managedFields");
            if (excludeSecretData && kind.Kind == "Secret" && md["annotations"] is JsonObject ann)
                ann.Remove("kubectl.kubernetes.io/last-applied-configuration");
        }
        if (excludeSecretData && kind.Kind == "Secret")
        {
            obj.Remove("data");
            obj.Remove("stringData");
        }
        return obj;
    }

    private async Task WriteManifestAsync(string dir, KsBackupResult result, IReadOnlyList<string> namespaces, Dictionary<string, List<string>> sources, CancellationToken ct)
    {
        var manifest = new JsonObject
        {
            ["format"] = "ksupgrade-backup/v1",
            ["tool"] = ToolInfo.Version,
            ["cluster"] = new JsonObject { ["context"] = _api.Context, ["server"] = _api.Server },
            ["created"] = result.Created.ToString("o"),
            ["kubeSphereVersion"] = result.KubeSphereVersion,
            ["secretDataExcluded"] = result.SecretDataExcluded,
            // the namespaces whose backup-<namespace>.yaml upgrade.sh writes: Test-KsBackup checks the set of files with them
            ["namespaces"] = new JsonArray(namespaces.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
            ["files"] = new JsonArray(result.Files.Select(f => (JsonNode)new JsonObject
            {
                ["name"] = f.Name,
                ["objects"] = f.Objects,
                ["sha256"] = f.Sha256,
                ["sensitive"] = f.Sensitive,
                ["sources"] = new JsonArray(sources[f.Name].Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
            }).ToArray()),
            ["skippedKinds"] = new JsonArray(result.SkippedKinds.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
            // the backup holds what Undo-KsUpgrade needs (BackupPlan.UndoFileNames): Test-KsBackup then requires those files
            ["undo"] = true,
        };
        await File.WriteAllTextAsync(System.IO.Path.Combine(dir, ManifestFileName),
            manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
    }
}
