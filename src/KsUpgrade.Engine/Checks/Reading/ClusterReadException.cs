namespace KsUpgrade.Engine.Checks;

public enum ClusterReadFailure
{
    /// <summary>403: the identity may not read this kind.</summary>
    Forbidden,
    /// <summary>404 on a LIST or CRD-backed kind: the kind is not served.</summary>
    NotServed,
    /// <summary>Anything else (network, 5xx, undecodable payload).</summary>
    Other,
}

/// <summary>A read that failed. The message names what was read, never secret content.</summary>
public sealed class ClusterReadException : Exception
{
    public ClusterReadException(ClusterReadFailure failure, string what, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        What = what;
    }

    public ClusterReadFailure Failure { get; }

    /// <summary>What was being read, e.g. "nodes", "secrets in kubesphere-system".</summary>
    public string What { get; }

    public static ClusterReadException Forbidden(string what) =>
        new(ClusterReadFailure.Forbidden, what, $"not permitted to read {what}");

    public static ClusterReadException NotServed(string what) =>
        new(ClusterReadFailure.NotServed, what, $"{what}: kind not served by this cluster");
}
