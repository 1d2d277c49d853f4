namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>The named KubeSphere 3.4 seeds: profiles for the host and the members of the multicluster setup.</summary>
public static class Ks34Seeds
{
    public const string HostName = "host";
    public static readonly string[] MemberNames = { "member1", "member2" };

    /// <summary>The most members a fleet seed (scale key Members) may have: each is a whole cluster in the sandbox process.</summary>
    public const int MaxMembers = 100;

    /// <summary>member1 .. member<paramref name="count"/>: the members of a fleet seed (scale key Members).</summary>
    public static IReadOnlyList<string> MemberNamesOf(int count) => Enumerable.Range(1, count).Select(i => $"member{i}").ToArray();

    public static Ks34Profile Host() => Host(MemberNames);

    /// <summary>The host, with a Cluster object for each of <paramref name="members"/>.</summary>
    public static Ks34Profile Host(IReadOnlyList<string> members) => new()
    {
        ClusterName = HostName,
        Role = "host",
        NodePrefix = "host",
        IpPrefix = "10.10",
        Members = members,
        Workspaces = new[]
        {
            new WorkspaceSpec("demo-ws", new[] { "demo-project", "demo-staging" }),
            new WorkspaceSpec("shop-ws", new[] { "shop-frontend" }),
        },
        Gateways = new[]
        {
            new GatewaySpec(GatewayScope.Cluster, "kubesphere-system"),
            new GatewaySpec(GatewayScope.Workspace, "shop-ws"),
            new GatewaySpec(GatewayScope.Project, "demo-project"),
        },
        Ingresses = new[]
        {
            ("demo-project", "productpage", "productpage"),
            ("demo-staging", "staging", "staging"),
            ("shop-frontend", "frontend", "frontend"),
        },
    };

    /// <summary>A member; member2 runs redis in HA mode (cc enableHA, ks-redis release) for variety.</summary>
    public static Ks34Profile Member(string name) => new()
    {
        ClusterName = name,
        Role = "member",
        JwtSecretFrom = HostName,
        NodePrefix = name,
        IpPrefix = MulticlusterPart.MemberIpPrefix(name),
        RedisHa = name == "member2",
        Workspaces = new[] { new WorkspaceSpec("demo-ws", new[] { $"{name}-apps" }) },
        Gateways = new[]
        {
            new GatewaySpec(GatewayScope.Cluster, "kubesphere-system"),
            new GatewaySpec(GatewayScope.Project, $"{name}-apps"),
        },
        Ingresses = new[] { ($"{name}-apps", "apps", "apps") },
    };
}
