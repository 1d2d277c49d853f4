using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Connection;

/// <summary>Opens connections to clusters from the connection parameters of any cluster cmdlet.</summary>
public static class ClusterConnector
{
    /// <summary>
    /// Connects: resolves the kubeconfig/context (or server+token, or in-cluster), checks that the server answers
    /// /version within the request timeout, and reads the KubeSphere version and role.
    /// </summary>
    /// <param name="warn">Receives warnings (e.g. TLS verification disabled by the kubeconfig).</param>
    public static async Task<KsCluster> ConnectAsync(KsConnectionSettings settings, Action<string>? warn, CancellationToken ct)
    {
        var (config, contextName, kubeconfig) = BuildConfiguration(settings, warn);
        var server = config.Host ?? "";
        var api = KubeApi.Open(config, contextName);
        var connection = new ClusterConnection(api, config, contextName, kubeconfig);
        var cluster = new KsCluster(contextName, server, settings) { Connection = connection };
        try
        {
            cluster.KubernetesVersion = await api.ProbeServerVersionAsync(settings.RequestTimeout + TimeSpan.FromSeconds(1), ct).ConfigureAwait(false)
                ?? throw NotKubernetes(contextName, server);
            await ClusterIdentity.FillAsync(cluster, api, ct).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static KsUpgradeException NotKubernetes(string context, string server) =>
        new(ErrorIds.NotKubernetes, KsErrorCategory.InvalidResult,
            $"The server of context '{context}' ({server}) answered, but not as a Kubernetes API server (no version information at /version).", context);

    /// <summary>The live connection of a connected cluster.</summary>
    public static ClusterConnection Connection(KsCluster cluster) =>
        cluster.Connection as ClusterConnection
        ?? throw new KsUpgradeException(ErrorIds.ClusterUnreachable, KsErrorCategory.InvalidArgument,
            $"The cluster object for context '{cluster.Context}' holds no live connection; get one with Connect-KsCluster.", cluster.Context);

    /// <summary>Builds the KubernetesClient configuration without contacting the server.</summary>
    internal static (KubernetesClientConfiguration Config, string Context, KubeconfigSet? Kubeconfig) BuildConfiguration(KsConnectionSettings s, Action<string>? warn)
    {
        if (!string.IsNullOrEmpty(s.Server)) return (FromServerAndToken(s), ServerContextName(s.Server!), null);
        if (s.InCluster)
        {
            if (!KubernetesClientConfiguration.IsInCluster())
                throw new KsUpgradeException(ErrorIds.InClusterUnavailable, KsErrorCategory.ResourceUnavailable,
                    "-InCluster was given, but this process does not run in a pod with a service account (no KUBERNETES_SERVICE_HOST or token file).", "in-cluster");
            var ic = KubernetesClientConfiguration.InClusterConfig();
            ic.HttpClientTimeout = s.RequestTimeout;
            return (ic, "in-cluster", null);
        }
        var set = s.HasKubeconfigContent
            ? KubeconfigSet.LoadContent(s.KubeconfigContent!)
            : KubeconfigSet.LoadFiles(KubeconfigSet.DefaultPaths(s.KubeconfigPaths));
        var ctx = set.ResolveContext(s.Context);
        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigObject(set.Merged, ctx.Name);
        }
        catch (k8s.Exceptions.KubeConfigException e) when (e.Message.StartsWith("external exec failed", StringComparison.Ordinal))
        {
            // KubernetesClient's message carries the inner exception's stack trace (and could carry the plugin's output): never shown.
            var user = ctx.ContextDetails?.User;
            var command = set.Merged.Users?.FirstOrDefault(u => u.Name == user)?.UserCredentials?.ExternalExecution?.Command;
            var why = e.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase) ? "it did not finish in time"
                : e.Message.Contains("deserialization", StringComparison.Ordinal) ? "it printed no ExecCredential JSON on its standard output (did it fail?)"
                : "it could not be run";
            throw new KsUpgradeException(ErrorIds.CredentialPluginFailed, KsErrorCategory.AuthenticationError,
                $"The exec credential plugin '{command}' of user '{user}' (context '{ctx.Name}') gave no credential: {why}.", ctx.Name)
            { Remedy = $"Run the plugin by hand (e.g. to log in again) and check it prints an ExecCredential; or use a token (-Server with -Token)." };
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.InvalidData,
                $"Context '{ctx.Name}' of the kubeconfig ({set.Source}) cannot be used: {SafeMessage(e)}", ctx.Name);
        }
        config.HttpClientTimeout = s.RequestTimeout;
        if (config.SkipTlsVerify)
            warn?.Invoke($"The kubeconfig sets insecure-skip-tls-verify for context '{ctx.Name}': the server's certificate is not verified.");
        if (set.ProxyUrls.TryGetValue(ctx.ContextDetails.Cluster, out var proxyUrl))
            UseProxy(config, proxyUrl, ctx.Name);
        return (config, ctx.Name, set);
    }

    private static string SafeMessage(Exception e) => e switch
    {
        // KubernetesClient's messages name files and fields, not their content.
        k8s.Exceptions.KubeConfigException or FileNotFoundException or DirectoryNotFoundException => e.Message,
        _ => e.GetType().Name,
    };

    private static string ServerContextName(string server) => Uri.TryCreate(server, UriKind.Absolute, out var u) ? u.Authority : server;

    private static KubernetesClientConfiguration FromServerAndToken(KsConnectionSettings s)
    {
        if (!Uri.TryCreate(s.Server, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.InvalidArgument,
                $"-Server '{s.Server}' is not an http(s) URL.", s.Server);
        var config = new KubernetesClientConfiguration
        {
            Host = s.Server,
            HttpClientTimeout = s.RequestTimeout,
        };
        if (s.Token is not null)
            config.AccessToken = new NetworkCredential(string.Empty, s.Token).Password;
        if (!string.IsNullOrEmpty(s.CertificateAuthority))
        {
            if (!File.Exists(s.CertificateAuthority))
                throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.ObjectNotFound,
                    $"Certificate authority file '{s.CertificateAuthority}' not found.", s.CertificateAuthority);
            var certs = new X509Certificate2Collection();
            try { certs.ImportFromPemFile(s.CertificateAuthority); }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.InvalidData,
                    $"Certificate authority file '{s.CertificateAuthority}' holds no PEM certificate.", s.CertificateAuthority);
            }
            config.SslCaCerts = certs;
        }
        return config;
    }

    private static void UseProxy(KubernetesClientConfiguration config, string proxyUrl, string context)
    {
        if (!Uri.TryCreate(proxyUrl, UriKind.Absolute, out var proxy))
            throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.InvalidData,
                $"The proxy-url of context '{context}' is not a URL.", context);
        var previous = config.FirstMessageHandlerSetup;
        config.FirstMessageHandlerSetup = handler =>
        {
            previous?.Invoke(handler);
            handler.Proxy = new WebProxy(proxy);
            handler.UseProxy = true;
        };
    }
}
