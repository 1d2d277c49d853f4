namespace KsUpgrade.Sandbox.Authorization;

/// <summary>
/// Who a bearer token belongs to: a user name and its groups, as the Kubernetes authenticators report them
/// (a ServiceAccount is the user "system:serviceaccount:&lt;ns&gt;:&lt;name&gt;"). The token itself is never part of it.
/// </summary>
public sealed record SandboxIdentity
{
    public const string MastersGroup = "system:masters";
    public const string AuthenticatedGroup = "system:authenticated";
    public const string ServiceAccountsGroup = "system:serviceaccounts";
    public const string ServiceAccountUserPrefix = "system:serviceaccount:";

    /// <summary>The handle the sandbox knows it by ("admin", "precheck"); the kubeconfig context is &lt;cluster&gt;-&lt;name&gt;.</summary>
    public required string Name { get; init; }

    /// <summary>The user name RBAC subjects match ("alice", "system:serviceaccount:ksupgrade:precheck").</summary>
    public required string User { get; init; }

    /// <summary>Every group, including system:authenticated (and system:serviceaccounts[:&lt;ns&gt;] for a ServiceAccount).</summary>
    public IReadOnlyList<string> Groups { get; init; } = Array.Empty<string>();

    /// <summary>Members of system:masters bypass authorization, as on a real API server.</summary>
    public bool IsAdmin => Groups.Contains(MastersGroup, StringComparer.Ordinal);

    /// <summary>The ServiceAccount (namespace, name) when this identity is one.</summary>
    public (string Namespace, string Name)? ServiceAccount
    {
        get
        {
            if (!User.StartsWith(ServiceAccountUserPrefix, StringComparison.Ordinal)) return null;
            var rest = User[ServiceAccountUserPrefix.Length..].Split(':');
            return rest.Length == 2 ? (rest[0], rest[1]) : null;
        }
    }

    /// <summary>The sandbox's cluster-admin identity (the kubeconfig's &lt;cluster&gt;-admin users).</summary>
    public static SandboxIdentity Admin { get; } = new()
    {
        Name = "admin", User = "sandbox-admin", Groups = new[] { MastersGroup, AuthenticatedGroup },
    };

    public override string ToString() => $"{Name} ({User})";
}

/// <summary>What to mint: a user (with optional groups) or a ServiceAccount ("namespace/name").</summary>
public sealed record IdentityRequest
{
    /// <summary>Handle: lowercase letters, digits and '-', e.g. "precheck"; the kubeconfig context is &lt;cluster&gt;-&lt;name&gt;.</summary>
    public required string Name { get; init; }
    /// <summary>A user name; exactly one of <see cref="User"/> and <see cref="ServiceAccount"/>.</summary>
    public string? User { get; init; }
    /// <summary>"namespace/name" of a ServiceAccount (it need not exist, as with a token of a deleted account).</summary>
    public string? ServiceAccount { get; init; }
    /// <summary>Extra groups (system:authenticated is always added).</summary>
    public IReadOnlyList<string>? Groups { get; init; }
}

/// <summary>A minted identity with its bearer token and the kubeconfig contexts that use it.</summary>
public sealed record MintedIdentity(SandboxIdentity Identity, string Token, IReadOnlyList<string> Contexts)
{
    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"{Identity} contexts {string.Join(", ", Contexts)}";
}
