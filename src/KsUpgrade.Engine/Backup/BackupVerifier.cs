using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Text.Json;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Upgrade;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KsUpgrade.Engine.Backup;

/// <summary>
/// Test-KsBackup: checks a backup folder against its manifest.json, reading only the disk: the manifest is there and
/// of our format, every file it lists exists with the SHA-256 and the number of objects it lists, files that hold
/// Secrets are still owner-only (Unix), no file is there that the manifest does not list, and no file upgrade.sh writes
/// (<see cref="BackupPlan"/>) is missing from the set.
/// </summary>
public static partial class BackupVerifier
{
    public const string Format = "ksupgrade-backup/v1";

    public static KsBackupCheck Verify(string path, CancellationToken ct = default)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            var partial = Directory.Exists(full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + ClusterBackup.StagingSuffix);
            throw new KsUpgradeException(ErrorIds.BackupNotFound, KsErrorCategory.ObjectNotFound,
                File.Exists(full) ? $"'{full}' is a file, not a backup folder."
                : partial ? $"There is no backup folder '{full}', only '{full}{ClusterBackup.StagingSuffix}': an interrupted backup, not a complete one."
                : $"There is no backup folder '{full}'.", full)
            { Remedy = "Give the folder Backup-KsCluster wrote (its Path), or the BackupPath of an upgrade result." };
        }

        var problems = new List<string>();
        var manifestPath = Path.Combine(full, ClusterBackup.ManifestFileName);
        JsonObject? manifest = null;
        if (!File.Exists(manifestPath))
            problems.Add($"{ClusterBackup.ManifestFileName} is missing: the folder is not a complete KsUpgrade backup.");
        else
        {
            try { manifest = JsonNode.Parse(File.ReadAllText(manifestPath)) as JsonObject; }
            catch (JsonException e) { problems.Add($"{ClusterBackup.ManifestFileName} is not valid JSON ({e.Message})."); }
            if (manifest is not null && manifest["format"]?.GetValue<string>() != Format)
                problems.Add($"{ClusterBackup.ManifestFileName} is not of the format {Format}.");
        }

        var files = new List<KsBackupFileCheck>();
        var listed = new HashSet<string>(StringComparer.Ordinal) { ClusterBackup.ManifestFileName };
        foreach (var entry in (manifest?["files"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            ct.ThrowIfCancellationRequested();
            var name = entry["name"]?.GetValue<string>() ?? "";
            // a manifest names files in its own folder only; anything else is not ours to read
            if (name.Length == 0 || name != Path.GetFileName(name) || name is "." or "..")
            {
                problems.Add($"{ClusterBackup.ManifestFileName} lists a file name that is not a plain name in the folder.");
                continue;
            }
            listed.Add(name);
            var check = CheckFile(Path.Combine(full, name), name, entry);
            if (check.Problem is not null) problems.Add(check.ToString());
            files.Add(check);
        }
        if (manifest is not null) files.AddRange(MissingFromSet(manifest, listed, problems));
        foreach (var extra in Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).Where(n => n is not null && !listed.Contains(n)).Order(StringComparer.Ordinal))
            problems.Add($"{extra}: not listed in {ClusterBackup.ManifestFileName}.");

        return new KsBackupCheck
        {
            Path = full,
            Cluster = manifest?["cluster"]?["context"]?.GetValue<string>(),
            Created = DateTimeOffset.TryParse(manifest?["created"]?.GetValue<string>(), out var created) ? created : null,
            KubeSphereVersion = manifest?["kubeSphereVersion"]?.GetValue<string>(),
            Files = files.ToArray(),
            Problems = problems.ToArray(),
        };
    }

    /// <summary>
    /// The files upgrade.sh writes (<see cref="BackupPlan.Files"/>, for the namespaces the manifest names, else those of
    /// its namespace files) that the manifest does not list, one check each. A file whose every kind the cluster did not
    /// serve (the manifest's skippedKinds) is not missing: there was nothing to back up.
    /// </summary>
    private static IEnumerable<KsBackupFileCheck> MissingFromSet(JsonObject manifest, HashSet<string> listed, List<string> problems)
    {
        static string Text(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var text) ? text : "";
        var skipped = (manifest["skippedKinds"] as JsonArray ?? new JsonArray()).Select(Text).ToHashSet(StringComparer.Ordinal);
        var clusterFiles = BackupPlan.ClusterFiles().Select(f => f.FileName).ToHashSet(StringComparer.Ordinal);
        var namespaces = manifest["namespaces"] is JsonArray named
            ? named.Select(Text)
            : listed.Where(n => n.StartsWith("backup-", StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal) && !clusterFiles.Contains(n))
                .Select(n => n["backup-".Length..^".yaml".Length]);
        var names = namespaces.ToList();
        if (names.RemoveAll(n => !NamespaceName().IsMatch(n)) > 0)
            problems.Add($"{ClusterBackup.ManifestFileName} names a namespace that is not a Kubernetes name.");
        var undo = IsUndoBackup(manifest);
        foreach (var plan in undo ? BackupPlan.Files(names).Concat(BackupPlan.UndoFiles()) : BackupPlan.Files(names))
        {
            if (listed.Contains(plan.FileName) || plan.Sources.All(s => skipped.Contains(s.KindName))) continue;
            var check = new KsBackupFileCheck
            {
                Name = plan.FileName, ObjectsFound = -1, Sensitive = plan.Sensitive,
                Problem = $"upgrade.sh writes it ({plan.KubectlCommand}) and this backup does not have it",
            };
            problems.Add(check.ToString());
            yield return check;
        }
        if (!undo || listed.Contains(BackupPlan.HelmReleasesFile)) yield break;
        {
            var check = new KsBackupFileCheck
            {
                Name = BackupPlan.HelmReleasesFile, ObjectsFound = -1,
                Problem = "the manifest says the backup holds what Undo-KsUpgrade needs, and this file of it (the ks-core release history) is not listed",
            };
            problems.Add(check.ToString());
            yield return check;
        }
    }

    /// <summary>True when the manifest says the backup holds what Undo-KsUpgrade needs (backups of KsUpgrade before Undo existed do not).</summary>
    public static bool IsUndoBackup(JsonObject manifest) => manifest["undo"] is JsonValue v && v.TryGetValue<bool>(out var undo) && undo;

    private static KsBackupFileCheck CheckFile(string path, string name, JsonObject entry)
    {
        var objects = entry["objects"]?.GetValue<int>() ?? 0;
        var sha = entry["sha256"]?.GetValue<string>() ?? "";
        var sensitive = entry["sensitive"]?.GetValue<bool>() ?? false;
        KsBackupFileCheck Result(int found, string foundSha, string? problem) => new()
        {
            Name = name, Objects = objects, ObjectsFound = found, Sha256 = sha, Sha256Found = foundSha, Sensitive = sensitive, Problem = problem,
        };

        if (!File.Exists(path)) return Result(-1, "", "missing");
        var (found, foundSha, yamlError) = ReadOnce(path);
        if (yamlError is not null) return Result(-1, foundSha, $"not valid YAML (line {yamlError.Start.Line}): the file was changed or cut short");

        if (!string.Equals(foundSha, sha, StringComparison.OrdinalIgnoreCase))
            return Result(found, foundSha, found == objects
                ? "its SHA-256 differs from the manifest's: the file was changed after the backup"
                : $"{found} objects instead of {objects}, and its SHA-256 differs: the file was changed after the backup");
        if (found != objects) return Result(found, foundSha, $"{found} objects instead of {objects}");
        if (sensitive && !OperatingSystem.IsWindows()
            && File.GetUnixFileMode(path) != (UnixFileMode.UserRead | UnixFileMode.UserWrite))
            return Result(found, foundSha, "holds Secrets but is no longer readable by the owner only (chmod 600 it)");
        return Result(found, foundSha, null);
    }

    /// <summary>
    /// One pass over the file: its objects counted by streaming the parser's events (no document is built) while the
    /// same bytes are hashed; the rest of a file the parser gave up on is still hashed. A document is one object, except
    /// a kind: List document (kubectl's empty List for an empty set), which holds its items.
    /// </summary>
    private static (int Objects, string Sha256, YamlException? Error) ReadOnce(string path)
    {
        using var sha = SHA256.Create();
        using var file = File.OpenRead(path);
        using var hashed = new CryptoStream(file, sha, CryptoStreamMode.Read);
        var count = 0;
        YamlException? error = null;
        using (var reader = new StreamReader(hashed, leaveOpen: true))
        {
            try
            {
                var parser = new Parser(reader);
                var depth = 0;              // collections open around the current event
                var topKey = true;          // in the root mapping, the next node at depth 1 is a key
                string? key = null;         // the root mapping's key whose value comes next
                var isList = false;
                var items = 0;
                var inItems = false;        // inside the root mapping's items sequence
                while (parser.MoveNext())
                {
                    switch (parser.Current)
                    {
                        case DocumentStart:
                            depth = 0; topKey = true; key = null; isList = false; items = 0; inItems = false;
                            break;
                        case DocumentEnd:
                            count += isList ? items : 1;
                            break;
                        case Scalar scalar:
                            if (inItems && depth == 2) items++;
                            if (depth == 1)
                            {
                                if (topKey) key = scalar.Value;
                                else if (key == "kind") isList = scalar.Value == "List";
                                topKey = !topKey;
                            }
                            break;
                        case AnchorAlias:
                            if (inItems && depth == 2) items++;
                            if (depth == 1) topKey = !topKey;
                            break;
                        case NodeEvent start when start is MappingStart or SequenceStart:
                            if (inItems && depth == 2) items++;
                            if (depth == 1)
                            {
                                inItems = !topKey && key == "items" && start is SequenceStart;
                                topKey = !topKey;
                            }
                            depth++;
                            break;
                        case MappingEnd or SequenceEnd:
                            depth--;
                            if (depth == 1) inItems = false;
                            break;
                    }
                }
            }
            catch (YamlException e) { error = e; }
        }
        hashed.CopyTo(Stream.Null); // whatever the reader did not consume; the final block is hashed at the end
        return (error is null ? count : -1, Convert.ToHexString(sha.Hash!).ToLowerInvariant(), error);
    }

    /// <summary>A namespace name (DNS-1123 label).</summary>
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();
}
