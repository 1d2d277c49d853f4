using System.Text;

namespace KsUpgrade.Sandbox.Hosting;

/// <summary>Writes a kubeconfig with one cluster, user and context per simulated cluster (current context: the first).</summary>
internal static class KubeconfigWriter
{
    public static string Render(IReadOnlyList<(string Name, string Server)> clusters, string caPem, string token)
    {
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
        sb.Append("contexts:\n");
        foreach (var (name, _) in clusters)
            sb.Append($"- name: {Quote(name)}\n  context:\n    cluster: {Quote(name)}\n    user: {Quote(name + "-admin")}\n");
        return sb.ToString();
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    public static void Write(string path, string content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
