using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Engine.Journal;

/// <summary>
/// The upgrade journal: ConfigMap kubesphere-system/ks-upgrade-journal, written before and after each mutating step
/// in one whole-object update guarded by resourceVersion (409: re-read, re-apply the change). Holds no secret.
/// </summary>
public sealed class UpgradeJournal
{
    public const string ConfigMapName = "ks-upgrade-journal";
    /// <summary>Undo-KsUpgrade's own journal (its steps, and the upgrade's journal it undoes, kept until Undo finished).</summary>
    public const string UndoConfigMapName = "ks-upgrade-undo-journal";
    /// <summary>Invoke-KsUpgrade's fleet journal on the host: the fleet's parameters and each cluster's state.</summary>
    public const string FleetConfigMapName = "ks-upgrade-fleet-journal";

    /// <summary>True for the ConfigMaps KsUpgrade journals in (never backed up, never restored).</summary>
    public static bool IsJournal(string name) => name is ConfigMapName or UndoConfigMapName or FleetConfigMapName;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly IKubeApi _api;
    private readonly string _name;
    private string? _resourceVersion;

    private UpgradeJournal(IKubeApi api, JournalState state, string? resourceVersion, string name = ConfigMapName)
    {
        _api = api;
        _name = name;
        State = state;
        _resourceVersion = resourceVersion;
    }

    public JournalState State { get; private set; }

    /// <summary>True once the ConfigMap exists in the cluster.</summary>
    public bool Exists => _resourceVersion is not null;

    /// <summary>The journal in the cluster, or null when there is none.</summary>
    public static Task<UpgradeJournal?> ReadAsync(IKubeApi api, CancellationToken ct) => ReadAsync(api, ConfigMapName, ct);

