using System.Diagnostics;

namespace KsUpgrade.Tests.Helm;

/// <summary>Finds the real helm binaries (run /work/wt/get-helm.sh) and builds small charts and fake helm scripts.</summary>
internal static class HelmTestSupport
{
    public static string Helm3 => Find("KSUPGRADE_HELM3", "helm-v3.17.3");
    public static string Helm4 => Find("KSUPGRADE_HELM4", "helm-v4.1.4");

    public static string HelmFor(int major) => major == 3 ? Helm3 : Helm4;

    private static string Find(string env, string folder)
    {
        var fromEnv = Environment.GetEnvironmentVariable(env);
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv)) return fromEnv;
        var cached = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ksupgrade", "tools", folder, "helm");
        if (File.Exists(cached)) return cached;
        throw new InvalidOperationException($"{folder} not found: set {env} or run get-helm.sh (it caches helm in ~/.cache/ksupgrade/tools).");
    }

    /// <summary>A tiny chart: a ConfigMap template, a Job template, values, and a CRD.</summary>
    public static string CreateChart(string root, string name = "demo", string version = "1.2.3")
    {
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(Path.Combine(dir, "templates"));
        Directory.CreateDirectory(Path.Combine(dir, "crds"));
        File.WriteAllText(Path.Combine(dir, "Chart.yaml"), $"apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: v4.1.3\n");
        File.WriteAllText(Path.Combine(dir, "values.yaml"), "greeting: hi\nupgrade:\n  enabled: false\n");
        File.WriteAllText(Path.Combine(dir, "templates", "cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n  namespace: {{ .Release.Namespace }}\ndata:\n" +
            "  greeting: {{ .Values.greeting | quote }}\n  upgrading: {{ .Release.IsUpgrade | quote }}\n");
        File.WriteAllText(Path.Combine(dir, "templates", "job.yaml"),
            "{{- if .Values.upgrade.enabled }}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: prepare-upgrade\nspec:\n  template:\n    spec:\n" +
            "      restartPolicy: Never\n      containers:\n      - name: c\n        image: {{ .Values.image | default \"busybox\" }}\n{{- end }}\n");
        // Like ks-core's prepare job PVC: only emitted when lookup finds no such PVC (lookup needs the cluster on --dry-run=server).
        File.WriteAllText(Path.Combine(dir, "templates", "pvc.yaml"),
            "{{- if not (lookup \"v1\" \"PersistentVolumeClaim\" .Release.Namespace \"ks-upgrade\") }}\napiVersion: v1\nkind: PersistentVolumeClaim\n" +
            "metadata:\n  name: ks-upgrade\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 5Gi}}\n{{- end }}\n");
        File.WriteAllText(Path.Combine(dir, "crds", "widgets.yaml"),
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n" +
            "  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n");
        return dir;
    }

    /// <summary>A shell script standing in for helm (to observe arguments, files, cancellation).</summary>
    public static string CreateScript(string root, string body)
    {
        var path = Path.Combine(root, "fake-helm.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static bool ProcessAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException) { return false; }
    }

    public static async Task<string> WaitForFileAsync(string path, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (File.Exists(path))
            {
                var text = File.ReadAllText(path).Trim();
                if (text.Length > 0) return text;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{path} did not appear.");
    }
}

/// <summary>A temporary directory deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ksupgrade-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
