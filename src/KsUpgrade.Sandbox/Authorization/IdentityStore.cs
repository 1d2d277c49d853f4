using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace KsUpgrade.Sandbox.Authorization;

/// <summary>
/// The sandbox's token authenticator: bearer token → identity. Tokens are random, held only to write the kubeconfig,
/// and looked up by their SHA-256 (no token is ever compared character by character, logged or put in a message).
/// </summary>
public sealed partial class IdentityStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SandboxIdentity> _byTokenHash = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SandboxIdentity Identity, string Token)> _minted = new(StringComparer.Ordinal);

    public IdentityStore(string adminToken)
    {
        _byTokenHash[Hash(adminToken)] = SandboxIdentity.Admin;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")]
    private static partial Regex ObjectNamePattern();

    /// <summary>Mints a new identity with a new token; the name must be new (and not "admin").</summary>
    public (SandboxIdentity Identity, string Token) Mint(IdentityRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!NamePattern().IsMatch(request.Name ?? ""))
            throw new ArgumentException($"Identity name '{request.Name}' is not valid: lowercase letters, digits and '-', at most 42 characters.");
        if (request.Name == SandboxIdentity.Admin.Name) throw new ArgumentException("The name 'admin' is the sandbox's own cluster-admin identity.");
        if ((request.User is null) == (request.ServiceAccount is null))
            throw new ArgumentException("Give exactly one of user and serviceAccount.");
        var groups = new List<string>();
        string user;
        if (request.ServiceAccount is { } sa)
        {
            var parts = sa.Split('/');
            if (parts.Length != 2 || !ObjectNamePattern().IsMatch(parts[0]) || !ObjectNamePattern().IsMatch(parts[1]))
                throw new ArgumentException($"serviceAccount '{sa}' is not 'namespace/name'.");
            user = SandboxIdentity.ServiceAccountUserPrefix + parts[0] + ":" + parts[1];
            groups.Add(SandboxIdentity.ServiceAccountsGroup);
            groups.Add(SandboxIdentity.ServiceAccountsGroup + ":" + parts[0]);
        }
        else
        {
            user = request.User!.Trim();
            if (user.Length == 0) throw new ArgumentException("user must not be empty.");
        }
        foreach (var g in request.Groups ?? Array.Empty<string>())
            if (!string.IsNullOrWhiteSpace(g) && !groups.Contains(g)) groups.Add(g.Trim());
        if (!groups.Contains(SandboxIdentity.AuthenticatedGroup)) groups.Add(SandboxIdentity.AuthenticatedGroup);
        var identity = new SandboxIdentity { Name = request.Name!, User = user, Groups = groups };
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        lock (_gate)
        {
            if (_minted.ContainsKey(identity.Name)) throw new ArgumentException($"An identity named '{identity.Name}' already exists.");
            _minted[identity.Name] = (identity, token);
            _byTokenHash[Hash(token)] = identity;
        }
        return (identity, token);
    }

    /// <summary>
    /// A token for a ServiceAccount, as the TokenRequest API (serviceaccounts/&lt;name&gt;/token) issues it: it authenticates as
    /// system:serviceaccount:&lt;ns&gt;:&lt;name&gt; (groups system:serviceaccounts, system:serviceaccounts:&lt;ns&gt;,
    /// system:authenticated), has only the rights RBAC gives that account, and gets no kubeconfig context.
    /// </summary>
    public string IssueServiceAccountToken(string serviceAccountNamespace, string serviceAccountName)
    {
        var identity = new SandboxIdentity
        {
            Name = "token-request",
            User = SandboxIdentity.ServiceAccountUserPrefix + serviceAccountNamespace + ":" + serviceAccountName,
            Groups = new List<string> { SandboxIdentity.ServiceAccountsGroup, SandboxIdentity.ServiceAccountsGroup + ":" + serviceAccountNamespace, SandboxIdentity.AuthenticatedGroup },
        };
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        lock (_gate) _byTokenHash[Hash(token)] = identity;
        return token;
    }

    /// <summary>Revokes a token issued by <see cref="IssueServiceAccountToken"/> (e.g. when the pod it was given to ends).</summary>
    public void RevokeToken(string token)
    {
        lock (_gate)
        {
            var hash = Hash(token);
            if (_byTokenHash.TryGetValue(hash, out var identity) && !identity.IsAdmin && !_minted.ContainsKey(identity.Name))
                _byTokenHash.Remove(hash);
        }
    }

    /// <summary>Revokes a minted identity (its token stops working); false when there is none of that name.</summary>
    public bool Remove(string name)
    {
        lock (_gate)
        {
            if (!_minted.Remove(name, out var entry)) return false;
            _byTokenHash.Remove(Hash(entry.Token));
            return true;
        }
    }

    /// <summary>The identity of a bearer token, or null.</summary>
    public SandboxIdentity? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        var hash = Hash(token);
        lock (_gate) return _byTokenHash.TryGetValue(hash, out var identity) ? identity : null;
    }

    /// <summary>The minted identities (not the admin), in name order.</summary>
    public IReadOnlyList<SandboxIdentity> Identities
    {
        get { lock (_gate) return _minted.Values.Select(v => v.Identity).OrderBy(i => i.Name, StringComparer.Ordinal).ToList(); }
    }

    /// <summary>Minted identities with their tokens, for the kubeconfig writer only.</summary>
    internal IReadOnlyList<(SandboxIdentity Identity, string Token)> WithTokens
    {
        get { lock (_gate) return _minted.Values.OrderBy(v => v.Identity.Name, StringComparer.Ordinal).ToList(); }
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
