using System.Text;
using System.Text.Json;
using k8s;
using KsUpgrade.Engine.Connection;
using YamlDotNet.Core;

namespace KsUpgrade.Tests.Connection;

/// <summary>Our kubeconfig reader gives the same model as KubernetesClient's own loader, field for field.</summary>
public class KubeconfigReaderTests
{
    private const string Full = """
        apiVersion: v1
        kind: Config
        current-context: prod
        preferences:
          colors: true
        clusters:
        - name: prod
          cluster:
            server: https://10.0.0.1:6443
            certificate-authority-data: Q0E=
            tls-server-name: api.example
            unknown-field: ignored
        - name: dev
          cluster:
            server: https://dev:6443
            certificate-authority: ca.crt
            insecure-skip-tls-verify: true
        contexts:
        - name: prod
          context: {cluster: prod, user: admin, namespace: kubesphere-system}
        - name: dev
          context:
            cluster: dev
            user: exec-user
        users:
        - name: admin
          user:
            token: abc.def
            client-certificate-data: Q0VSVA==
            client-key-data: S0VZ
            as: someone
            as-groups: [a, b]
            as-user-extra: {team: platform}
        - name: certs
          user:
            client-certificate: c.crt
            client-key: c.key
            username: u
            password: p
        - name: exec-user
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: aws
              args: ["eks", "get-token", "--cluster-name", "x"]
              env:
              - name: AWS_PROFILE
                value: prod
              installHint: install it
              provideClusterInfo: true
              interactiveMode: Never
        - name: oidc
          user:
            auth-provider:
              name: oidc
              config:
                idp-issuer-url: https://issuer
                client-id: kube
        """;

    private const string Minimal = """
        clusters:
        - name: c
          cluster:
            server: "https://127.0.0.1:1234/clusters/host"
        contexts:
        - context:
            cluster: c
            user: u
          name: c
        users:
        - name: u
          user:
            token: "t0ken"
        """;

    private static string Json(object? o) => JsonSerializer.Serialize(o, new JsonSerializerOptions { WriteIndented = true });

    [Theory]
    [InlineData(Full)]
    [InlineData(Minimal)]
    [InlineData("apiVersion: v1\nkind: Config\nclusters: []\nusers:\ncontexts: ~\n")]
    [InlineData("")]
    public void Reads_the_same_model_as_KubernetesClient(string text)
    {
        var theirs = KubernetesClientConfiguration.LoadKubeConfig(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var ours = KubeconfigReader.Read(text);
        Assert.Equal(Json(theirs), Json(ours));
    }

    [Fact]
    public void The_full_example_is_really_read()
    {
        var c = KubeconfigReader.Read(Full)!;
        Assert.Equal("prod", c.CurrentContext);
        Assert.True(c.Clusters.Single(x => x.Name == "dev").ClusterEndpoint.SkipTlsVerify);
        Assert.Equal("kubesphere-system", c.Contexts.Single(x => x.Name == "prod").ContextDetails.Namespace);
        var exec = c.Users.Single(u => u.Name == "exec-user").UserCredentials.ExternalExecution;
        Assert.Equal("aws", exec.Command);
        Assert.Equal(4, exec.Arguments.Count);
        Assert.Equal("prod", exec.EnvironmentVariables.Single()["value"]);
        Assert.True(exec.ProvideClusterInfo);
        Assert.Equal("kube", c.Users.Single(u => u.Name == "oidc").UserCredentials.AuthProvider.Config["client-id"]);
        Assert.Equal(new[] { "a", "b" }, c.Users.Single(u => u.Name == "admin").UserCredentials.ImpersonateGroups);
    }

    [Theory]
    [InlineData("clusters: just-a-string\n")]
    [InlineData("- a\n- b\n")]
    [InlineData("users:\n- name: u\n  user:\n    token: [1, 2]\n")]
    [InlineData("clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: maybe\n")]
    public void A_field_of_the_wrong_shape_is_a_yaml_error_with_its_position(string text)
    {
        var e = Assert.Throws<YamlException>(() => KubeconfigReader.Read(text));
        Assert.True(e.Start.Line >= 1);
    }
}
