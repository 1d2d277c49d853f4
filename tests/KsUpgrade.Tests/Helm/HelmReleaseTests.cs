using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Tests.Helm;

public class HelmReleaseDecoderTests
{
    private static HelmRelease Sample(string name = "ks-core", int revision = 3, string status = "deployed", string ns = "kubesphere-system") => new()
    {
        Name = name,
        Namespace = ns,
        Revision = revision,
        Status = status,
        ChartName = "ks-core",
        ChartVersion = "1.1.5",
        AppVersion = "v4.1.3",
        Config = new JsonObject { ["upgrade"] = new JsonObject { ["enabled"] = true, ["image"] = new JsonObject { ["tag"] = "v4.1.3" } } },
        Manifest = "---\n# Source: ks-core/templates/cm.yaml\nkind: ConfigMap\n",
        Description = "Upgrade complete",
        FirstDeployed = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
        LastDeployed = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero),
        Hooks = new[] { new HelmHook("ks-core-pre-upgrade", "Job", "ks-core/templates/pre-upgrade-job.yaml", new[] { "pre-upgrade" }, 0) },
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Encode_then_decode_round_trips(bool gzip)
    {
        var release = Sample();
        var data = HelmReleaseDecoder.Encode(release, gzip);
        // What lands in V1Secret.Data is base64 text (helm's own encoding), not raw gzip.
        Assert.All(data, b => Assert.True(b < 128));
        var decoded = HelmReleaseDecoder.Decode(data);
        Assert.Equal(release with { Config = decoded.Config, Hooks = decoded.Hooks }, decoded);
        Assert.Equal(release.Config.ToJsonString(), decoded.Config.ToJsonString());
        var hook = Assert.Single(decoded.Hooks);
        Assert.Equal(("ks-core-pre-upgrade", "Job", "pre-upgrade"), (hook.Name, hook.Kind, hook.Events.Single()));
    }

    [Fact]
    public async Task Decodes_json_that_real_helm_produced_stored_the_way_helm_stores_it()
    {
        using var tmp = new TempDir();
        var chart = HelmTestSupport.CreateChart(tmp.Path);
        var client = new HelmClient(HelmTestSupport.Helm4);
        // helm 4 can print a release without a cluster: a client-side dry-run install.
        var result = await client.RunAsync(new[] { "install", "ks-core", chart, "--namespace", "kubesphere-system", "--dry-run=client", "--output", "json", "--set", "greeting=yo" }, null);
        Assert.Equal(0, result.ExitCode);
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.SmallestSize, leaveOpen: true)) z.Write(Encoding.UTF8.GetBytes(result.StandardOutput));
        var secretData = Encoding.ASCII.GetBytes(Convert.ToBase64String(gz.ToArray()));

        var release = HelmReleaseDecoder.Decode(secretData, "kubesphere-system/sh.helm.release.v1.ks-core.v1");
        Assert.Equal(("ks-core", "kubesphere-system", 1, "pending-install"), (release.Name, release.Namespace, release.Revision, release.Status));
        Assert.Equal(("demo", "1.2.3", "v4.1.3"), (release.ChartName, release.ChartVersion, release.AppVersion));
        Assert.Equal("yo", release.Config["greeting"]!.GetValue<string>());
        Assert.Contains("name: ks-core-cm", release.Manifest);
        Assert.NotNull(release.LastDeployed);
        Assert.True(release.IsPending);
    }

    [Fact]
    public void Secret_built_for_a_release_has_helms_name_type_and_labels()
    {
        var secret = HelmReleaseDecoder.ToSecret(Sample(revision: 12, status: "pending-upgrade"));
        Assert.Equal("sh.helm.release.v1.ks-core.v12", secret.Metadata.Name);
        Assert.Equal("helm.sh/release.v1", secret.Type);
        Assert.Equal("helm", secret.Metadata.Labels["owner"]);
        Assert.Equal("12", secret.Metadata.Labels["version"]);
        Assert.Equal("pending-upgrade", secret.Metadata.Labels["status"]);
        Assert.Equal(12, HelmReleaseDecoder.DecodeSecret(secret).Revision);
    }

    [Theory]
    [InlineData("not base64 at all !!!")]
    [InlineData("H4sIAAAAAAAA")] // truncated gzip
    [InlineData("eyJub3QiOiAianNvbg")] // base64 of broken JSON
    [InlineData("W10=")] // base64 of [] : JSON but not a release
    public void Corrupt_data_is_HelmReleaseInvalid_without_echoing_the_data(string data)
    {
        var e = Assert.Throws<KsUpgradeException>(() => HelmReleaseDecoder.Decode(Encoding.ASCII.GetBytes(data), "ns/sh.helm.release.v1.x.v1"));
        Assert.Equal(ErrorIds.HelmReleaseInvalid, e.ErrorId);
        Assert.Contains("ns/sh.helm.release.v1.x.v1", e.Message);
        Assert.DoesNotContain(data, e.Message);
    }

    [Fact]
    public void A_secret_without_release_data_is_refused()
    {
        var secret = new V1Secret { Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = "n" }, Data = new Dictionary<string, byte[]>() };
        Assert.Equal(ErrorIds.HelmReleaseInvalid, Assert.Throws<KsUpgradeException>(() => HelmReleaseDecoder.DecodeSecret(secret)).ErrorId);
    }

    [Theory]
    [InlineData("pending-install", true)]
    [InlineData("pending-upgrade", true)]
    [InlineData("pending-rollback", true)]
    [InlineData("deployed", false)]
    [InlineData("failed", false)]
    [InlineData(null, false)]
    public void Pending_statuses(string? status, bool pending)
    {
        Assert.Equal(pending, HelmReleaseStatus.IsPending(status));
    }
}

