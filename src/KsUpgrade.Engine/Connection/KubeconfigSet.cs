using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Engine.Connection;

/// <summary>
/// Kubeconfig files merged the way kubectl merges $KUBECONFIG: files in order, the first file that defines a
/// cluster, user or context name wins, and the first non-empty current-context wins. Relative file references
/// are resolved against the file that holds them. Also keeps each cluster's proxy-url, which KubernetesClient ignores.
/// </summary>
public sealed class KubeconfigSet
{
    private KubeconfigSet(K8SConfiguration merged, IReadOnlyDictionary<string, string> proxyUrls, string source)
    {
        Merged = merged;
        ProxyUrls = proxyUrls;
        Source = source;
    }

    public K8SConfiguration Merged { get; }

    /// <summary>proxy-url per cluster name.</summary>
    public IReadOnlyDictionary<string, string> ProxyUrls { get; }

    /// <summary>Where it came from (file paths or "kubeconfig content"): safe to show.</summary>
    public string Source { get; }

    public IReadOnlyList<string> ContextNames => (Merged.Contexts ?? Enumerable.Empty<Context>()).Select(c => c.Name).ToList();

    /// <summary>The kubeconfig paths in effect: explicit paths, else $KUBECONFIG split on the path separator, else ~/.kube/config.</summary>
    public static IReadOnlyList<string> DefaultPaths(IReadOnlyList<string>? explicitPaths = null)
    {
        if (explicitPaths is { Count: > 0 })
            return explicitPaths.SelectMany(p => p.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)).Select(ExpandHome).ToList();
        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(env))
            return env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(ExpandHome).ToList();
        return new[] { Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config") };
    }

    private static string ExpandHome(string p) =>
        p.StartsWith("~/", StringComparison.Ordinal) || p == "~"
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), p.Length > 2 ? p[2..] : "")
            : Path.GetFullPath(p);

    /// <summary>Loads and merges kubeconfig files. Missing files are skipped unless none exists.</summary>
    public static KubeconfigSet LoadFiles(IReadOnlyList<string> paths)
    {
        var existing = paths.Where(File.Exists).ToList();
        if (existing.Count == 0)
            throw new KsUpgradeException(ErrorIds.KubeconfigNotFound, KsErrorCategory.ObjectNotFound,
                $"No kubeconfig file found at: {string.Join(", ", paths)}. Pass -Kubeconfig, -KubeconfigContent, -Server with -Token, or -InCluster.",
                string.Join(Path.PathSeparator, paths));
        var parts = new List<(K8SConfiguration Config, Dictionary<string, string> Proxies)>();
        foreach (var path in existing)
        {
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.ReadError, $"Cannot read kubeconfig '{path}': {e.Message}", path);
            }
            parts.Add(Parse(text, path));
        }
        return Merge(parts, string.Join(Path.PathSeparator, existing));
    }

    /// <summary>Loads kubeconfig YAML given as a string. Its content is never echoed in errors.</summary>
    public static KubeconfigSet LoadContent(string content)
    {
        if (string.IsNullOrWhiteSpace(content))
            throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.InvalidArgument, "The kubeconfig content is empty.", "kubeconfig content");
        return Merge(new[] { Parse(content, null) }, "kubeconfig content");
    }

    private static (K8SConfiguration, Dictionary<string, string>) Parse(string text, string? path)
    {
        var where = path is null ? "the kubeconfig content" : $"kubeconfig '{path}'";
        // Syntax first: KubernetesClient's own loader reports malformed YAML without a position.
        if (Yaml.YamlSyntax.Check(text) is { } syntax)
            throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.ParserError,
                $"Cannot parse {where}: malformed YAML at line {syntax.Line}, column {syntax.Column} ({syntax.Problem}).", path ?? "kubeconfig content");
        K8SConfiguration? config;
        try
        {
            config = KubeconfigReader.Read(text);
        }
        catch (Exception e) when (FindYaml(e) is YamlException y)
        {
            var start = y.Start;
            // Position only: the YAML parser's own message may quote content, which can hold a token.
            throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.ParserError,
                $"Cannot parse {where}: malformed YAML at line {start.Line}, column {start.Column}.", path ?? "kubeconfig content");
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.InvalidData,
                $"Cannot read {where}: it is not a kubeconfig ({e.GetType().Name}).", path ?? "kubeconfig content");
        }
        if (config is null || (!(config.Clusters?.Any() ?? false) && !(config.Contexts?.Any() ?? false) && !(config.Users?.Any() ?? false)))
            throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.InvalidData,
                $"{Capitalize(where)} has no clusters, users or contexts.", path ?? "kubeconfig content");
        if (path is not null)
            ResolveRelativePaths(config, Path.GetDirectoryName(Path.GetFullPath(path))!);
        return (config, ReadProxyUrls(text));
    }

    private static YamlException? FindYaml(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is YamlException y) return y;
        return null;
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    private static void ResolveRelativePaths(K8SConfiguration config, string dir)
    {
        static string? Abs(string? p, string d) => string.IsNullOrEmpty(p) || Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(d, p));
        foreach (var c in config.Clusters ?? Enumerable.Empty<Cluster>())
            if (c.ClusterEndpoint is not null)
                c.ClusterEndpoint.CertificateAuthority = Abs(c.ClusterEndpoint.CertificateAuthority, dir);
        foreach (var u in config.Users ?? Enumerable.Empty<User>())
            if (u.UserCredentials is not null)
            {
                u.UserCredentials.ClientCertificate = Abs(u.UserCredentials.ClientCertificate, dir);
                u.UserCredentials.ClientKey = Abs(u.UserCredentials.ClientKey, dir);
            }
    }

    private static Dictionary<string, string> ReadProxyUrls(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(text));
            if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root) return result;
            if (!root.Children.TryGetValue(new YamlScalarNode("clusters"), out var clusters) || clusters is not YamlSequenceNode seq) return result;
            foreach (var item in seq.OfType<YamlMappingNode>())
            {
                if (!item.Children.TryGetValue(new YamlScalarNode("name"), out var name) || name is not YamlScalarNode n) continue;
                if (!item.Children.TryGetValue(new YamlScalarNode("cluster"), out var cl) || cl is not YamlMappingNode cm) continue;
                if (cm.Children.TryGetValue(new YamlScalarNode("proxy-url"), out var proxy) && proxy is YamlScalarNode p && !string.IsNullOrWhiteSpace(p.Value))
                    result[n.Value ?? ""] = p.Value!;
            }
        }
        catch (YamlException) { }
        return result;
    }

    private static KubeconfigSet Merge(IEnumerable<(K8SConfiguration Config, Dictionary<string, string> Proxies)> parts, string source)
    {
        var clusters = new List<Cluster>();
        var users = new List<User>();
        var contexts = new List<Context>();
        var proxies = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        string? firstFile = null;
        foreach (var (config, proxyUrls) in parts)
        {
            firstFile ??= config.FileName;
            if (string.IsNullOrEmpty(current) && !string.IsNullOrEmpty(config.CurrentContext)) current = config.CurrentContext;
            foreach (var c in config.Clusters ?? Enumerable.Empty<Cluster>())
                if (c.Name is not null && clusters.All(x => x.Name != c.Name))
                {
                    clusters.Add(c);
                    if (proxyUrls.TryGetValue(c.Name, out var proxy)) proxies[c.Name] = proxy;
                }
            foreach (var u in config.Users ?? Enumerable.Empty<User>())
                if (u.Name is not null && users.All(x => x.Name != u.Name)) users.Add(u);
            foreach (var c in config.Contexts ?? Enumerable.Empty<Context>())
                if (c.Name is not null && contexts.All(x => x.Name != c.Name)) contexts.Add(c);
        }
        var merged = new K8SConfiguration
        {
            Clusters = clusters,
            Users = users,
            Contexts = contexts,
            CurrentContext = current,
            FileName = firstFile,
        };
        return new KubeconfigSet(merged, proxies, source);
    }

    /// <summary>Picks a context: the named one, else current-context. Unknown → ContextNotFound listing the known ones.</summary>
    public Context ResolveContext(string? name)
    {
        var wanted = string.IsNullOrEmpty(name) ? Merged.CurrentContext : name;
        if (string.IsNullOrEmpty(wanted))
        {
            if (Merged.Contexts?.Count() == 1) return Merged.Contexts.First();
            throw new KsUpgradeException(ErrorIds.ContextNotFound, KsErrorCategory.ObjectNotFound,
                $"The kubeconfig ({Source}) sets no current-context; pass -Context. Contexts: {Known()}.", Source);
        }
        var ctx = Merged.Contexts?.FirstOrDefault(c => c.Name == wanted);
        if (ctx is null)
            throw new KsUpgradeException(ErrorIds.ContextNotFound, KsErrorCategory.ObjectNotFound,
                $"Context '{wanted}' not found in the kubeconfig ({Source}). Contexts: {Known()}.", wanted);
        if (ctx.ContextDetails?.Cluster is null || Merged.Clusters?.Any(c => c.Name == ctx.ContextDetails.Cluster) != true)
            throw new KsUpgradeException(ErrorIds.KubeconfigInvalid, KsErrorCategory.InvalidData,
                $"Context '{wanted}' refers to cluster '{ctx.ContextDetails?.Cluster}', which the kubeconfig ({Source}) does not define.", wanted);
        return ctx;
    }

    private string Known() => ContextNames.Count == 0 ? "(none)" : string.Join(", ", ContextNames);
}
