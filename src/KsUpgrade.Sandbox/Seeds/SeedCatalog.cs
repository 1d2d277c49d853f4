using KsUpgrade.Sandbox.Seeds.Files;
using KsUpgrade.Sandbox.Seeds.Ks34;

namespace KsUpgrade.Sandbox.Seeds;

/// <summary>
/// The named seeds and seed files.
/// <list type="bullet">
/// <item><c>empty</c>: one cluster "sandbox" with no objects.</item>
/// <item><c>ks34-host</c>: KubeSphere v3.4.1 host "host" (Kubernetes v1.26.15, 3 masters + 3 workers) that knows members member1 and member2.</item>
/// <item><c>ks34-member</c>: the member "member1" alone.</item>
/// <item><c>ks34-multicluster</c>: host, member1 and member2 (member2 runs redis HA with the ks-redis release).</item>
/// <item>any other value: a seed file path (see <see cref="SeedFile"/> and Seeds/README.md).</item>
/// </list>
/// Scale keys (case-insensitive): Nodes (total per cluster), Namespaces (user namespaces per cluster), PodsPerNode
/// (minimum pods on each node), RbacObjects (extra IAM/RBAC objects per cluster), and Members (ks34-multicluster: the
/// host and members member1..memberN; ks34-host: the host with N member Cluster objects).
/// </summary>
public static class SeedCatalog
{
    public static IReadOnlyList<string> Names { get; } = new[] { "empty", "ks34-host", "ks34-member", "ks34-multicluster" };

    /// <summary>Builds the clusters of a named seed or loads a seed file; <paramref name="scale"/> grows it (Nodes, Namespaces, PodsPerNode, RbacObjects, Members).</summary>
    public static IReadOnlyList<SeedCluster> Load(string nameOrPath, IReadOnlyDictionary<string, int>? scale = null)
    {
        var (members, perCluster) = SplitMembers(nameOrPath, scale);
        var memberNames = members is { } n ? Ks34Seeds.MemberNamesOf(n) : Ks34Seeds.MemberNames;
        switch (nameOrPath)
        {
            case "empty":
                return new[] { new SeedCluster { Name = "sandbox" } };
            case "ks34-host":
                return new[] { Build(Ks34Seeds.Host(memberNames), perCluster) };
            case "ks34-member":
                return new[] { Build(Ks34Seeds.Member(Ks34Seeds.MemberNames[0]), perCluster) };
            case "ks34-multicluster":
                return new[] { Ks34Seeds.Host(memberNames) }.Concat(memberNames.Select(Ks34Seeds.Member))
                    .AsParallel().AsOrdered().Select(p => Build(p, perCluster)).ToList();
        }
        if (File.Exists(nameOrPath)) return SeedFile.Load(nameOrPath, scale, Load);
        throw new ArgumentException($"Unknown seed '{nameOrPath}': not a seed name ({string.Join(", ", Names)}) and no such file.");
    }

    /// <summary>
    /// Takes the seed-wide key Members out of <paramref name="scale"/> (the other keys apply to each cluster), checked
    /// against the seed: only ks34-multicluster and ks34-host have members to count; a seed file passes it on to its bases.
    /// </summary>
    private static (int? Members, IReadOnlyDictionary<string, int>? PerCluster) SplitMembers(string seed, IReadOnlyDictionary<string, int>? scale)
    {
        if (scale is null) return (null, null);
        var key = scale.Keys.FirstOrDefault(k => k.Equals("Members", StringComparison.OrdinalIgnoreCase));
        if (key is null) return (null, scale);
        var n = scale[key];
        if (seed is "empty" or "ks34-member")
            throw new ArgumentException($"Scale Members applies to the seeds ks34-multicluster (host and members) and ks34-host (the host's member list), not to {seed}.");
        if (n < 0 || n > Ks34Seeds.MaxMembers)
            throw new ArgumentException($"Scale Members={n} must be from 0 to {Ks34Seeds.MaxMembers}.");
        var rest = scale.Where(kv => kv.Key != key).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        return (n, rest);
    }

    /// <summary>Writes clusters to a seed file (YAML, or JSON when the path ends in .json) that <see cref="Load"/> reads back.</summary>
    public static void Save(IReadOnlyList<SeedCluster> clusters, string path) => SeedFile.Save(clusters, path);

    private static SeedCluster Build(Ks34Profile profile, IReadOnlyDictionary<string, int>? scale)
    {
        profile.ApplyScale(scale);
        return Ks34SeedBuilder.Build(profile);
    }
}
