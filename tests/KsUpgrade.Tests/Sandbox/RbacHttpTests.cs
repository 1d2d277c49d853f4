using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Authorization;
using KsUpgrade.Sandbox.Hosting;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>A sandbox with a read-only identity "ro" (user viewer: get/list/watch pods, nothing else) bound by kubectl apply.</summary>
public sealed class RbacSandboxFixture : IAsyncLifetime
{
    public SandboxHost Host { get; private set; } = null!;
    public KubectlRunner Kubectl { get; private set; } = null!;
    public MintedIdentity ReadOnly { get; private set; } = null!;
    public const string Cluster = "test";
    public const string ReadOnlyContext = "test-ro";

    public const string PodViewer = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: pod-viewer
        rules:
        - apiGroups: [""]
          resources: ["pods"]
          verbs: ["get", "list", "watch"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: viewer-pods
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: pod-viewer
        subjects:
        - apiGroup: rbac.authorization.k8s.io
          kind: User
          name: viewer
        """;

    public async Task InitializeAsync()
    {
        Host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { TestSeed.Build(Cluster) } });
        Kubectl = new KubectlRunner(Host.KubeconfigPath);
        ReadOnly = Host.MintUserIdentity("ro", "viewer");
        await Kubectl.OkWithInputAsync(PodViewer, "--context", Cluster, "apply", "-f", "-");
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Identities and RBAC over HTTP and through real kubectl.</summary>
public sealed class RbacHttpTests : IClassFixture<RbacSandboxFixture>
{
    private readonly RbacSandboxFixture _f;
    public RbacHttpTests(RbacSandboxFixture f) => _f = f;

    private HttpClient Client(string token)
    {
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        var client = new HttpClient(handler) { BaseAddress = new Uri(_f.Host.ServerUrl(RbacSandboxFixture.Cluster) + "/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task A_denied_request_gets_a_403_Status_with_the_api_servers_wording()
    {
        using var client = Client(_f.ReadOnly.Token);
        var response = await client.GetAsync("api/v1/namespaces/apps/configmaps/web-config");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("v1", (string?)status["apiVersion"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal(403, (int?)status["code"]);
        Assert.Equal("configmaps \"web-config\" is forbidden: User \"viewer\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"apps\"",
            (string?)status["message"]);
        Assert.Equal("web-config", (string?)status["details"]!["name"]);
        Assert.Equal("configmaps", (string?)status["details"]!["kind"]);
        // what the role grants is served
        var pods = await client.GetAsync("api/v1/namespaces/apps/pods");
        Assert.Equal(HttpStatusCode.OK, pods.StatusCode);
        // discovery and /version need no binding
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("version")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("apis")).StatusCode);
    }

    [Fact]
    public async Task The_control_API_is_for_the_admin_only_and_unknown_tokens_are_unauthorized()
    {
        using var ro = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        ro.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _f.ReadOnly.Token);
        var control = await ro.GetAsync(_f.Host.ControlUrl + "/identities");
        Assert.Equal(HttpStatusCode.Forbidden, control.StatusCode);
        using var nobody = Client("not-a-token-of-this-sandbox");
        Assert.Equal(HttpStatusCode.Unauthorized, (await nobody.GetAsync("api/v1/namespaces/apps/pods")).StatusCode);
    }

    [Fact]
    public async Task Identities_are_minted_listed_and_revoked_through_the_control_API_without_showing_tokens()
    {
        using var admin = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _f.Host.Token);
        var created = await admin.PostAsync(_f.Host.ControlUrl + "/identities",
            new StringContent("""{"name":"temp","serviceAccount":"ops/temp-reader"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var minted = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var token = (string)minted["token"]!;
        Assert.Equal("system:serviceaccount:ops:temp-reader", (string?)minted["user"]);
        Assert.Equal(new[] { "test-temp" }, minted["contexts"]!.AsArray().Select(c => (string)c!).ToArray());
        Assert.Contains("system:serviceaccounts:ops", minted["groups"]!.AsArray().Select(g => (string)g!));

        var list = await admin.GetStringAsync(_f.Host.ControlUrl + "/identities");
        Assert.Contains("temp-reader", list);
        Assert.DoesNotContain(token, list);
        Assert.Contains("\"test-temp\"", await File.ReadAllTextAsync(_f.Host.KubeconfigPath));

        using (var asTemp = Client(token))
            Assert.Equal(HttpStatusCode.Forbidden, (await asTemp.GetAsync("api/v1/namespaces/apps/pods")).StatusCode);
        var deleted = await admin.DeleteAsync(_f.Host.ControlUrl + "/identities/temp");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using (var revoked = Client(token))
            Assert.Equal(HttpStatusCode.Unauthorized, (await revoked.GetAsync("api/v1/namespaces/apps/pods")).StatusCode);
        Assert.DoesNotContain("\"test-temp\"", await File.ReadAllTextAsync(_f.Host.KubeconfigPath));
        var bad = await admin.PostAsync(_f.Host.ControlUrl + "/identities",
            new StringContent("""{"name":"Bad Name","user":"x"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_kubeconfig_keeps_the_admin_first_and_stays_owner_only()
    {
        var text = await File.ReadAllTextAsync(_f.Host.KubeconfigPath);
        var firstToken = System.Text.RegularExpressions.Regex.Match(text, "token: \"([^\"]+)\"").Groups[1].Value;
        Assert.Equal(_f.Host.Token, firstToken);
        Assert.Contains("- name: \"test-ro\"\n  context:\n    cluster: \"test\"\n    user: \"test-ro\"", text);
        Assert.Contains("current-context: \"test\"", text);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_f.Host.KubeconfigPath));
    }

    [Fact]
    public async Task Kubectl_with_the_read_only_context_lists_pods_and_is_forbidden_secrets()
    {
        var pods = await _f.Kubectl.OkAsync("--context", RbacSandboxFixture.ReadOnlyContext, "get", "pods", "-A", "-o", "name");
        Assert.Contains("pod/runner", pods);
        var secrets = await _f.Kubectl.RunAsync("--context", RbacSandboxFixture.ReadOnlyContext, "get", "secrets", "-A");
        Assert.NotEqual(0, secrets.ExitCode);
        Assert.Contains("Error from server (Forbidden): secrets is forbidden: User \"viewer\" cannot list resource \"secrets\" in API group \"\" at the cluster scope",
            secrets.StdErr);
        // the admin context is unaffected
        await _f.Kubectl.OkAsync("--context", RbacSandboxFixture.Cluster, "get", "secrets", "-A");
    }

    [Fact]
    public async Task Kubectl_auth_can_i_and_whoami_answer_for_the_identity()
    {
        var ro = RbacSandboxFixture.ReadOnlyContext;
        var secrets = await _f.Kubectl.RunAsync("--context", ro, "auth", "can-i", "list", "secrets", "-A");
        Assert.Equal(1, secrets.ExitCode);
        Assert.Equal("no", secrets.StdOut.Trim());
        var pods = await _f.Kubectl.RunAsync("--context", ro, "auth", "can-i", "get", "pods");
        Assert.Equal(0, pods.ExitCode);
        Assert.Equal("yes", pods.StdOut.Trim());
        var log = await _f.Kubectl.RunAsync("--context", ro, "auth", "can-i", "get", "pods", "--subresource=log", "-n", "apps");
        Assert.Equal("no", log.StdOut.Trim());
        var adminSecrets = await _f.Kubectl.RunAsync("--context", RbacSandboxFixture.Cluster, "auth", "can-i", "list", "secrets", "-A");
        Assert.Equal("yes", adminSecrets.StdOut.Trim());
        // The seed is 1.26: no whoami (ApiFidelityTests checks it on 1.28); a denial names the user.
        Assert.Contains("User \"viewer\" cannot list resource \"secrets\"", (await _f.Kubectl.RunAsync("--context", ro, "get", "secrets", "-A")).StdErr);
        var list = await _f.Kubectl.OkAsync("--context", ro, "auth", "can-i", "--list", "-n", "apps");
        Assert.Matches(@"(?m)^pods\s+\[\]\s+\[\]\s+\[get list watch\]", list);
        Assert.DoesNotMatch(@"(?m)^secrets", list);
    }

    [Fact]
    public async Task Kubectl_as_impersonates_for_those_allowed_to_and_is_forbidden_for_others()
    {
        var admin = RbacSandboxFixture.Cluster;
        Assert.Equal("yes", (await _f.Kubectl.RunAsync("--context", admin, "auth", "can-i", "list", "pods", "-A", "--as", "viewer")).StdOut.Trim());
        Assert.Equal("no", (await _f.Kubectl.RunAsync("--context", admin, "auth", "can-i", "list", "secrets", "-A", "--as", "viewer")).StdOut.Trim());
        var asViewer = await _f.Kubectl.RunAsync("--context", admin, "get", "secrets", "-n", "apps", "--as", "viewer");
        Assert.Contains("secrets is forbidden: User \"viewer\" cannot list resource \"secrets\" in API group \"\" in the namespace \"apps\"", asViewer.StdErr);
        var sa = await _f.Kubectl.RunAsync("--context", admin, "get", "secrets", "-n", "apps", "--as", "system:serviceaccount:ops:robot");
        Assert.Contains("User \"system:serviceaccount:ops:robot\" cannot list resource \"secrets\"", sa.StdErr);
        // the read-only identity may not impersonate
        var denied = await _f.Kubectl.RunAsync("--context", RbacSandboxFixture.ReadOnlyContext, "get", "pods", "-n", "apps", "--as", "someone");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("users \"someone\" is forbidden: User \"viewer\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope", denied.StdErr);
    }

    [Fact]
    public async Task A_SubjectAccessReview_answers_for_the_user_it_names()
    {
        using var admin = Client(_f.Host.Token);
        async Task<bool> AllowedAsync(string resource)
        {
            var body = new JsonObject
            {
                ["apiVersion"] = "authorization.k8s.io/v1", ["kind"] = "SubjectAccessReview",
                ["spec"] = new JsonObject
                {
                    ["user"] = "viewer", ["groups"] = new JsonArray("system:authenticated"),
                    ["resourceAttributes"] = new JsonObject { ["verb"] = "list", ["resource"] = resource, ["namespace"] = "apps" },
                },
            }.ToJsonString();
            var response = await admin.PostAsync("apis/authorization.k8s.io/v1/subjectaccessreviews", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (bool)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]!["allowed"]!;
        }
        Assert.True(await AllowedAsync("pods"));
        Assert.False(await AllowedAsync("secrets"));
        // and the read-only identity may not ask about others
        using var ro = Client(_f.ReadOnly.Token);
        var forbidden = await ro.PostAsync("apis/authorization.k8s.io/v1/subjectaccessreviews",
            new StringContent("""{"spec":{"user":"x","resourceAttributes":{"verb":"get","resource":"pods"}}}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }
}
