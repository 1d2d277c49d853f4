using System.Security;

namespace KsUpgrade;

/// <summary>How a cluster connection was asked for. Holds secrets: never logged, never shown.</summary>
public sealed class KsConnectionSettings
{
    /// <summary>Kubeconfig files in merge order (first file wins per name), as kubectl merges $KUBECONFIG.</summary>
    public IReadOnlyList<string>? KubeconfigPaths { get; init; }

    /// <summary>Kubeconfig YAML given as a string (Azure Automation variable, Key Vault secret).</summary>
    internal string? KubeconfigContent { get; init; }

    /// <summary>The context to use; null means the kubeconfig's current-context.</summary>
    public string? Context { get; init; }

    /// <summary>Use the pod's service account.</summary>
    public bool InCluster { get; init; }

    /// <summary>API server URL for token connections (-Server/-Token).</summary>
    public string? Server { get; init; }

    /// <summary>Bearer token for -Server connections.</summary>
    internal SecureString? Token { get; init; }

    /// <summary>PEM file of the CA that signs the server certificate, for -Server connections.</summary>
    public string? CertificateAuthority { get; init; }

    /// <summary>Timeout of one API request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public bool HasKubeconfigContent => KubeconfigContent is not null;

    public override string ToString() =>
        Server ?? (InCluster ? "in-cluster" : KubeconfigContent is not null ? "kubeconfig content" : string.Join(Path.PathSeparator, KubeconfigPaths ?? Array.Empty<string>()));
}
