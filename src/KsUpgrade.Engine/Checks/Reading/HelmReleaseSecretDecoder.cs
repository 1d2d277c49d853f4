namespace KsUpgrade.Engine.Checks;

/// <summary>
/// The checks' view of a helm release secret: decoded by the helm layer (<see cref="Helm.HelmReleaseDecoder"/>), reduced to
/// name, namespace, revision, status and chart metadata (the manifest and values are not kept); an undecodable payload
/// falls back to the secret's labels.
/// </summary>
public static class HelmReleaseSecretDecoder
{
    public static HelmReleaseRow? Decode(byte[] releaseData, IReadOnlyDictionary<string, string>? labels, string secretNamespace)
    {
        Helm.HelmRelease release;
        try
        {
            release = Helm.HelmReleaseDecoder.Decode(releaseData, secretNamespace);
        }
        catch (KsUpgradeException)
        {
            return FromLabels(labels, secretNamespace);
        }
        var name = string.IsNullOrEmpty(release.Name) ? Label(labels, "name") : release.Name;
        if (name is null)
            return null;
        var revision = release.Revision != 0 ? release.Revision : int.TryParse(Label(labels, "version"), out var lv) ? lv : 0;
        var status = string.IsNullOrEmpty(release.Status) || release.Status == "unknown" ? Label(labels, "status") ?? "unknown" : release.Status;
        return new HelmReleaseRow(name, string.IsNullOrEmpty(release.Namespace) ? secretNamespace : release.Namespace, revision, status,
            NullIfEmpty(release.ChartName), NullIfEmpty(release.ChartVersion), NullIfEmpty(release.AppVersion));
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>When the payload cannot be decoded, the secret's labels still give name, revision and status.</summary>
    private static HelmReleaseRow? FromLabels(IReadOnlyDictionary<string, string>? labels, string ns)
    {
        var name = Label(labels, "name");
        if (name is null || !int.TryParse(Label(labels, "version"), out var rev))
            return null;
        return new HelmReleaseRow(name, ns, rev, Label(labels, "status") ?? "unknown", null, null, null);
    }

    private static string? Label(IReadOnlyDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var v) ? v : null;

}
