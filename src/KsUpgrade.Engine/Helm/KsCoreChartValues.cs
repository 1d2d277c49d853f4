using System.Text.RegularExpressions;

namespace KsUpgrade.Engine.Helm;

/// <summary>Image settings of an upgrade (upgrade.sh's TAG, KS_UPGRADE_TAG, IMAGE_REGISTRY, EXTENSION_IMAGE_REGISTRY, EXTENSION_VERSION).</summary>
public sealed record KsCoreImageSettings
{
    /// <summary>-Tag: KubeSphere version, <c>global.tag</c>.</summary>
    public string Tag { get; init; } = "v4.1.3";
    /// <summary>-ImageRegistry: <c>global.imageRegistry</c> and <c>upgrade.image.registry</c>.</summary>
    public string ImageRegistry { get; init; } = "docker.io";
    /// <summary>-UpgradeImageTag: ks-upgrade image tag; null means <see cref="Tag"/>.</summary>
    public string? UpgradeImageTag { get; init; }
    /// <summary>-ExtensionImageRegistry: <c>extension.imageRegistry</c> when set.</summary>
    public string? ExtensionImageRegistry { get; init; }
    /// <summary>-ExtensionVersion: the extensions museum image tag (<c>ksExtensionRepository.image.tag</c>).</summary>
    public string ExtensionVersion { get; init; } = "v1.1.5";

    public string EffectiveUpgradeImageTag => string.IsNullOrEmpty(UpgradeImageTag) ? Tag : UpgradeImageTag;

    /// <summary>Checks registries and tags before anything runs (InvalidParameter, InvalidArgument).</summary>
    public void Validate()
    {
        KsCoreChartValues.CheckRegistry(ImageRegistry, "-ImageRegistry");
        if (!string.IsNullOrEmpty(ExtensionImageRegistry)) KsCoreChartValues.CheckRegistry(ExtensionImageRegistry, "-ExtensionImageRegistry");
        KsCoreChartValues.CheckTag(Tag, "-Tag");
        KsCoreChartValues.CheckTag(EffectiveUpgradeImageTag, "-UpgradeImageTag");
        KsCoreChartValues.CheckTag(ExtensionVersion, "-ExtensionVersion");
    }
}

/// <summary>
/// The ks-core chart's names and the exact <c>--set</c> lists of the official flow (upgrade-reference §2 steps 8 and 11,
/// §4), with upgrade.sh's ignored key <c>kseExtensionRepository.image.tag</c> replaced by the chart's real key.
/// </summary>
public static partial class KsCoreChartValues
{
    public const string PrepareJobTemplate = "templates/prepare-upgrade-job.yaml";
    public const string DynamicJobTemplate = "templates/dynamic-upgrade-job.yaml";
    public const string PrepareJobName = "prepare-upgrade";
    public const string DynamicJobName = "dynamic-upgrade";

    /// <summary>Sets for rendering the prepare job (§2 step 8), in upgrade.sh's order; the values file goes with -f.</summary>
    public static IReadOnlyList<HelmSet> PrepareSets(KsCoreImageSettings images)
    {
        images.Validate();
        var sets = new List<HelmSet>
        {
            new("upgrade.prepare", "true"),
            new("upgrade.image.registry", images.ImageRegistry),
            new("upgrade.image.tag", images.EffectiveUpgradeImageTag),
        };
        if (!string.IsNullOrEmpty(images.ExtensionImageRegistry)) sets.Add(new("extension.imageRegistry", images.ExtensionImageRegistry));
        sets.Add(new("global.imageRegistry", images.ImageRegistry));
        sets.Add(new("global.tag", images.Tag));
        return sets;
    }

    /// <summary>Sets for <c>helm upgrade ks-core</c> (§2 step 11).</summary>
    /// <param name="role">host or member.</param>
    /// <param name="redisEnabled">cc <c>status.redis.status == enabled</c> → <c>ha.enabled=true</c>.</param>
    /// <param name="redisHa">cc <c>spec.common.redis.enableHA == true</c> → <c>redisHA.enabled=true</c>.</param>
    public static IReadOnlyList<HelmSet> UpgradeSets(KsCoreImageSettings images, KsClusterRole role, bool redisEnabled, bool redisHa)
    {
        images.Validate();
        var roleText = role switch
        {
            KsClusterRole.Host => "host",
            KsClusterRole.Member => "member",
            _ => throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                $"The upgrade needs the cluster's role (host or member), not {role}.", role),
        };
        var sets = new List<HelmSet>
        {
            new("multicluster.role", roleText),
            new("upgrade.image.registry", images.ImageRegistry),
            new("upgrade.image.tag", images.EffectiveUpgradeImageTag),
        };
        if (!string.IsNullOrEmpty(images.ExtensionImageRegistry)) sets.Add(new("extension.imageRegistry", images.ExtensionImageRegistry));
        // upgrade.sh sets "kseExtensionRepository.image.tag", which the chart does not have (silently ignored).
        sets.Add(new("ksExtensionRepository.image.tag", images.ExtensionVersion));
        sets.Add(new("global.imageRegistry", images.ImageRegistry));
        sets.Add(new("global.tag", images.Tag));
        if (redisEnabled) sets.Add(new("ha.enabled", "true"));
        if (redisHa) sets.Add(new("redisHA.enabled", "true"));
        sets.Add(new("upgrade.config.validator.extensionsMuseum.enabled", role == KsClusterRole.Host ? "true" : "false"));
        return sets;
    }

    /// <summary>Sets for rendering the gateway dynamic job (§4); upgrade.sh passes no values file here.</summary>
    public static IReadOnlyList<HelmSet> DynamicSets(KsCoreImageSettings images, string gatewayName)
    {
        images.Validate();
        if (string.IsNullOrEmpty(gatewayName) || !GatewayNameRegex().IsMatch(gatewayName))
        {
            throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument, $"'{gatewayName}' is not a valid gateway name.", gatewayName);
        }
        return new List<HelmSet>
        {
            new("upgrade.enabled", "true"),
            new("upgrade.dynamic", "true"),
            new("upgrade.config.jobs.gateway.enabled", "true"),
            new("upgrade.config.jobs.gateway.dynamicOptions.gatewayName", gatewayName),
            new("global.imageRegistry", images.ImageRegistry),
            new("global.tag", images.Tag),
            new("upgrade.image.tag", images.EffectiveUpgradeImageTag),
        };
    }

    internal static void CheckRegistry(string registry, string parameter)
    {
        if (string.IsNullOrEmpty(registry) || registry.Length > 255 || !RegistryRegex().IsMatch(registry))
        {
            throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                $"{parameter} '{registry}' is not an image registry (host[:port][/path], e.g. registry.example.com:5000/mirror).", registry);
        }
    }

    internal static void CheckTag(string tag, string parameter)
    {
        if (string.IsNullOrEmpty(tag) || !TagRegex().IsMatch(tag))
        {
            throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                $"{parameter} '{tag}' is not an image tag (letters, digits, '_', '.', '-'; at most 128).", tag);
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$")]
    private static partial Regex RegistryRegex();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagRegex();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial Regex GatewayNameRegex();
}
