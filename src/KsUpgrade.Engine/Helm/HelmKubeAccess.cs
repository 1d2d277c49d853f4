using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Helm;

/// <summary>
/// How one helm invocation reaches the cluster: a kubeconfig file (or several, merged through the KUBECONFIG
/// environment variable of the child process only), kubeconfig content, a server + token, or the pod's service account.
/// Content and tokens are never put on a command line: they go into an owner-only temporary kubeconfig that is
/// deleted when the call ends (see <see cref="Materialize"/>).
/// </summary>
public sealed class HelmKubeAccess
{
    private const string ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    private HelmKubeAccess() { }

    /// <summary>Kubeconfig files (merged in order when more than one).</summary>
    public IReadOnlyList<string> KubeconfigPaths { get; private init; } = Array.Empty<string>();

    /// <summary>The kubeconfig context to use; null means the kubeconfig's current-context.</summary>
    public string? Context { get; private init; }

    /// <summary>True when helm gets a generated, temporary kubeconfig (content, token or in-cluster connections).</summary>
    public bool UsesTemporaryKubeconfig => _generatedContent is not null;

    /// <summary>Secret strings to scrub from helm's output (the token, when there is one).</summary>
    internal IReadOnlyList<string> Secrets { get; private init; } = Array.Empty<string>();

    private string? _generatedContent;

    public static HelmKubeAccess FromKubeconfigFile(string path, string? context = null) =>
        new() { KubeconfigPaths = new[] { path }, Context = context };

    public static HelmKubeAccess FromKubeconfigFiles(IReadOnlyList<string> paths, string? context = null) =>
        new() { KubeconfigPaths = paths.ToArray(), Context = context };

    /// <summary>Kubeconfig YAML given as a string; helm gets it through an owner-only temporary file.</summary>
    public static HelmKubeAccess FromKubeconfigContent(string content, string? context = null) =>
        new() { _generatedContent = content, Context = context };

    /// <summary>API server URL + bearer token (+ CA file): a temporary kubeconfig is generated for helm.</summary>
    public static HelmKubeAccess FromToken(string server, string token, string? certificateAuthorityPath)
    {
        var cluster = new JsonObject { ["server"] = server };
        if (!string.IsNullOrEmpty(certificateAuthorityPath)) cluster["certificate-authority"] = Path.GetFullPath(certificateAuthorityPath);
        return new HelmKubeAccess
        {
            _generatedContent = BuildKubeconfig(cluster, new JsonObject { ["token"] = token }),
            Context = "ksupgrade",
            Secrets = new[] { token },
        };
    }

