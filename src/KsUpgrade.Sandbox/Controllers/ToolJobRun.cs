using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

/// <summary>
/// What a Job's pod looks like from inside, prepared on the host for a real kubectl or helm: a temporary root folder
/// standing for the container's file system (its volume mounts and the ServiceAccount token mount under it), a
/// kubeconfig naming the sandbox as the cluster and the pod's ServiceAccount token as the user, the container's
/// command and args with every mount path rewritten to the root, and the container's environment.
/// </summary>
internal sealed record ToolPod(
    string Root, string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory, string? Token)
{
    /// <summary>Where the ServiceAccount token, ca.crt and namespace are mounted in every pod.</summary>
    public const string ServiceAccountMount = "/var/run/secrets/kubernetes.io/serviceaccount";
}

/// <summary>The tool image a container runs: which binary ("kubectl" or "helm") and the image tag.</summary>
internal sealed record ToolImage(string Tool, string Image, string? Tag)
{
    /// <summary>
    /// kubectl or helm when the image's repository (its last path segment, without registry, tag or digest) is named
    /// so: kubesphere/kubectl:v1.27.16, docker.io/bitnami/kubectl, alpine/helm:3.17.3. Null for any other image.
    /// </summary>
    public static ToolImage? Of(string? image)
    {
        if (string.IsNullOrWhiteSpace(image)) return null;
        var name = image.Trim();
        var at = name.IndexOf('@');
        if (at >= 0) name = name[..at];
        string? tag = null;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
        }
        var repo = name[(name.LastIndexOf('/') + 1)..].ToLowerInvariant();
        return repo is "kubectl" or "helm" ? new ToolImage(repo, image, tag) : null;
    }
}

/// <summary>One real process standing for a tool Job's container: started, its output kept as the pod log, killed on demand.</summary>
internal sealed class ToolJobRun
{
    public const int MaxLogLines = 10_000;
    private readonly Process _process;
    private readonly List<string> _log = new();
    private readonly Action<IReadOnlyList<string>> _publishLog;
    private int _killed;

    public string PodUid { get; }
    public ToolPod Pod { get; }
    public int ProcessId { get; }
    /// <summary>Why the run was killed (deadline, deleted pod, sandbox stop), or null.</summary>
    public string? KillReason { get; private set; }
    public bool DeadlineExceeded { get; private set; }

    private ToolJobRun(string podUid, ToolPod pod, Process process, Action<IReadOnlyList<string>> publishLog)
    {
        PodUid = podUid;
        Pod = pod;
        _process = process;
        _publishLog = publishLog;
        ProcessId = process.Id;
    }

    /// <summary>Starts the process (stdin closed, stdout and stderr both into the log, in arrival order).</summary>
    public static ToolJobRun Start(string podUid, ToolPod pod, Action<IReadOnlyList<string>> publishLog)
    {
        var psi = new ProcessStartInfo(pod.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = pod.WorkingDirectory,
        };
        foreach (var a in pod.Arguments) psi.ArgumentList.Add(a);
        // The container's environment only: nothing of the sandbox's own (no KUBECONFIG, credentials or tokens of the user).
        psi.Environment.Clear();
        foreach (var (k, v) in pod.Environment) psi.Environment[k] = v;
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        ToolJobRun? run = null;
        process.OutputDataReceived += (_, e) => run?.Append(e.Data);
        process.ErrorDataReceived += (_, e) => run?.Append(e.Data);
        process.Start();
        run = new ToolJobRun(podUid, pod, process, publishLog);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        IReadOnlyList<string> snapshot;
        lock (_log)
        {
            if (_log.Count >= MaxLogLines) return;
            _log.Add(line);
            snapshot = _log.ToArray();
        }
        _publishLog(snapshot);
    }

    public IReadOnlyList<string> Log
    {
        get { lock (_log) return _log.ToArray(); }
    }

