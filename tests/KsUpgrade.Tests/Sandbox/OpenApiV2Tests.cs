using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>/openapi/v2 over plain HTTP: JSON and gnostic protobuf forms, content negotiation, ETag.</summary>
public sealed class OpenApiV2Tests : IClassFixture<SandboxFixture>, IDisposable
{
    private const string ProtobufAccept = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
    private const string DeploymentPath = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}";
    private readonly HttpClientHandler _handler;
    private readonly HttpClient _http;

    public OpenApiV2Tests(SandboxFixture f)
    {
        _handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null };
        _http = new HttpClient(_handler) { BaseAddress = new Uri(f.Host.ServerUrl(SandboxFixture.Cluster) + "/") };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", f.Host.Token);
    }

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }

    private async Task<HttpResponseMessage> GetAsync(string accept, string? ifNoneMatch = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "openapi/v2");
        req.Headers.TryAddWithoutValidation("Accept", accept);
        if (ifNoneMatch is not null) req.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return await _http.SendAsync(req);
    }

    [Fact]
    public async Task Json_form_lists_every_resource_with_its_kind_and_the_fieldValidation_parameter_and_no_schemas()
    {
        using var resp = await GetAsync("application/json");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("application/json", resp.Content.Headers.ContentType!.MediaType);
        var doc = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;

        Assert.Equal("2.0", doc["swagger"]!.GetValue<string>());
        Assert.Empty(doc["definitions"]!.AsObject());
        var deployments = doc["paths"]![DeploymentPath]!;
        var gvk = deployments["patch"]!["x-kubernetes-group-version-kind"]!;
        Assert.Equal(("apps", "v1", "Deployment"), (gvk["group"]!.GetValue<string>(), gvk["version"]!.GetValue<string>(), gvk["kind"]!.GetValue<string>()));
        Assert.Contains(deployments["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation" && p["in"]!.GetValue<string>() == "query");
        // core and cluster-scoped paths, and the seed's CRD
        Assert.NotNull(doc["paths"]!["/api/v1/namespaces/{namespace}/configmaps/{name}"]);
        Assert.NotNull(doc["paths"]!["/api/v1/nodes/{name}"]);
        Assert.Equal("Widget", doc["paths"]!["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]!["patch"]!["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Protobuf_form_is_a_gnostic_document_with_the_same_paths()
    {
        using var resp = await GetAsync(ProtobufAccept);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        // the dotted spelling: Go's mime parser (client-go) rejects the '@' form in a Content-Type
        Assert.Equal("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", resp.Content.Headers.GetValues("Content-Type").Single());
        var body = await resp.Content.ReadAsByteArrayAsync();

        var document = ProtoFields.Read(body);
        Assert.Equal("2.0", ProtoFields.Text(document.Single(f => f.Field == 1).Bytes));
        Assert.Single(document, f => f.Field == 9); // definitions (empty)
        var paths = ProtoFields.Read(document.Single(f => f.Field == 8).Bytes);
        var named = paths.Where(f => f.Field == 2).Select(f => ProtoFields.Read(f.Bytes)).ToList();
        var deployment = named.Single(n => ProtoFields.Text(n.Single(f => f.Field == 1).Bytes) == DeploymentPath);
        var pathItem = ProtoFields.Read(deployment.Single(f => f.Field == 2).Bytes);

        // PathItem.patch (8) → Operation.vendor_extension (13) → NamedAny{name, Any{yaml (2)}}
        var patch = ProtoFields.Read(pathItem.Single(f => f.Field == 8).Bytes);
        var extensions = patch.Where(f => f.Field == 13).Select(f => ProtoFields.Read(f.Bytes)).ToList();
        var gvk = extensions.Single(e => ProtoFields.Text(e.Single(f => f.Field == 1).Bytes) == "x-kubernetes-group-version-kind");
        var yaml = ProtoFields.Text(ProtoFields.Read(gvk.Single(f => f.Field == 2).Bytes).Single(f => f.Field == 2).Bytes);
        Assert.Equal("group: apps\nkind: Deployment\nversion: v1\n", yaml);

        // PathItem.parameters (9) → ParametersItem.parameter (1) → Parameter.non_body_parameter (2) → query sub-schema (3) → name (4)
        var queryNames = pathItem.Where(f => f.Field == 9)
            .Select(f => ProtoFields.Read(ProtoFields.Read(ProtoFields.Read(f.Bytes).Single().Bytes).Single().Bytes).Single())
            .Where(sub => sub.Field == 3)
            .Select(sub => ProtoFields.Text(ProtoFields.Read(sub.Bytes).Single(f => f.Field == 4).Bytes))
            .ToList();
        Assert.Contains("fieldValidation", queryNames);
        Assert.Contains("dryRun", queryNames);
    }

    [Fact]
    public async Task Unservable_media_types_are_refused_and_the_etag_answers_304()
    {
        using var refused = await GetAsync("text/plain");
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.StatusCode);

        using var first = await GetAsync("*/*");
        Assert.Equal("application/json", first.Content.Headers.ContentType!.MediaType);
        var etag = first.Headers.ETag!.Tag;
        using var again = await GetAsync("*/*", etag);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        using var proto = await GetAsync(ProtobufAccept, etag);
        Assert.Equal(HttpStatusCode.OK, proto.StatusCode); // another representation, another ETag
    }

    [Fact]
    public async Task A_crd_created_or_deleted_changes_the_document_in_both_forms_and_its_etag()
    {
        // the document is built once per set of served types (cached by content): a new kind must show at once, a deleted one go
        await using var host = await KsUpgrade.Sandbox.Hosting.SandboxHost.StartAsync(new KsUpgrade.Sandbox.Hosting.SandboxOptions { Clusters = new[] { TestSeed.Build(SandboxFixture.Cluster) } });
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(host.ServerUrl(SandboxFixture.Cluster) + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.Token);
        const string gadgets = "/apis/gadgets.example.org/v1/gadgets/{name}";
        async Task<(string Json, byte[] Proto, string JsonTag, string ProtoTag)> Get()
        {
            using var jreq = new HttpRequestMessage(HttpMethod.Get, "openapi/v2");
            jreq.Headers.TryAddWithoutValidation("Accept", "application/json");
            using var j = await http.SendAsync(jreq);
            using var preq = new HttpRequestMessage(HttpMethod.Get, "openapi/v2");
            preq.Headers.TryAddWithoutValidation("Accept", ProtobufAccept);
            using var p = await http.SendAsync(preq);
            return (await j.Content.ReadAsStringAsync(), await p.Content.ReadAsByteArrayAsync(), j.Headers.ETag!.Tag, p.Headers.ETag!.Tag);
        }
        bool ProtoHas(byte[] proto, string path) =>
            ProtoFields.Read(ProtoFields.Read(proto).Single(f => f.Field == 8).Bytes).Where(f => f.Field == 2)
                .Any(n => ProtoFields.Text(ProtoFields.Read(n.Bytes).Single(f => f.Field == 1).Bytes) == path);

        var before = await Get();
        Assert.Null(JsonNode.Parse(before.Json)!["paths"]![gadgets]);
        Assert.False(ProtoHas(before.Proto, gadgets));

        var crd = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.gadgets.example.org"},
             "spec":{"group":"gadgets.example.org","scope":"Cluster","names":{"kind":"Gadget","plural":"gadgets","singular":"gadget","listKind":"GadgetList"},
             "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}
            """;
        using (var created = await http.PostAsync("apis/apiextensions.k8s.io/v1/customresourcedefinitions", new StringContent(crd, Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var with = await Get();
        Assert.Equal("Gadget", JsonNode.Parse(with.Json)!["paths"]![gadgets]!["patch"]!["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.True(ProtoHas(with.Proto, gadgets), "the protobuf form lacks the new CRD's path");
        Assert.NotEqual(before.JsonTag, with.JsonTag);
        Assert.NotEqual(before.ProtoTag, with.ProtoTag);

        using (var deleted = await http.DeleteAsync("apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.gadgets.example.org"))
            Assert.True(deleted.IsSuccessStatusCode, $"delete: {deleted.StatusCode}");
        var after = await Get();
        Assert.Null(JsonNode.Parse(after.Json)!["paths"]![gadgets]);
        Assert.False(ProtoHas(after.Proto, gadgets));
        Assert.Equal(before.JsonTag, after.JsonTag);
    }

    /// <summary>A test-side protobuf reader: top-level fields of one message (length-delimited and varints).</summary>
    private static class ProtoFields
    {
        public static List<(int Field, byte[] Bytes)> Read(byte[] message)
        {
            var fields = new List<(int, byte[])>();
            var i = 0;
            while (i < message.Length)
            {
                var key = Varint(message, ref i);
                var field = (int)(key >> 3);
                switch (key & 7)
                {
                    case 0: fields.Add((field, BitConverter.GetBytes(Varint(message, ref i)))); break;
                    case 2:
                        var length = (int)Varint(message, ref i);
                        fields.Add((field, message[i..(i + length)]));
                        i += length;
                        break;
                    default: throw new InvalidDataException($"unexpected wire type {key & 7}");
                }
            }
            return fields;
        }

        public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

        private static ulong Varint(byte[] b, ref int i)
        {
            ulong v = 0;
            for (var shift = 0; ; shift += 7)
            {
                var x = b[i++];
                v |= (ulong)(x & 0x7f) << shift;
                if (x < 0x80) return v;
            }
        }
    }
}
