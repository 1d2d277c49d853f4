namespace KsUpgrade.Sandbox.Seeds;

/// <summary>The named seeds (ks34-host, ks34-member, ks34-multicluster) and seed files. (Filled by the seeds work.)</summary>
public static class SeedCatalog
{
    public static IReadOnlyList<string> Names { get; } = new[] { "empty" };

    /// <summary>Builds the clusters of a named seed or loads a seed file; <paramref name="scale"/> grows it (Nodes, Namespaces, PodsPerNode, RbacObjects).</summary>
    public static IReadOnlyList<SeedCluster> Load(string nameOrPath, IReadOnlyDictionary<string, int>? scale = null)
    {
        if (nameOrPath == "empty")
            return new[] { new SeedCluster { Name = "sandbox" } };
        throw new ArgumentException($"Unknown seed '{nameOrPath}'. Known seeds: {string.Join(", ", Names)}.");
    }
}