    /// <summary>Waits for the process to end or the deadline; past it the process tree is killed. Returns the exit code.</summary>
    public async Task<int> WaitAsync(TimeSpan deadline, bool deadlineFromSpec)
    {
        using var cts = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            DeadlineExceeded = deadlineFromSpec;
            Kill(deadlineFromSpec
                ? $"sandbox: killed: the Job was active longer than its activeDeadlineSeconds ({deadline.TotalSeconds:0} s)"
                : $"sandbox: killed after {deadline.TotalSeconds:0} s, the sandbox's limit for a tool Job without activeDeadlineSeconds");
            await _process.WaitForExitAsync();
        }
        // The asynchronous readers finish after the exit; WaitForExit() without a timeout waits for them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the whole process tree (a shell and the kubectl it started); the reason goes into the log.</summary>
    public void Kill(string reason)
    {
        if (Interlocked.Exchange(ref _killed, 1) == 1) return;
        KillReason = reason;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    public bool HasExited
    {
        get
        {
            try { return _process.HasExited; }
            catch (InvalidOperationException) { return true; }
        }
    }

    /// <summary>Removes the pod's temporary root (best effort).</summary>
    public void Cleanup()
    {
        _process.Dispose();
        ToolPodBuilder.RemoveRoot(Pod.Root);
    }
}

/// <summary>Builds a <see cref="ToolPod"/> from a pod object and the objects its volumes and environment refer to.</summary>
internal static class ToolPodBuilder
{
    /// <summary>A container whose command or entrypoint cannot run here (exit code as a shell gives "not found").</summary>
    public sealed class ToolPodException(string message, int exitCode = 127) : Exception(message)
    {
        public int ExitCode { get; } = exitCode;
    }