    /// <summary>The journal in ConfigMap <paramref name="name"/> (the upgrade's or Undo's), or null when there is none.</summary>
    public static async Task<UpgradeJournal?> ReadAsync(IKubeApi api, string name, CancellationToken ct)
    {
        var cm = await api.GetAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, name, ct).ConfigureAwait(false);
        return cm is null ? null : new UpgradeJournal(api, Decode(cm), cm.ResourceVersion(), name);
    }

    /// <summary>Reads the journal again from the cluster (what other writers recorded since); false when it is gone.</summary>
    public async Task<bool> RefreshAsync(CancellationToken ct)
    {
        var cm = await _api.GetAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, _name, ct).ConfigureAwait(false);
        if (cm is null) return false;
        State = Decode(cm);
        _resourceVersion = cm.ResourceVersion();
        return true;
    }

    /// <summary>The ConfigMap this journal is kept in.</summary>
    public string Name => _name;

    /// <summary>Deletes the journal's ConfigMap (Undo, once finished).</summary>
    public Task<bool> DeleteAsync(CancellationToken ct) => _api.DeleteAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, _name, "Background", ct);

    /// <summary>A journal not yet written (created on the first <see cref="UpdateAsync"/>).</summary>
    public static UpgradeJournal New(IKubeApi api, SortedDictionary<string, string> parameters, IReadOnlyDictionary<string, string>? sources = null, string name = ConfigMapName)
    {
        var now = DateTimeOffset.UtcNow;
        return new UpgradeJournal(api, new JournalState
        {
            Parameters = new SortedDictionary<string, string>(parameters, StringComparer.Ordinal),
            Sources = sources is null ? new(StringComparer.Ordinal) : new SortedDictionary<string, string>(sources.ToDictionary(k => k.Key, k => k.Value), StringComparer.Ordinal),
            ParametersHash = Hash(parameters),
            ToolVersion = ToolInfo.Version,
            Created = now,
            Updated = now,
        }, null, name);
    }

    /// <summary>SHA-256 (hex) of the normalized, non-secret parameters.</summary>
    public static string Hash(IReadOnlyDictionary<string, string> parameters)
    {
        var text = string.Join("\n", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
    }

    /// <summary>
    /// Null when the parameters match the journal's; else a message naming each parameter that differs. A values file or
    /// chart whose content changed is named by its path (<paramref name="sources"/>: where it is read now) and said to
    /// have changed since the first run.
    /// </summary>
    public static string? Differences(JournalState journal, IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string>? sources = null)
    {
        if (journal.ParametersHash == Hash(parameters)) return null;
        var keys = journal.Parameters.Keys.Union(parameters.Keys).OrderBy(k => k, StringComparer.Ordinal);
        var diffs = keys
            .Select(k => (k, Was: journal.Parameters.GetValueOrDefault(k), Now: parameters.GetValueOrDefault(k)))
            .Where(d => d.Was != d.Now)
            .Select(d => JournalInputs.Describe(d.k, d.Was, d.Now, journal, sources) ?? $"{d.k} was '{d.Was ?? "(not set)"}', now '{d.Now ?? "(not set)"}'")
            .ToList();
        return diffs.Count == 0 ? "the parameters hash differs" : string.Join("; ", diffs);
    }

    public Task StepStartedAsync(string step, CancellationToken ct, Action<JournalState>? more = null) =>
        UpdateAsync(s =>
        {
            more?.Invoke(s);
            var r = s.Step(step);
            if (r is null) { r = new JournalStepRecord { Name = step }; s.Steps.Add(r); }
            r.Status = JournalStatus.Running;
            r.Started = DateTimeOffset.UtcNow;
            r.Finished = null;
            r.Detail = null;
        }, ct);

    /// <summary>Records a step's end. Never cancelled by the caller's token (a stopped run still records where it stopped).</summary>
    public async Task StepFinishedAsync(string step, string status, string? detail, Action<JournalState>? more = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await UpdateAsync(s =>
        {
            var r = s.Step(step);
            if (r is null) { r = new JournalStepRecord { Name = step, Started = DateTimeOffset.UtcNow }; s.Steps.Add(r); }
            r.Status = status;
            r.Finished = DateTimeOffset.UtcNow;
            r.Detail = detail is { Length: > 2000 } ? detail[..2000] : detail;
            more?.Invoke(s);
        }, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies a change and writes the whole ConfigMap (create, or update guarded by resourceVersion; on 409 re-read and
    /// retry): the change is applied again to what the other writer wrote, so no writer's update is lost. Several runs
    /// share the fleet journal, so a conflict waits a short random time before the next attempt.
    /// </summary>
    public async Task UpdateAsync(Action<JournalState> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var next = Clone(State);
            change(next);
            next.Updated = DateTimeOffset.UtcNow;
            var cm = Encode(next, _name);
            try
            {
                JsonObject written;
                if (_resourceVersion is null)
                    written = await _api.CreateAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, cm, ct).ConfigureAwait(false);
                else
                {
                    ((JsonObject)cm["metadata"]!)["resourceVersion"] = _resourceVersion;
                    written = await _api.ReplaceAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, cm, ct).ConfigureAwait(false);
                }
                State = next;
                _resourceVersion = written.ResourceVersion() ?? _resourceVersion ?? "";
                return;
            }
            catch (KubeConflictException) when (attempt < MaxAttempts)
            {
                if (attempt > 1) await Task.Delay(Random.Shared.Next(20, 100 * attempt), ct).ConfigureAwait(false);
                var current = await _api.GetAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, _name, ct).ConfigureAwait(false);
                if (current is null) { _resourceVersion = null; continue; }
                var theirs = Decode(current);
                if (theirs.ParametersHash != State.ParametersHash)
                    throw new KsUpgradeException(ErrorIds.JournalMismatch, KsErrorCategory.ResourceBusy,
                        $"The journal {KsNames.KubeSphereSystem}/{_name} was rewritten by another run with different parameters; stopping.", _name);
                State = theirs;
                _resourceVersion = current.ResourceVersion();
            }
        }
    }

    private const int MaxAttempts = 8;

    private static JournalState Clone(JournalState s) => JsonSerializer.Deserialize<JournalState>(JsonSerializer.Serialize(s, Json), Json)!;

    internal static JsonObject Encode(JournalState s, string name = ConfigMapName) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = KsNames.KubeSphereSystem,
            ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "ksupgrade" },
        },
        ["data"] = new JsonObject
        {
            ["parametersHash"] = s.ParametersHash,
            ["parameters"] = JsonSerializer.Serialize(s.Parameters, Json),
            ["sources"] = JsonSerializer.Serialize(s.Sources, Json),
            ["backupPath"] = s.BackupPath ?? "",
            ["toolVersion"] = s.ToolVersion,
            ["created"] = s.Created.ToString("o"),
            ["updated"] = s.Updated.ToString("o"),
            ["steps"] = JsonSerializer.Serialize(s.Steps, Json),
            ["facts"] = JsonSerializer.Serialize(s.Facts, Json),
        },
    };

    internal static JournalState Decode(JsonObject cm) =>
        FromData(cm["data"] is JsonObject data
            ? data.Where(kv => kv.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>())
            : new Dictionary<string, string>());

    /// <summary>The journal from its ConfigMap's data (also read by Test-KsCluster). Throws JournalMismatch when it cannot be read.</summary>
    public static JournalState FromData(IReadOnlyDictionary<string, string> data)
    {
        string? D(string key) => data.TryGetValue(key, out var v) ? v : null;
        try
        {
            return new JournalState
            {
                ParametersHash = D("parametersHash") ?? "",
                Parameters = new SortedDictionary<string, string>(
                    JsonSerializer.Deserialize<Dictionary<string, string>>(D("parameters") ?? "{}", Json) ?? new(), StringComparer.Ordinal),
                Sources = new SortedDictionary<string, string>(
                    JsonSerializer.Deserialize<Dictionary<string, string>>(D("sources") ?? "{}", Json) ?? new(), StringComparer.Ordinal),
                BackupPath = string.IsNullOrEmpty(D("backupPath")) ? null : D("backupPath"),
                ToolVersion = D("toolVersion") ?? "",
                Created = DateTimeOffset.TryParse(D("created"), out var c) ? c : default,
                Updated = DateTimeOffset.TryParse(D("updated"), out var u) ? u : default,
                Steps = JsonSerializer.Deserialize<List<JournalStepRecord>>(D("steps") ?? "[]", Json) ?? new(),
                Facts = new SortedDictionary<string, string>(
                    JsonSerializer.Deserialize<Dictionary<string, string>>(D("facts") ?? "{}", Json) ?? new(), StringComparer.Ordinal),
            };
        }
        catch (JsonException e)
        {
            throw new KsUpgradeException(ErrorIds.JournalMismatch, KsErrorCategory.InvalidData,
                $"The journal {KsNames.KubeSphereSystem}/{ConfigMapName} cannot be read ({e.Message}); delete it to start over.", ConfigMapName, e);
        }
    }
}