public class HelmReleaseReaderTests
{
    /// <summary>Serves secret LISTs from a fixed set, honouring labelSelector (equality terms), namespace, limit and continue.</summary>
    private sealed class FakeSecretApi : DelegatingHandler
    {
        private readonly List<V1Secret> _secrets;
        public readonly List<string> Requests = new();

        public FakeSecretApi(IEnumerable<V1Secret> secrets) => _secrets = secrets.ToList();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            lock (Requests) Requests.Add(uri.PathAndQuery);
            var query = System.Web.HttpUtility.ParseQueryString(uri.Query);
            var segments = uri.AbsolutePath.Trim('/').Split('/');
            string? ns = segments.Length >= 4 && segments[2] == "namespaces" ? segments[3] : null;
            var selector = (query["labelSelector"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => t.Split('=')).ToList();
            var matching = _secrets
                .Where(s => ns is null || s.Metadata.NamespaceProperty == ns)
                .Where(s => selector.All(t => s.Metadata.Labels is { } l && l.TryGetValue(t[0], out var v) && v == t[1]))
                .ToList();
            var start = int.TryParse(query["continue"], out var c) ? c : 0;
            var limit = int.TryParse(query["limit"], out var l) ? l : int.MaxValue;
            var page = matching.Skip(start).Take(limit).ToList();
            var next = start + page.Count < matching.Count ? (start + page.Count).ToString() : null;
            var list = new V1SecretList { ApiVersion = "v1", Kind = "SecretList", Items = page, Metadata = new V1ListMeta { ContinueProperty = next } };
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                RequestMessage = request,
                Content = new StringContent(KubernetesJson.Serialize(list), Encoding.UTF8, "application/json"),
            });
        }
    }

    private static V1Secret Secret(string name, string ns, int revision, string status, string appVersion = "v3.3.2")
    {
        var release = new HelmRelease
        {
            Name = name, Namespace = ns, Revision = revision, Status = status, ChartName = name, ChartVersion = $"0.{revision}.0", AppVersion = appVersion,
        };
        return HelmReleaseDecoder.ToSecret(release);
    }

    private static (IKubeApi Client, FakeSecretApi Api) Client(params V1Secret[] secrets)
    {
        var api = new FakeSecretApi(secrets);
        var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://fake-api.invalid" }, api);
        return (new KubeApi(client, "fake", "http://fake-api.invalid"), api);
    }

    private static V1Secret[] Cluster() => new[]
    {
        Secret("ks-core", "kubesphere-system", 1, "superseded"),
        Secret("ks-core", "kubesphere-system", 2, "deployed"),
        Secret("ks-core", "kubesphere-system", 10, "pending-upgrade", "v4.1.3"), // 10 > 2 numerically, not lexically
        Secret("kubesphere-router-kubesphere-system", "kubesphere-controls-system", 1, "deployed"),
        Secret("kubesphere-router-kubesphere-system-ingress", "kubesphere-controls-system", 1, "superseded"),
        Secret("kubesphere-router-kubesphere-system-ingress", "kubesphere-controls-system", 2, "deployed"),
        Secret("kubesphere-router-demo", "kubesphere-controls-system", 1, "failed"),
        Secret("ks-redis", "kubesphere-system", 1, "deployed"),
    };

    [Fact]
    public async Task List_pages_through_all_namespaces_and_returns_the_latest_revision_per_release()
    {
        var (client, api) = Client(Cluster());
        var releases = await HelmReleaseReader.ListLatestAsync(client, null, null, pageSize: 3);
        Assert.Equal(new[]
        {
            "kubesphere-controls-system/kubesphere-router-demo v1 failed",
            "kubesphere-controls-system/kubesphere-router-kubesphere-system v1 deployed",
            "kubesphere-controls-system/kubesphere-router-kubesphere-system-ingress v2 deployed",
            "kubesphere-system/ks-core v10 pending-upgrade",
            "kubesphere-system/ks-redis v1 deployed",
        }, releases.Select(r => $"{r.Namespace}/{r.Name} v{r.Revision} {r.Status}"));
        Assert.Equal(3, api.Requests.Count); // 8 secrets, pages of 3
        Assert.All(api.Requests, r => Assert.StartsWith("/api/v1/secrets?", r));
        Assert.All(api.Requests, r => Assert.Contains("labelSelector=owner%3Dhelm", r));
    }

    [Fact]
    public async Task List_filters_by_namespace_and_name_prefix()
    {
        var (client, api) = Client(Cluster());
        var gateways = await HelmReleaseReader.ListLatestAsync(client, "kubesphere-controls-system", n => n.StartsWith("kubesphere-router"));
        Assert.Equal(3, gateways.Count);
        Assert.All(gateways, g => Assert.StartsWith("kubesphere-router", g.Name));
        Assert.All(api.Requests, r => Assert.StartsWith("/api/v1/namespaces/kubesphere-controls-system/secrets", r));
        var none = await HelmReleaseReader.ListLatestAsync(client, "default", null);
        Assert.Empty(none);
    }

    [Fact]
    public async Task Latest_and_history_of_one_release()
    {
        var (client, api) = Client(Cluster());
        var latest = await HelmReleaseReader.LatestAsync(client, "kubesphere-system", "ks-core");
        Assert.NotNull(latest);
        Assert.Equal((10, "pending-upgrade", "v4.1.3"), (latest!.Revision, latest.Status, latest.AppVersion));
        Assert.True(latest.IsPending);
        Assert.Equal("sh.helm.release.v1.ks-core.v10", latest.SecretName);
        Assert.Contains("labelSelector=owner%3Dhelm%2Cname%3Dks-core", api.Requests.Last());

        var history = await HelmReleaseReader.HistoryAsync(client, "kubesphere-system", "ks-core");
        Assert.Equal(new[] { 1, 2, 10 }, history.Select(h => h.Revision));
        var lastDeployed = await HelmReleaseReader.LastDeployedAsync(client, "kubesphere-system", "ks-core");
        Assert.Equal(2, lastDeployed!.Revision);
        Assert.Null(await HelmReleaseReader.LatestAsync(client, "kubesphere-system", "nope"));
    }

    [Fact]
    public async Task A_corrupt_secret_is_reported_and_read_from_its_labels()
    {
        var bad = Secret("broken", "ns", 1, "deployed");
        bad.Data["release"] = Encoding.ASCII.GetBytes("%%%garbage%%%");
        var (client, _) = Client(Secret("good", "ns", 1, "deployed"), bad);

        var errors = new List<HelmReleaseSecretError>();
        var releases = await HelmReleaseReader.ListLatestAsync(client, "ns", null, errors.Add);
        Assert.Equal(new[] { "broken", "good" }, releases.Select(r => r.Name));
        var broken = releases[0];
        Assert.Equal((1, "deployed", "", true), (broken.Revision, broken.Status, broken.ChartVersion, broken.DecodeError is not null));
        Assert.Null(releases[1].DecodeError);
        var error = Assert.Single(errors);
        Assert.Equal(("ns", "sh.helm.release.v1.broken.v1"), (error.Namespace, error.SecretName));
    }

    [Fact]
    public async Task Secrets_of_other_types_are_ignored()
    {
        var impostor = Secret("impostor", "ns", 1, "deployed");
        impostor.Type = "Opaque";
        var (client, _) = Client(impostor, Secret("real", "ns", 1, "deployed"));
        Assert.Equal("real", Assert.Single(await HelmReleaseReader.ListLatestAsync(client, "ns", null)).Name);
    }
}