    public static void RemoveRoot(string root)
    {
        try { if (Directory.Exists(root)) Directory.Delete(root, true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Prepares the pod. <paramref name="read"/> reads an object of the pod's namespace by (plural, name);
    /// <paramref name="toolBinary"/> is the host's binary for the image's tool (null: missing).
    /// </summary>
    public static ToolPod Build(JsonObject pod, JsonObject container, ToolImage image, string? toolBinary, string serverUrl,
        int serverPort, string caPem, string? token, Func<string, string, JsonObject?> read)
    {
        var ns = ObjectMeta.Namespace(pod);
        var podName = ObjectMeta.Name(pod);
        var root = Path.Combine(Path.GetTempPath(), "ksupgrade-sandbox-pod-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        try
        {
            if (toolBinary is null)
                throw new ToolPodException($"sandbox: image {image.Image} runs {image.Tool}, but no {image.Tool} binary was found on this machine " +
                    $"(looked on PATH{(image.Tool == "helm" ? " and in the tool cache; run ./build.ps1 tools" : "")}); the container cannot start");

            var spec = pod["spec"] as JsonObject ?? new JsonObject();
            var mounts = new List<string>();
            // The ServiceAccount token mount, as the kubelet projects it (unless automount is off).
            if (spec["automountServiceAccountToken"]?.GetValue<bool>() != false)
            {
                var saDir = Under(root, ToolPod.ServiceAccountMount);
                Directory.CreateDirectory(saDir);
                WriteFile(Path.Combine(saDir, "token"), token ?? "", 0b110_100_100);
                WriteFile(Path.Combine(saDir, "ca.crt"), caPem, 0b110_100_100);
                WriteFile(Path.Combine(saDir, "namespace"), ns, 0b110_100_100);
                mounts.Add(ToolPod.ServiceAccountMount);
            }
            else token = null;

            var volumes = (spec["volumes"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
                .ToDictionary(v => ObjectMeta.Str(v, "name") ?? "", v => v, StringComparer.Ordinal);
            var volumeFiles = new Dictionary<string, Dictionary<string, (byte[] Data, int Mode)>>(StringComparer.Ordinal);
            foreach (var m in (container["volumeMounts"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            {
                var volName = ObjectMeta.Str(m, "name") ?? "";
                var mountPath = ObjectMeta.Str(m, "mountPath") ?? "";
                if (!mountPath.StartsWith('/')) continue;
                if (!volumes.TryGetValue(volName, out var volume))
                    throw new ToolPodException($"sandbox: volumeMount {volName} of container {ObjectMeta.Str(container, "name")} refers to no volume of the pod", 128);
                if (!volumeFiles.TryGetValue(volName, out var files))
                    volumeFiles[volName] = files = VolumeFiles(volume, ns, podName, token, caPem, read);
                var target = Under(root, mountPath);
                var subPath = ObjectMeta.Str(m, "subPath");
                if (!string.IsNullOrEmpty(subPath))
                {
                    if (files.TryGetValue(subPath, out var one))
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        WriteFile(target, one.Data, one.Mode);
                    }
                    else
                    {
                        var prefix = subPath.TrimEnd('/') + "/";
                        Directory.CreateDirectory(target);
                        foreach (var (rel, f) in files.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)))
                            WriteUnder(target, rel[prefix.Length..], f.Data, f.Mode);
                    }
                }
                else
                {
                    Directory.CreateDirectory(target);
                    foreach (var (rel, f) in files) WriteUnder(target, rel, f.Data, f.Mode);
                }
                mounts.Add(mountPath);
            }

            var env = Environment(container, pod, ns, read);
            // The in-pod client's view of the API server: a kubeconfig (in-cluster config reads a fixed path we cannot write).
            var kubeconfig = Path.Combine(root, ".sandbox", "kubeconfig");
            Directory.CreateDirectory(Path.GetDirectoryName(kubeconfig)!);
            WriteFile(kubeconfig, Kubeconfig(serverUrl, caPem, token, ns), 0b110_000_000);
            var bin = Path.Combine(root, ".sandbox", "bin");
            Directory.CreateDirectory(bin);
            File.CreateSymbolicLink(Path.Combine(bin, image.Tool), toolBinary);
            var home = Path.Combine(root, "root");
            Directory.CreateDirectory(home);
            var tmp = Path.Combine(root, "tmp");
            Directory.CreateDirectory(tmp);
            var rewrite = Rewriter(root, mounts);
            foreach (var k in env.Keys.ToList()) env[k] = rewrite(env[k]);
            env["PATH"] = bin + ":/usr/local/bin:/usr/bin:/bin";
            env["HOME"] = home;
            env["TMPDIR"] = tmp;
            env["HOSTNAME"] = podName;
            env["KUBECONFIG"] = kubeconfig;
            env["KUBERNETES_SERVICE_HOST"] = "127.0.0.1";
            env["KUBERNETES_SERVICE_PORT"] = serverPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            env["KUBERNETES_SERVICE_PORT_HTTPS"] = env["KUBERNETES_SERVICE_PORT"];
            if (image.Tool == "helm")
            {
                env["HELM_CACHE_HOME"] = Path.Combine(home, ".cache", "helm");
                env["HELM_CONFIG_HOME"] = Path.Combine(home, ".config", "helm");
                env["HELM_DATA_HOME"] = Path.Combine(home, ".local", "share", "helm");
                env["HELM_NAMESPACE"] = ns;
            }

            // The image's entrypoint is its tool; command replaces it, args follow.
            var command = Strings(container["command"]);
            var argv = new List<string>(command.Count > 0 ? command : new List<string> { image.Tool });
            argv.AddRange(Strings(container["args"]));
            argv = argv.Select(a => rewrite(Expand(a, env))).ToList();
            var exe = argv[0];
            var baseName = Path.GetFileName(exe);
            string fileName;
            if (baseName == image.Tool) fileName = toolBinary;
            else if (baseName is "sh" or "bash" or "ash")
            {
                fileName = baseName == "bash" ? FindOnPath("bash") ?? "/bin/bash" : "/bin/sh";
                if (!File.Exists(fileName)) throw new ToolPodException($"sandbox: no {baseName} on this machine to run the container's command");
            }
            else
                throw new ToolPodException($"sandbox: the container's command \"{exe}\" cannot run here: a {image.Tool} Job runs {image.Tool}, sh or bash " +
                    "(exec: executable file not found in $PATH)");
            var workingDir = ObjectMeta.Str(container, "workingDir") is { Length: > 0 } wd ? Under(root, wd) : root;
            Directory.CreateDirectory(workingDir);
            return new ToolPod(root, fileName, argv.Skip(1).ToList(), env, workingDir, token);
        }
        catch
        {
            RemoveRoot(root);
            throw;
        }
    }

    private static List<string> Strings(JsonNode? node) =>
        (node as JsonArray ?? new JsonArray()).Select(n => n?.GetValue<string>() ?? "").ToList();

    /// <summary>Kubernetes' $(VAR) expansion of command and args from the container's environment ($$ escapes).</summary>
    private static string Expand(string s, IReadOnlyDictionary<string, string> env) =>
        Regex.Replace(s, @"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)", m =>
            m.Value == "$$" ? "$" : env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    /// <summary>
    /// Rewrites the absolute mount paths in a string (command, args, env values) to where they are under the root:
    /// "/scripts" and "/scripts/x.yaml" in "kubectl apply -f /scripts/x.yaml" become "&lt;root&gt;/scripts...". A path is
    /// matched only as a whole path (not inside another word or a longer path segment).
    /// </summary>
    internal static Func<string, string> Rewriter(string root, IReadOnlyList<string> mountPaths)
    {
        var paths = mountPaths.Select(p => p.TrimEnd('/')).Where(p => p.Length > 0).Distinct().OrderByDescending(p => p.Length).ToList();
        if (paths.Count == 0) return s => s;
        var pattern = new Regex(@"(?<![\w./-])(" + string.Join("|", paths.Select(Regex.Escape)) + @")(?=$|[/\s""'=;:,)|&<>`}])");
        var rootNoSlash = root.TrimEnd('/');
        return s => pattern.Replace(s, m => rootNoSlash + m.Value);
    }

    private static string Under(string root, string absolutePath)
    {
        var rel = absolutePath.TrimStart('/');
        var full = Path.GetFullPath(Path.Combine(root, rel));
        if (!full.StartsWith(Path.GetFullPath(root), StringComparison.Ordinal))
            throw new ToolPodException($"sandbox: path {absolutePath} leaves the container's file system", 128);
        return full;
    }

    private static void WriteUnder(string dir, string relative, byte[] data, int mode)
    {
        var path = Path.GetFullPath(Path.Combine(dir, relative));
        if (!path.StartsWith(Path.GetFullPath(dir), StringComparison.Ordinal))
            throw new ToolPodException($"sandbox: volume item path {relative} leaves its mount", 128);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        WriteFile(path, data, mode);
    }

    private static void WriteFile(string path, string text, int mode) => WriteFile(path, Encoding.UTF8.GetBytes(text), mode);

    private static void WriteFile(string path, byte[] data, int mode)
    {
        File.WriteAllBytes(path, data);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)(mode & 0x1FF) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static string? FindOnPath(string name) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>
    /// The files of one volume (relative path → bytes, mode): configMap and secret (with items, optional), projected
    /// (configMap, secret, serviceAccountToken sources), downwardAPI (metadata name/namespace/labels/annotations);
    /// emptyDir, persistentVolumeClaim and any other source are an empty folder.
    /// </summary>
    private static Dictionary<string, (byte[] Data, int Mode)> VolumeFiles(JsonObject volume, string ns, string podName, string? token,
        string caPem, Func<string, string, JsonObject?> read)
    {
        var files = new Dictionary<string, (byte[], int)>(StringComparer.Ordinal);
        var volName = ObjectMeta.Str(volume, "name");
        int defaultMode = 0b110_100_100;
        if (volume["configMap"] is JsonObject cm) AddKeyed(cm, "configmaps", ObjectMeta.Str(cm, "name"), (int?)ObjectMeta.Long(cm, "defaultMode") ?? defaultMode);
        else if (volume["secret"] is JsonObject sec) AddKeyed(sec, "secrets", ObjectMeta.Str(sec, "secretName"), (int?)ObjectMeta.Long(sec, "defaultMode") ?? defaultMode);
        else if (volume["projected"] is JsonObject proj)
        {
            var mode = (int?)ObjectMeta.Long(proj, "defaultMode") ?? defaultMode;
            foreach (var source in (proj["sources"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            {
                if (source["configMap"] is JsonObject pcm) AddKeyed(pcm, "configmaps", ObjectMeta.Str(pcm, "name"), mode);
                else if (source["secret"] is JsonObject ps) AddKeyed(ps, "secrets", ObjectMeta.Str(ps, "name"), mode);
                else if (source["serviceAccountToken"] is JsonObject sat)
                    files[ObjectMeta.Str(sat, "path") ?? "token"] = (Encoding.UTF8.GetBytes(token ?? ""), mode);
                else if (source["downwardAPI"] is JsonObject dapi) AddDownward(dapi, mode);
            }
        }
        else if (volume["downwardAPI"] is JsonObject d) AddDownward(d, (int?)ObjectMeta.Long(d, "defaultMode") ?? defaultMode);
        return files;

        void AddKeyed(JsonObject src, string plural, string? name, int mode)
        {
            var optional = src["optional"]?.GetValue<bool>() == true;
            var obj = name is null ? null : read(plural, name);
            var kind = plural == "configmaps" ? "configmap" : "secret";
            if (obj is null)
            {
                if (optional) return;
                // A real pod would stay ContainerCreating; the sandbox fails it with the kubelet's event text.
                throw new ToolPodException($"sandbox: MountVolume.SetUp failed for volume \"{volName}\" : {kind} \"{name}\" not found", 128);
            }
            var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (k, v) in obj["data"] as JsonObject ?? new JsonObject())
                data[k] = plural == "secrets" ? Convert.FromBase64String(v?.GetValue<string>() ?? "") : Encoding.UTF8.GetBytes(v?.GetValue<string>() ?? "");
            foreach (var (k, v) in obj["binaryData"] as JsonObject ?? new JsonObject())
                data[k] = Convert.FromBase64String(v?.GetValue<string>() ?? "");
            if (src["items"] is JsonArray items && items.Count > 0)
            {
                foreach (var item in items.OfType<JsonObject>())
                {
                    var key = ObjectMeta.Str(item, "key") ?? "";
                    if (!data.TryGetValue(key, out var bytes))
                    {
                        if (optional) continue;
                        throw new ToolPodException($"sandbox: MountVolume.SetUp failed for volume \"{volName}\" : configmap references non-existent config key: {key}", 128);
                    }
                    files[ObjectMeta.Str(item, "path") ?? key] = (bytes, (int?)ObjectMeta.Long(item, "mode") ?? mode);
                }
            }
            else
                foreach (var (k, bytes) in data) files[k] = (bytes, mode);
        }

        void AddDownward(JsonObject dapi, int mode)
        {
            foreach (var item in (dapi["items"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            {
                var field = ObjectMeta.Str(item, "fieldRef", "fieldPath");
                var value = field switch
                {
                    "metadata.name" => podName,
                    "metadata.namespace" => ns,
                    _ => null,
                };
                if (value is not null) files[ObjectMeta.Str(item, "path") ?? field!] = (Encoding.UTF8.GetBytes(value), mode);
            }
        }
    }

    /// <summary>The container's env and envFrom: values, fieldRefs of the pod, ConfigMap and Secret keys.</summary>
    private static Dictionary<string, string> Environment(JsonObject container, JsonObject pod, string ns, Func<string, string, JsonObject?> read)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var from in (container["envFrom"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            var prefix = ObjectMeta.Str(from, "prefix") ?? "";
            if (from["configMapRef"] is JsonObject cr && read("configmaps", ObjectMeta.Str(cr, "name") ?? "") is { } cm)
                foreach (var (k, v) in cm["data"] as JsonObject ?? new JsonObject()) env[prefix + k] = v?.GetValue<string>() ?? "";
            if (from["secretRef"] is JsonObject sr && read("secrets", ObjectMeta.Str(sr, "name") ?? "") is { } s)
                foreach (var (k, v) in s["data"] as JsonObject ?? new JsonObject()) env[prefix + k] = Encoding.UTF8.GetString(Convert.FromBase64String(v?.GetValue<string>() ?? ""));
        }
        foreach (var e in (container["env"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            var name = ObjectMeta.Str(e, "name");
            if (string.IsNullOrEmpty(name)) continue;
            if (ObjectMeta.Str(e, "value") is { } value) env[name] = Expand(value, env);
            else if (e["valueFrom"] is JsonObject vf)
            {
                string? v = null;
                if (ObjectMeta.Str(vf, "fieldRef", "fieldPath") is { } fp)
                    v = fp switch
                    {
                        "metadata.name" => ObjectMeta.Name(pod),
                        "metadata.namespace" => ns,
                        "metadata.uid" => ObjectMeta.Uid(pod),
                        "spec.serviceAccountName" => ObjectMeta.Str(pod, "spec", "serviceAccountName") ?? "default",
                        "spec.nodeName" => ObjectMeta.Str(pod, "spec", "nodeName"),
                        "status.podIP" => ObjectMeta.Str(pod, "status", "podIP"),
                        "status.hostIP" => ObjectMeta.Str(pod, "status", "hostIP"),
                        _ => null,
                    };
                else if (vf["configMapKeyRef"] is JsonObject ck)
                    v = read("configmaps", ObjectMeta.Str(ck, "name") ?? "")?["data"]?[ObjectMeta.Str(ck, "key") ?? ""]?.GetValue<string>();
                else if (vf["secretKeyRef"] is JsonObject sk &&
                         read("secrets", ObjectMeta.Str(sk, "name") ?? "")?["data"]?[ObjectMeta.Str(sk, "key") ?? ""]?.GetValue<string>() is { } b64)
                    v = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
                if (v is not null) env[name] = v;
            }
        }
        return env;
    }

    private static string Kubeconfig(string serverUrl, string caPem, string? token, string ns)
    {
        var sb = new StringBuilder();
        sb.Append("apiVersion: v1\nkind: Config\nclusters:\n- name: in-cluster\n  cluster:\n    server: ").Append(serverUrl).Append('\n');
        sb.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem))).Append('\n');
        sb.Append("users:\n- name: service-account\n  user:");
        if (token is null) sb.Append(" {}\n");
        else sb.Append("\n    token: ").Append(token).Append('\n');
        sb.Append("contexts:\n- name: in-cluster\n  context:\n    cluster: in-cluster\n    user: service-account\n    namespace: ").Append(ns).Append('\n');
        sb.Append("current-context: in-cluster\n");
        return sb.ToString();
    }
}
