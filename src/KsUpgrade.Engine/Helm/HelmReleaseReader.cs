using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Helm;

/// <summary>A release secret that could not be decoded (reported instead of failing a whole listing).</summary>
public sealed record HelmReleaseSecretError(string Namespace, string SecretName, string Message);

/// <summary>
/// The one reader of helm releases: their storage Secrets (label <c>owner=helm</c>, type <c>helm.sh/release.v1</c>,
/// <c>data.release</c> = base64 of gzip of the release JSON), read through the access layer with one paginated LIST and
/// decoded by <see cref="HelmReleaseDecoder"/>. A payload that cannot be decoded yields the revision its labels describe
/// (<see cref="HelmRelease.DecodeError"/> set), so one broken secret never hides the others.
/// </summary>
public static class HelmReleaseReader
{
    /// <summary>Secrets per LIST page. Release secrets carry whole manifests (and the chart), so pages stay small.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>
    /// Every stored revision (any status) of the releases in <paramref name="namespace"/> (null = all namespaces) whose
    /// name passes <paramref name="nameFilter"/>; <paramref name="release"/> narrows the LIST by label to one release.
    /// Secrets are decoded one page at a time.
    /// </summary>
    public static async IAsyncEnumerable<HelmRelease> RevisionsAsync(IKubeApi api, string? @namespace, string? release = null,
        Func<string, bool>? nameFilter = null, Action<HelmReleaseSecretError>? onInvalid = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var page in api.PagesAsync(ResourceKind.Secrets, @namespace, Selector(release), ct, DefaultPageSize).ConfigureAwait(false))
            foreach (var secret in page.Items)
            {
                var name = ReleaseNameOf(secret);
                if (name is null || (release is not null && name != release) || (nameFilter is not null && !nameFilter(name))) continue;
                if (FromSecret(secret, onInvalid) is { } decoded) yield return decoded;
            }
    }

    /// <summary>
    /// The latest revision of every release (any status, like <c>helm ls -a</c>) whose name passes <paramref name="nameFilter"/>,
    /// in one namespace or all (null); ordered by namespace and name. Only the latest revisions are decoded.
    /// </summary>
    public static async Task<IReadOnlyList<HelmRelease>> ListLatestAsync(IKubeApi api, string? @namespace, Func<string, bool>? nameFilter,
        Action<HelmReleaseSecretError>? onInvalid = null, CancellationToken ct = default, int pageSize = DefaultPageSize)
    {
        var latest = new Dictionary<(string Ns, string Name), (int Revision, JsonObject Secret)>();
        await foreach (var page in api.PagesAsync(ResourceKind.Secrets, @namespace, Selector(null), ct, pageSize).ConfigureAwait(false))
            foreach (var secret in page.Items)
            {
                var name = ReleaseNameOf(secret);
                if (name is null || (nameFilter is not null && !nameFilter(name))) continue;
                var key = (secret.Namespace() ?? "", name);
                var revision = RevisionOf(secret);
                if (!latest.TryGetValue(key, out var best) || revision > best.Revision) latest[key] = (revision, secret);
            }
        var releases = new List<HelmRelease>(latest.Count);
        foreach (var (_, (_, secret)) in latest.OrderBy(p => p.Key.Ns, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal))
            if (FromSecret(secret, onInvalid) is { } release) releases.Add(release);
        return releases;
    }

    /// <summary>Every stored revision of a release, oldest first (helm keeps 10 by default).</summary>
    public static async Task<IReadOnlyList<HelmRelease>> HistoryAsync(IKubeApi api, string @namespace, string release, CancellationToken ct = default)
    {
        var list = new List<HelmRelease>();
        await foreach (var r in RevisionsAsync(api, @namespace, release, ct: ct).ConfigureAwait(false)) list.Add(r);
        return list.OrderBy(r => r.Revision).ToList();
    }

    /// <summary>The newest revision of a release (any status), or null when it has no storage secret. Only that revision is decoded.</summary>
    public static async Task<HelmRelease?> LatestAsync(IKubeApi api, string @namespace, string release, CancellationToken ct = default)
    {
        foreach (var secret in await SecretsNewestFirstAsync(api, @namespace, release, ct).ConfigureAwait(false))
            if (FromSecret(secret) is { } latest) return latest;
        return null;
    }

    /// <summary>The newest revision with status deployed (what helm rolls back to), or null. Decodes from the newest down until one is found.</summary>
    public static async Task<HelmRelease?> LastDeployedAsync(IKubeApi api, string @namespace, string release, CancellationToken ct = default)
    {
        foreach (var secret in await SecretsNewestFirstAsync(api, @namespace, release, ct).ConfigureAwait(false))
            if (FromSecret(secret) is { Status: HelmReleaseStatus.Deployed } deployed) return deployed;
        return null;
    }

    /// <summary>The storage Secrets of one release (helm keeps 10 revisions by default), newest revision first, not decoded.</summary>
    private static async Task<List<JsonObject>> SecretsNewestFirstAsync(IKubeApi api, string @namespace, string release, CancellationToken ct)
    {
        var secrets = new List<JsonObject>();
        await foreach (var page in api.PagesAsync(ResourceKind.Secrets, @namespace, Selector(release), ct, DefaultPageSize).ConfigureAwait(false))
            secrets.AddRange(page.Items.Where(s => ReleaseNameOf(s) == release));
        return secrets.OrderByDescending(RevisionOf).ToList();
    }

    private static string Selector(string? release) => release is null ? "owner=helm" : $"owner=helm,name={release}";

    /// <summary>
    /// The revision a storage Secret holds, or null when it is not a helm release secret (another type, no name). An
    /// undecodable payload gives the revision of its labels with <see cref="HelmRelease.DecodeError"/> set (and is
    /// reported to <paramref name="onInvalid"/>); without a version label it is null.
    /// </summary>
    public static HelmRelease? FromSecret(JsonObject secret, Action<HelmReleaseSecretError>? onInvalid = null)
    {
        var type = secret.Str("type");
        if (type is not null && type != HelmReleaseStatus.SecretType) return null;
        var name = ReleaseNameOf(secret);
        if (name is null) return null;
        var ns = secret.Namespace() ?? "";
        var where = $"{ns}/{secret.Name()}";
        try
        {
            var data = secret.Str("data", "release");
            if (string.IsNullOrEmpty(data))
                throw new KsUpgradeException(ErrorIds.HelmReleaseInvalid, KsErrorCategory.InvalidData,
                    $"Secret {where} has no data.release: it is not a helm release.", where);
            var release = HelmReleaseDecoder.Decode(Convert.FromBase64String(data), where);
            return release with
            {
                Name = string.IsNullOrEmpty(release.Name) ? name : release.Name,
                Namespace = string.IsNullOrEmpty(release.Namespace) ? ns : release.Namespace,
                Revision = release.Revision != 0 ? release.Revision : RevisionOf(secret),
                Status = string.IsNullOrEmpty(release.Status) || release.Status == "unknown" ? secret.Label("status") ?? "unknown" : release.Status,
            };
        }
        catch (Exception e) when (e is KsUpgradeException or FormatException)
        {
            onInvalid?.Invoke(new HelmReleaseSecretError(ns, secret.Name(), e.Message));
            var revision = RevisionOf(secret);
            return revision == 0 ? null : new HelmRelease(name, ns, revision, secret.Label("status") ?? "unknown") { DecodeError = e.Message };
        }
    }

    /// <summary>Release name from the <c>name</c> label, else from the secret name <c>sh.helm.release.v1.&lt;name&gt;.v&lt;rev&gt;</c>.</summary>
    internal static string? ReleaseNameOf(JsonObject secret)
    {
        if (secret.Label("name") is { Length: > 0 } n) return n;
        var secretName = secret.Name();
        const string prefix = "sh.helm.release.v1.";
        if (!secretName.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var dot = secretName.LastIndexOf(".v", StringComparison.Ordinal);
        return dot > prefix.Length ? secretName[prefix.Length..dot] : null;
    }

    /// <summary>Revision from the <c>version</c> label, else from the secret name suffix; 0 when neither says.</summary>
    internal static int RevisionOf(JsonObject secret)
    {
        if (int.TryParse(secret.Label("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var fromLabel)) return fromLabel;
        var secretName = secret.Name();
        var dot = secretName.LastIndexOf(".v", StringComparison.Ordinal);
        return dot >= 0 && int.TryParse(secretName.AsSpan(dot + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var fromName) ? fromName : 0;
    }
}
