using System.Globalization;
using k8s;
using k8s.Models;

namespace KsUpgrade.Engine.Helm;

/// <summary>A release secret that could not be decoded (reported instead of failing a whole listing).</summary>
public sealed record HelmReleaseSecretError(string Namespace, string SecretName, string Message);

/// <summary>
/// Reads helm releases natively from their storage Secrets (label <c>owner=helm</c>, type <c>helm.sh/release.v1</c>)
/// with paginated LISTs; only the revisions asked for are decoded.
/// </summary>
public static class HelmReleaseReader
{
    /// <summary>Secrets per LIST page. Release secrets can be large (the chart travels with each revision), so pages stay small.</summary>
    public const int DefaultPageSize = 100;


    /// <summary>
    /// The latest revision of every release (any status, like <c>helm ls -a</c>), in <paramref name="namespace"/> or all
    /// namespaces (null), whose name starts with <paramref name="namePrefix"/> (null = all). Ordered by namespace and name.
    /// </summary>
    /// <param name="onInvalid">Receives secrets that cannot be decoded; when null such a secret throws HelmReleaseInvalid.</param>
    public static Task<IReadOnlyList<HelmRelease>> ListAsync(IKubernetes client, string? @namespace, string? namePrefix = null,
        Action<HelmReleaseSecretError>? onInvalid = null, int pageSize = DefaultPageSize, CancellationToken cancellationToken = default) =>
        ListAsync(client, @namespace,
            namePrefix is null ? null : name => name.StartsWith(namePrefix, StringComparison.Ordinal),
            onInvalid, pageSize, cancellationToken);

    /// <summary>As above with any filter on the release name.</summary>
    public static async Task<IReadOnlyList<HelmRelease>> ListAsync(IKubernetes client, string? @namespace, Func<string, bool>? nameFilter,
        Action<HelmReleaseSecretError>? onInvalid = null, int pageSize = DefaultPageSize, CancellationToken cancellationToken = default)
    {
        var latest = new Dictionary<(string Ns, string Name), (int Revision, V1Secret Secret)>();
        await foreach (var secret in ListSecretsAsync(client, @namespace, "owner=helm", pageSize, cancellationToken).ConfigureAwait(false))
        {
            var name = ReleaseNameOf(secret);
            if (name is null || (nameFilter is not null && !nameFilter(name))) continue;
            var key = (secret.Metadata.NamespaceProperty ?? "", name);
            var revision = RevisionOf(secret);
            if (!latest.TryGetValue(key, out var best) || revision > best.Revision) latest[key] = (revision, secret);
        }

        var releases = new List<HelmRelease>(latest.Count);
        foreach (var (_, (_, secret)) in latest.OrderBy(p => p.Key.Ns, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal))
        {
            var release = TryDecode(secret, onInvalid);
            if (release is not null) releases.Add(release);
        }
        return releases;
    }

    /// <summary>The newest revision of a release (any status), or null when the release has no storage secret.</summary>
    public static async Task<HelmRelease?> LatestAsync(IKubernetes client, string release, string @namespace, CancellationToken cancellationToken = default)
    {
        V1Secret? best = null;
        var bestRevision = int.MinValue;
        await foreach (var secret in ListSecretsAsync(client, @namespace, Selector(release), DefaultPageSize, cancellationToken).ConfigureAwait(false))
        {
            if (ReleaseNameOf(secret) != release) continue;
            var revision = RevisionOf(secret);
            if (revision > bestRevision) { best = secret; bestRevision = revision; }
        }
        return best is null ? null : HelmReleaseDecoder.DecodeSecret(best);
    }

    /// <summary>Every stored revision of a release, oldest first (helm keeps 10 by default).</summary>
    public static async Task<IReadOnlyList<HelmRelease>> HistoryAsync(IKubernetes client, string release, string @namespace, CancellationToken cancellationToken = default)
    {
        var list = new List<HelmRelease>();
        await foreach (var secret in ListSecretsAsync(client, @namespace, Selector(release), DefaultPageSize, cancellationToken).ConfigureAwait(false))
        {
            if (ReleaseNameOf(secret) != release) continue;
            list.Add(HelmReleaseDecoder.DecodeSecret(secret));
        }
        return list.OrderBy(r => r.Revision).ToList();
    }

    /// <summary>The newest revision with status deployed (what helm rolls back to), or null.</summary>
    public static async Task<HelmRelease?> LastDeployedAsync(IKubernetes client, string release, string @namespace, CancellationToken cancellationToken = default)
    {
        var history = await HistoryAsync(client, release, @namespace, cancellationToken).ConfigureAwait(false);
        return history.LastOrDefault(r => r.Status == HelmReleaseStatus.Deployed);
    }

    private static string Selector(string release) => $"owner=helm,name={release}";

    private static async IAsyncEnumerable<V1Secret> ListSecretsAsync(IKubernetes client, string? @namespace, string labelSelector, int pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continueToken = null;
        do
        {
            var page = @namespace is null
                ? await client.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: continueToken, labelSelector: labelSelector,
                    limit: pageSize, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedSecretAsync(@namespace, continueParameter: continueToken, labelSelector: labelSelector,
                    limit: pageSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var secret in page.Items ?? new List<V1Secret>())
            {
                if (secret.Type is not null && secret.Type != HelmReleaseStatus.SecretType) continue;
                yield return secret;
            }
            continueToken = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(continueToken));
    }

    private static HelmRelease? TryDecode(V1Secret secret, Action<HelmReleaseSecretError>? onInvalid)
    {
        if (onInvalid is null) return HelmReleaseDecoder.DecodeSecret(secret);
        try { return HelmReleaseDecoder.DecodeSecret(secret); }
        catch (KsUpgradeException e)
        {
            onInvalid(new HelmReleaseSecretError(secret.Metadata?.NamespaceProperty ?? "", secret.Metadata?.Name ?? "", e.Message));
            return null;
        }
    }

    /// <summary>Release name from the <c>name</c> label, else from the secret name <c>sh.helm.release.v1.&lt;name&gt;.v&lt;rev&gt;</c>.</summary>
    internal static string? ReleaseNameOf(V1Secret secret)
    {
        if (secret.Metadata?.Labels is { } labels && labels.TryGetValue("name", out var n) && !string.IsNullOrEmpty(n)) return n;
        var secretName = secret.Metadata?.Name;
        const string prefix = "sh.helm.release.v1.";
        if (secretName is null || !secretName.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var dot = secretName.LastIndexOf(".v", StringComparison.Ordinal);
        return dot > prefix.Length ? secretName[prefix.Length..dot] : null;
    }

    /// <summary>Revision from the <c>version</c> label, else from the secret name suffix.</summary>
    internal static int RevisionOf(V1Secret secret)
    {
        if (secret.Metadata?.Labels is { } labels && labels.TryGetValue("version", out var v)
            && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var fromLabel)) return fromLabel;
        var secretName = secret.Metadata?.Name ?? "";
        var dot = secretName.LastIndexOf(".v", StringComparison.Ordinal);
        return dot >= 0 && int.TryParse(secretName.AsSpan(dot + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var fromName) ? fromName : 0;
    }
}
