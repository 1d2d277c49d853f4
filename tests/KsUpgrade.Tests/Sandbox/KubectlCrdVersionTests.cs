using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>
/// CRDs that gain and lose versions, as real kubectl sees them: status.storedVersions keeps every version objects were
/// stored in, objects are served at every served version, and an update that no longer lists a stored version is
/// refused (422) as the API server's CRD validation does.
/// </summary>
public sealed class KubectlCrdVersionTests : IClassFixture<SandboxFixture>
{
    private readonly SandboxFixture _f;
    private ISandboxClusterView Store => _f.Host.Cluster(SandboxFixture.Cluster);
    public KubectlCrdVersionTests(SandboxFixture f) => _f = f;

    private static string Crd(params (string Name, bool Storage)[] versions) => $$"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: gadgets.versions.example.io
        spec:
          group: versions.example.io
          names: {kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget}
          scope: Cluster
          versions:
        {{string.Concat(versions.Select(v => $"  - name: {v.Name}\n    served: true\n    storage: {(v.Storage ? "true" : "false")}\n    schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}\n"))}}
        """;

    private JsonArray StoredVersions() =>
        Store.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, "gadgets.versions.example.io")!["status"]!["storedVersions"]!.AsArray();

    [Fact]
    public async Task A_crd_gaining_a_version_keeps_the_old_stored_version_and_refuses_to_drop_it()
    {
        await _f.Kubectl.OkWithInputAsync(Crd(("v1alpha2", true)), "apply", "-f", "-");
        await _f.Kubectl.OkWithInputAsync("apiVersion: versions.example.io/v1alpha2\nkind: Gadget\nmetadata:\n  name: old-one\n", "apply", "-f", "-");
        Assert.Equal(new[] { "v1alpha2" }, StoredVersions().Select(v => v!.GetValue<string>()));

        // the chart's CRD: v1alpha2 still served, v1beta1 the new storage version
        await _f.Kubectl.OkWithInputAsync(Crd(("v1alpha2", false), ("v1beta1", true)), "apply", "-f", "-");
        Assert.Equal(new[] { "v1alpha2", "v1beta1" }, StoredVersions().Select(v => v!.GetValue<string>()));
        var asBeta = await _f.Kubectl.OkAsync("get", "gadgets.v1beta1.versions.example.io", "old-one", "-o", "jsonpath={.apiVersion}");
        Assert.Equal("versions.example.io/v1beta1", asBeta);
        var asAlpha = await _f.Kubectl.OkAsync("get", "gadgets.v1alpha2.versions.example.io", "old-one", "-o", "jsonpath={.apiVersion}");
        Assert.Equal("versions.example.io/v1alpha2", asAlpha);

        // a CRD that no longer lists v1alpha2: refused while objects may still be stored in it
        var refused = await _f.Kubectl.RunWithInputAsync(Crd(("v1beta1", true)), "apply", "-f", "-");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("status.storedVersions[0]: Invalid value: \"v1alpha2\": must appear in spec.versions", refused.StdErr);
        Assert.Equal(2, Store.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, "gadgets.versions.example.io")!["spec"]!["versions"]!.AsArray().Count);
    }
}
