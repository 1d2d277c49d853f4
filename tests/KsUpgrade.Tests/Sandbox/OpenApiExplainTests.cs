using KsUpgrade.Sandbox.Hosting;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>
/// Issue 15, item 4: `kubectl explain` (OpenAPI v3, kubectl 1.32's default) works for the built-in kinds the seeds
/// serve and for custom resources from their CRD's openAPIV3Schema, which appear and disappear with the CRD.
/// </summary>
public sealed class OpenApiExplainTests
{
    private const string WidgetCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  description: A widget of the explain test.
                  properties:
                    spec:
                      type: object
                      description: What the widget should be.
                      required: [size]
                      properties:
                        size: {type: integer, description: How big the widget is in centimetres.}
                        colour: {type: string, description: Its colour.}
        """;

    [Fact]
    public async Task Kubectl_explain_describes_built_in_kinds_seeded_crds_and_a_crd_applied_now()
    {
        await using var host = await SandboxHost.StartAsync(new SandboxOptions { Seed = "ks34-host" });
        var kubectl = new KubectlRunner(host.KubeconfigPath);

        var containers = await kubectl.OkAsync("explain", "pods.spec.containers");
        Assert.Matches(@"KIND:\s+Pod\nVERSION:\s+v1\n", containers);
        Assert.Contains("FIELD: containers <[]Container>", containers);
        Assert.Matches(@"\n  image\s+<string>\n", containers);
        Assert.Matches(@"\n  name\s+<string> -required-\n", containers);
        Assert.Matches(@"\n  env\s+<\[\]EnvVar>\n", containers);

        var deployments = await kubectl.OkAsync("explain", "deployments");
        Assert.Matches(@"GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n", deployments);
        Assert.Contains("Deployment enables declarative updates for Pods and ReplicaSets.", deployments);
        Assert.Matches(@"\n  spec\s+<DeploymentSpec>\n", deployments);
        var selector = await kubectl.OkAsync("explain", "deployment.spec.selector");
        Assert.Contains("FIELD: selector <LabelSelector>", selector);
        Assert.Matches(@"\n  matchLabels\s+<map\[string\]string>\n", selector);
        Assert.Matches(@"\n  labels\s+<map\[string\]string>\n", await kubectl.OkAsync("explain", "configmaps.metadata"));
        // a built-in kind without field details in our table still explains its top level
        Assert.Matches(@"KIND:\s+Lease", await kubectl.OkAsync("explain", "leases"));

        var clusterSpec = await kubectl.OkAsync("explain", "clusters.cluster.kubesphere.io.spec");
        Assert.Matches(@"GROUP:\s+cluster.kubesphere.io\nKIND:\s+Cluster\nVERSION:\s+v1alpha1\n", clusterSpec);
        Assert.Contains("FIELD: spec <Object>", clusterSpec);
        Assert.Matches(@"\n  connection\s+<Object>\n", clusterSpec);
        Assert.Matches(@"\n  joinFederation\s+<boolean>\n", clusterSpec);

        var before = await kubectl.RunAsync("explain", "widgets");
        Assert.NotEqual(0, before.ExitCode);
        await kubectl.OkWithInputAsync(WidgetCrd, "apply", "-f", "-");
        await kubectl.OkAsync("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=20s");
        var size = await kubectl.OkAsync("explain", "widgets.spec.size");
        Assert.Matches(@"GROUP:\s+example.com\nKIND:\s+Widget\nVERSION:\s+v1\n", size);
        Assert.Contains("FIELD: size <integer>", size);
        Assert.Matches(@"How big the widget is in\s+centimetres\.", size);
        Assert.Matches(@"\n  size\s+<integer> -required-\n", await kubectl.OkAsync("explain", "widgets.spec"));
        Assert.Matches(@"\n  metadata\s+<ObjectMeta>\n", await kubectl.OkAsync("explain", "widgets"));

        await kubectl.OkAsync("delete", "crd", "widgets.example.com");
        var after = await kubectl.RunAsync("explain", "widgets");
        Assert.NotEqual(0, after.ExitCode);
        Assert.Contains("widgets", after.StdErr);
    }
}
