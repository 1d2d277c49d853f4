namespace KsUpgrade;

/// <summary>
/// An engine failure with a stable ErrorId (a public contract: Pester's -ErrorId matches it) and a category.
/// The message must never contain a token, key, kubeconfig content or Secret data.
/// </summary>
public class KsUpgradeException : Exception
{
    public KsUpgradeException(string errorId, KsErrorCategory category, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    /// <summary>Stable identifier, e.g. KsUpgrade.ClusterUnreachable.</summary>
    public string ErrorId { get; }

    public KsErrorCategory Category { get; }

    /// <summary>The object the error is about (a cluster, a path, a name).</summary>
    public object? Target { get; }

    /// <summary>What the user should do about it, when known.</summary>
    public string? Remedy { get; init; }
}
