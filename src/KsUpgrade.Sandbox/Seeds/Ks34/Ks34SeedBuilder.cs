namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>Builds one KubeSphere 3.4 cluster seed from a profile, part by part.</summary>
public static class Ks34SeedBuilder
{
    public static SeedCluster Build(Ks34Profile profile)
    {
        var ctx = new SeedContext(profile);
        ctx.AddRange(Ks34Crds.All(profile.IsHost));
        NodesPart.Add(ctx);
        SystemPart.Add(ctx);
        KubeSpherePart.Add(ctx);
        RedisPart.Add(ctx);
        TenantPart.Add(ctx);
        MulticlusterPart.Add(ctx);
        GatewayPart.Add(ctx);
        PodFillPart.Add(ctx);
        ExtrasPart.Add(ctx);
        return new SeedCluster
        {
            Name = profile.ClusterName,
            KubernetesVersion = profile.KubernetesVersion,
            Objects = ctx.Objects,
            JobRunSeconds = profile.JobRunSeconds,
            PodReadySeconds = profile.PodReadySeconds,
        };
    }
}
