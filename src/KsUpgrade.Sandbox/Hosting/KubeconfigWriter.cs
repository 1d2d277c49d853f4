using System.Text;

namespace KsUpgrade.Sandbox.Hosting;

/// <summary>
/// Writes a kubeconfig with one cluster, admin user (&lt;cluster&gt;-admin) and context (&lt;cluster&gt;) per simulated cluster
/// (current context: the first), then one user and context &lt;cluster&gt;-&lt;identity&gt; per minted identity and cluster.
/// The admin users come first, so the first token in the file is the admin's.
/// </summary>
internal static class KubeconfigWriter
{
    public static string Render(IReadOnlyList<(string Name, string Server)> clusters, string caPem, string token,
        IReadOnlyList<(string Name, string Token)>? identities = null)
    {
        identities ??= Array.Empty<(string, string)>();
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem));
        var sb = new StringBuilder();
        sb.Append("apiVersion: v1\nkind: Config\npreferences: {}\n");
        sb.Append($"current-context: {Quote(clusters[0].Name)}\n");
        sb.Append("clusters:\n");
        foreach (var (name, server) in clusters)
            sb.Append($"- name: {Quote(name)}\n  cluster:\n    server: {Quote(server)}\n    certificate-authority-data: {ca}\n");
        sb.Append("users:\n");
        foreach (var (name, _) in clusters)
            sb.Append($"- name: {Quote(name + "-admin")}\n  user:\n    token: {Quote(token)}\n");
        foreach (var (name, _) in clusters)
            foreach (var (identity, identityToken) in identities)
                sb.Append($"- name: {Quote(ContextName(name, identity))}\n  user:\n    token: {Quote(identityToken)}\n");
        sb.Append("contexts:\n");
        foreach (var (name, _) in clusters)
            sb.Append($"- name: {Quote(name)}\n  context:\n    cluster: {Quote(name)}\n    user: {Quote(name + "-admin")}\n");
        foreach (var (name, _) in clusters)
            foreach (var (identity, _) in identities)
                sb.Append($"- name: {Quote(ContextName(name, identity))}\n  context:\n    cluster: {Quote(name)}\n    user: {Quote(ContextName(name, identity))}\n");
        return sb.ToString();
    }

    /// <summary>The context (and user) of a minted identity on a cluster: &lt;cluster&gt;-&lt;identity&gt;.</summary>
    public static string ContextName(string cluster, string identity) => cluster + "-" + identity;

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    public static void Write(string path, string content)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new IOException($"The kubeconfig path '{full}' is a directory; give a file path.");
        var dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        // Written to a new owner-only file and moved into place, so a reader never sees half a file (or a wider mode).
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var file = OperatingSystem.IsWindows()
                ? new FileStream(temp, FileMode.CreateNew, FileAccess.Write)
                : new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            using (var writer = new StreamWriter(file))
                writer.Write(content);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
