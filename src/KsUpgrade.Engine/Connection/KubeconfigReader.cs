using System.Globalization;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Engine.Connection;

/// <summary>
/// Reads a kubeconfig into KubernetesClient's model from the YAML node tree, field by field. The same result as
/// KubernetesClient's own loader (a test compares them), without its reflection-based deserializer, whose first use
/// costs about a quarter of a second in every new process. Unknown fields are ignored, as the loader does; a field of
/// the wrong shape is a <see cref="YamlException"/> with its position. Extensions are not read (nothing here uses them).
/// </summary>
internal static class KubeconfigReader
{
    /// <summary>The kubeconfig of a text; null for an empty document (as the loader gives).</summary>
    public static K8SConfiguration? Read(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var config = new K8SConfiguration();
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" or "null" }) return null;
        var root = Map(stream.Documents[0].RootNode);
        foreach (var (key, value) in root)
        {
            switch (key)
            {
                case "apiVersion": config.ApiVersion = Str(value); break;
                case "kind": config.Kind = Str(value); break;
                case "current-context": config.CurrentContext = Str(value); break;
                case "preferences": config.Preferences = Map(value).ToDictionary(kv => kv.Key, kv => (object)Plain(kv.Value)!); break;
                case "clusters": config.Clusters = List(value, ReadCluster); break;
                case "users": config.Users = List(value, ReadUser); break;
                case "contexts": config.Contexts = List(value, ReadContext); break;
            }
        }
        return config;
    }

    private static Cluster ReadCluster(YamlNode node)
    {
        var cluster = new Cluster();
        foreach (var (key, value) in Map(node))
        {
            if (key == "name") cluster.Name = Str(value);
            else if (key == "cluster")
            {
                var endpoint = new ClusterEndpoint();
                foreach (var (k, v) in Map(value))
                {
                    switch (k)
                    {
                        case "server": endpoint.Server = Str(v); break;
                        case "certificate-authority": endpoint.CertificateAuthority = Str(v); break;
                        case "certificate-authority-data": endpoint.CertificateAuthorityData = Str(v); break;
                        case "tls-server-name": endpoint.TlsServerName = Str(v); break;
                        case "insecure-skip-tls-verify": endpoint.SkipTlsVerify = Bool(v); break;
                    }
                }
                cluster.ClusterEndpoint = endpoint;
            }
        }
        return cluster;
    }

    private static Context ReadContext(YamlNode node)
    {
        var context = new Context();
        foreach (var (key, value) in Map(node))
        {
            switch (key)
            {
                case "name": context.Name = Str(value); break;
#pragma warning disable CS0618 // obsolete in the model, but the loader fills it from this key: so do we
                case "namespace": context.Namespace = Str(value); break;
#pragma warning restore CS0618
                case "context":
                    var details = new ContextDetails();
                    foreach (var (k, v) in Map(value))
                    {
                        switch (k)
                        {
                            case "cluster": details.Cluster = Str(v); break;
                            case "user": details.User = Str(v); break;
                            case "namespace": details.Namespace = Str(v); break;
                        }
                    }
                    context.ContextDetails = details;
                    break;
            }
        }
        return context;
    }

    private static User ReadUser(YamlNode node)
    {
        var user = new User();
        foreach (var (key, value) in Map(node))
        {
            if (key == "name") user.Name = Str(value);
            else if (key == "user") user.UserCredentials = ReadCredentials(value);
        }
        return user;
    }

    private static UserCredentials ReadCredentials(YamlNode node)
    {
        var c = new UserCredentials();
        foreach (var (key, value) in Map(node))
        {
            switch (key)
            {
                case "client-certificate-data": c.ClientCertificateData = Str(value); break;
                case "client-certificate": c.ClientCertificate = Str(value); break;
                case "client-key-data": c.ClientKeyData = Str(value); break;
                case "client-key": c.ClientKey = Str(value); break;
                case "token": c.Token = Str(value); break;
                case "as": c.Impersonate = Str(value); break;
                case "as-groups": c.ImpersonateGroups = List(value, Str); break;
                case "as-user-extra": c.ImpersonateUserExtra = StrMap(value); break;
                case "username": c.UserName = Str(value); break;
                case "password": c.Password = Str(value); break;
                case "auth-provider":
                    var provider = new AuthProvider();
                    foreach (var (k, v) in Map(value))
                    {
                        if (k == "name") provider.Name = Str(v);
                        else if (k == "config") provider.Config = StrMap(v);
                    }
                    c.AuthProvider = provider;
                    break;
                case "exec":
                    var exec = new ExternalExecution();
                    foreach (var (k, v) in Map(value))
                    {
                        switch (k)
                        {
                            case "apiVersion": exec.ApiVersion = Str(v); break;
                            case "command": exec.Command = Str(v); break;
                            case "args": exec.Arguments = List(v, Str); break;
                            case "env": exec.EnvironmentVariables = List(v, StrMap); break;
                            case "installHint": exec.InstallHint = Str(v); break;
                            case "provideClusterInfo": exec.ProvideClusterInfo = Bool(v); break;
                        }
                    }
                    c.ExternalExecution = exec;
                    break;
            }
        }
        return c;
    }

    // ---- shapes ----

    private static IEnumerable<(string Key, YamlNode Value)> Map(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.Select(kv => (Str(kv.Key) ?? "", kv.Value)),
        YamlScalarNode { Value: null or "" or "~" or "null" } => Enumerable.Empty<(string, YamlNode)>(),
        _ => throw Shape(node, "a mapping"),
    };

    private static List<T>? List<T>(YamlNode node, Func<YamlNode, T> item) => node switch
    {
        YamlSequenceNode s => s.Children.Select(item).ToList(),
        YamlScalarNode { Value: null or "" or "~" or "null" } => null,
        _ => throw Shape(node, "a list"),
    };

    private static Dictionary<string, string> StrMap(YamlNode node) =>
        Map(node).ToDictionary(kv => kv.Key, kv => Str(kv.Value) ?? "", StringComparer.Ordinal);

    private static string? Str(YamlNode node) => node switch
    {
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "~" or "null" or "Null" or "NULL" or "" } => null,
        YamlScalarNode s => s.Value,
        _ => throw Shape(node, "a single value"),
    };

    private static bool Bool(YamlNode node) => Str(node) is { } v && bool.TryParse(v, out var b) ? b
        : Str(node) is null ? false
        : throw Shape(node, "true or false");

    private static object? Plain(YamlNode node) => node switch
    {
        YamlScalarNode { Style: ScalarStyle.Plain } s when bool.TryParse(s.Value, out var b) => b,
        YamlScalarNode { Style: ScalarStyle.Plain } s when int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) => i,
        YamlScalarNode s => Str(s),
        YamlSequenceNode s => s.Children.Select(Plain).ToList(),
        YamlMappingNode m => m.Children.ToDictionary(kv => (object)(Str(kv.Key) ?? ""), kv => Plain(kv.Value)),
        _ => null,
    };

    private static YamlException Shape(YamlNode node, string expected) =>
        new(node.Start, node.End, $"expected {expected} at line {node.Start.Line.ToString(CultureInfo.InvariantCulture)}");
}