    /// <summary>The pod's service account: a kubeconfig pointing at the mounted token file (the token itself is not copied).</summary>
    public static HelmKubeAccess InCluster(Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var host = getEnvironment("KUBERNETES_SERVICE_HOST");
        var port = getEnvironment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KsUpgradeException(ErrorIds.InClusterUnavailable, KsErrorCategory.ResourceUnavailable,
                "Not running in a pod: KUBERNETES_SERVICE_HOST/PORT are not set.");
        }
        var server = $"https://{(host.Contains(':') ? $"[{host}]" : host)}:{port}";
        var cluster = new JsonObject { ["server"] = server, ["certificate-authority"] = $"{ServiceAccountDir}/ca.crt" };
        return new HelmKubeAccess
        {
            _generatedContent = BuildKubeconfig(cluster, new JsonObject { ["tokenFile"] = $"{ServiceAccountDir}/token" }),
            Context = "ksupgrade",
        };
    }

    /// <summary>The access matching a connected cluster's settings.</summary>
    public static HelmKubeAccess FromCluster(KsCluster cluster) => FromSettings(cluster.Settings, cluster.Context);

    /// <summary>The access matching connection settings; <paramref name="resolvedContext"/> pins the context used at connect time.</summary>
    public static HelmKubeAccess FromSettings(KsConnectionSettings settings, string? resolvedContext = null)
    {
        if (settings.InCluster) return InCluster();
        if (settings.Server is not null && settings.Token is not null)
        {
            var token = new NetworkCredential("", settings.Token).Password;
            return FromToken(settings.Server, token, settings.CertificateAuthority);
        }
        var context = settings.Context ?? resolvedContext;
        if (settings.KubeconfigContent is not null) return FromKubeconfigContent(settings.KubeconfigContent, context);
        if (settings.KubeconfigPaths is { Count: > 0 } paths) return FromKubeconfigFiles(paths, context);
        return new HelmKubeAccess { Context = context };
    }

    /// <summary>
    /// The helm arguments for this access as they would be printed by -WhatIf (a temporary kubeconfig shows as a placeholder).
    /// </summary>
    public IReadOnlyList<string> DescribeArguments() =>
        BuildArguments(UsesTemporaryKubeconfig ? "<temporary kubeconfig>" : null);

    /// <summary>
    /// Prepares one helm call: writes the temporary kubeconfig (owner-only) when needed and returns the arguments and
    /// environment to use. Dispose the result when the call ends: it deletes the temporary file.
    /// </summary>
    public HelmKubeSession Materialize()
    {
        string? tempPath = null;
        if (_generatedContent is not null)
        {
            tempPath = WriteOwnerOnlyTempFile(_generatedContent);
        }
        // The call must depend on this access only: helm's own HELM_KUBE* variables in our environment would
        // override the kubeconfig (HELM_KUBETOKEN replaces its credentials), so the child does not inherit them.
        var env = new Dictionary<string, string?>();
        foreach (var name in InheritedHelmKubeVariables) env[name] = null;
        if (tempPath is null && KubeconfigPaths.Count > 1)
        {
            env["KUBECONFIG"] = string.Join(Path.PathSeparator, KubeconfigPaths.Select(Path.GetFullPath));
        }
        else if (tempPath is not null || KubeconfigPaths.Count == 1)
        {
            env["KUBECONFIG"] = null;
        }
        return new HelmKubeSession(BuildArguments(tempPath), env, tempPath);
    }

    /// <summary>helm's environment variables that would change which cluster or identity a call uses.</summary>
    internal static readonly string[] InheritedHelmKubeVariables =
    {
        "HELM_KUBETOKEN", "HELM_KUBEAPISERVER", "HELM_KUBECAFILE", "HELM_KUBEASUSER", "HELM_KUBEASGROUPS",
        "HELM_KUBECONTEXT", "HELM_KUBEINSECURE_SKIP_TLS_VERIFY", "HELM_KUBETLS_SERVER_NAME",
    };

    private List<string> BuildArguments(string? tempPath)
    {
        var args = new List<string>();
        if (tempPath is not null)
        {
            args.Add("--kubeconfig");
            args.Add(tempPath);
        }
        else if (KubeconfigPaths.Count == 1)
        {
            args.Add("--kubeconfig");
            args.Add(Path.GetFullPath(KubeconfigPaths[0]));
        }
        if (!string.IsNullOrEmpty(Context))
        {
            args.Add("--kube-context");
            args.Add(Context);
        }
        return args;
    }

    private static string BuildKubeconfig(JsonObject cluster, JsonObject user)
    {
        // JSON is valid YAML, and client-go reads it as a kubeconfig.
        var config = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Config",
            ["clusters"] = new JsonArray(new JsonObject { ["name"] = "ksupgrade", ["cluster"] = cluster }),
            ["users"] = new JsonArray(new JsonObject { ["name"] = "ksupgrade", ["user"] = user }),
            ["contexts"] = new JsonArray(new JsonObject
            {
                ["name"] = "ksupgrade",
                ["context"] = new JsonObject { ["cluster"] = "ksupgrade", ["user"] = "ksupgrade" },
            }),
            ["current-context"] = "ksupgrade",
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    internal static string WriteOwnerOnlyTempFile(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ksupgrade-kubeconfig-{Guid.NewGuid():N}.yaml");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }
        return path;
    }
}

/// <summary>The kube arguments and environment of one helm call; disposing deletes the temporary kubeconfig.</summary>
public sealed class HelmKubeSession : IDisposable
{
    internal HelmKubeSession(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment, string? temporaryKubeconfig)
    {
        Arguments = arguments;
        Environment = environment;
        TemporaryKubeconfig = temporaryKubeconfig;
    }

    public IReadOnlyList<string> Arguments { get; }
    /// <summary>Environment changes for the helm process (a null value removes the variable).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }
    public string? TemporaryKubeconfig { get; }

    public void Dispose()
    {
        if (TemporaryKubeconfig is null) return;
        try { File.Delete(TemporaryKubeconfig); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
