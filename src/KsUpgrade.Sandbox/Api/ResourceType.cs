namespace KsUpgrade.Sandbox.Api;

/// <summary>One served resource type (a plural under a group/version) with its discovery facts.</summary>
public sealed record ResourceType
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public required string Kind { get; init; }
    public required bool Namespaced { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Categories { get; init; } = Array.Empty<string>();
    public bool HasStatus { get; init; }
    public bool HasScale { get; init; }
    public bool HasLog { get; init; }
    /// <summary>serviceaccounts/token (TokenRequest).</summary>
    public bool HasToken { get; init; }
    /// <summary>JSON paths (".spec.x") of extra table columns, from a CRD's additionalPrinterColumns.</summary>
    public IReadOnlyList<PrinterColumn> PrinterColumns { get; init; } = Array.Empty<PrinterColumn>();
    /// <summary>True when served because a CRD declares it.</summary>
    public bool FromCrd { get; init; }
    /// <summary>A CRD version's openAPIV3Schema (published in /openapi/v3 for `kubectl explain`).</summary>
    public System.Text.Json.Nodes.JsonObject? Schema { get; init; }
    /// <summary>The first Kubernetes minor version that serves this built-in (0: every version the sandbox models).</summary>
    public int SinceMinor { get; init; }
    /// <summary>A review-style type (create only, answered, never stored), e.g. SelfSubjectAccessReview.</summary>
    public bool Virtual { get; init; }
    public IReadOnlyList<string> Verbs => Virtual ? CreateOnly : AllVerbs;
    private static readonly IReadOnlyList<string> CreateOnly = new[] { "create" };

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
    public string ListKind => Kind + "List";

    public static readonly IReadOnlyList<string> AllVerbs =
        new[] { "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch" };
}

public sealed record PrinterColumn(string Name, string Type, string JsonPath, int Priority = 0);
