using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;

namespace KsUpgrade.Tests.Checks;

/// <summary>
/// A tiny in-process stand-in for the Kubernetes API, plugged into KubernetesClient as its HTTP handler, until the
/// sandbox lands: collections by path with limit/continue pagination (and remainingItemCount), equality label
/// selectors, GET of one item, pod log text, 403 on chosen paths. Records every request (method and URL).
/// </summary>
internal sealed class StubApiHandler : DelegatingHandler
{
    private readonly Dictionary<string, List<JsonObject>> _collections = new(StringComparer.Ordinal);

    public JsonObject Version { get; set; } = new() { ["major"] = "1", ["minor"] = "26", ["gitVersion"] = "v1.26.15" };
    public Dictionary<string, string> Logs { get; } = new(StringComparer.Ordinal);
    public HashSet<string> ForbiddenPaths { get; } = new(StringComparer.Ordinal);
    public bool SendRemainingItemCount { get; set; } = true;
    public List<(string Method, string PathAndQuery)> Requests { get; } = new();

    public void Add(string collectionPath, JsonObject item)
    {
        if (!_collections.TryGetValue(collectionPath, out var list))
            _collections[collectionPath] = list = new List<JsonObject>();
        list.Add(item);
    }

    public void Remove(string collectionPath, string name) =>
        _collections[collectionPath].RemoveAll(i => i["metadata"]?["name"]?.GetValue<string>() == name);

    /// <summary>Makes an empty collection exist (an empty LIST answers 200, not 404).</summary>
    public void Serve(string collectionPath)
    {
        if (!_collections.ContainsKey(collectionPath))
            _collections[collectionPath] = new List<JsonObject>();
    }

    public int Count(string pathPrefix) => Requests.Count(r => r.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal)
        && (r.PathAndQuery.Length == pathPrefix.Length || r.PathAndQuery[pathPrefix.Length] == '?'));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await Answer(request).ConfigureAwait(false);
        response.RequestMessage = request; // KubernetesClient reads it back
        return response;
    }

    private Task<HttpResponseMessage> Answer(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath.TrimEnd('/');
        lock (Requests)
            Requests.Add((request.Method.Method, request.RequestUri.PathAndQuery));
        if (request.Method != HttpMethod.Get)
            return Task.FromResult(Status(HttpStatusCode.MethodNotAllowed, "read-only stub"));
        if (ForbiddenPaths.Any(p => path.StartsWith(p, StringComparison.Ordinal)))
            return Task.FromResult(Status(HttpStatusCode.Forbidden, $"forbidden: {path}"));
        if (path == "/version")
            return Task.FromResult(Json(Version));
        if (path.EndsWith("/log", StringComparison.Ordinal))
        {
            var pod = path[..^"/log".Length];
            if (!Logs.TryGetValue(pod, out var log))
                return Task.FromResult(Status(HttpStatusCode.NotFound, "pod not found"));
            var query = HttpUtility.ParseQueryString(request.RequestUri.Query);
            var lines = log.TrimEnd('\n').Split('\n');
            if (int.TryParse(query["tailLines"], out var tail))
                lines = lines.TakeLast(tail).ToArray();
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(string.Join('\n', lines) + "\n") });
        }
        if (_collections.TryGetValue(path, out var items))
            return Task.FromResult(List(items, HttpUtility.ParseQueryString(request.RequestUri.Query)));
        var slash = path.LastIndexOf('/');
        if (slash > 0 && _collections.TryGetValue(path[..slash], out var parent))
        {
            var name = path[(slash + 1)..];
            var item = parent.FirstOrDefault(i => i["metadata"]?["name"]?.GetValue<string>() == name);
            if (item is not null)
                return Task.FromResult(Json(item));
        }
        return Task.FromResult(Status(HttpStatusCode.NotFound, $"not found: {path}"));
    }

    private HttpResponseMessage List(List<JsonObject> all, System.Collections.Specialized.NameValueCollection query)
    {
        IEnumerable<JsonObject> matching = all;
        if (query["labelSelector"] is { Length: > 0 } selector)
        {
            var terms = selector.Split(',').Select(t => t.Split('=', 2)).ToList();
            matching = all.Where(i => terms.All(t => i["metadata"]?["labels"]?[t[0]]?.GetValue<string>() == t[1]));
        }
        if (query["fieldSelector"] is { Length: > 0 } fields)
        {
            // only the top-level field labels the stub's callers use (e.g. type=kubernetes.io/service-account-token)
            var terms = fields.Split(',').Select(t => t.Split('=', 2)).ToList();
            matching = matching.Where(i => terms.All(t => i[t[0]]?.GetValue<string>() == t[1]));
        }
        var list = matching.ToList();
        var offset = int.TryParse(query["continue"], out var o) ? o : 0;
        var limit = int.TryParse(query["limit"], out var l) && l > 0 ? l : int.MaxValue;
        var page = list.Skip(offset).Take(limit).ToList();
        var meta = new JsonObject { ["resourceVersion"] = "1000" };
        var next = offset + page.Count;
        if (next < list.Count)
        {
            meta["continue"] = next.ToString();
            if (SendRemainingItemCount)
                meta["remainingItemCount"] = list.Count - next;
        }
        var body = new JsonObject { ["kind"] = "List", ["apiVersion"] = "v1", ["metadata"] = meta, ["items"] = new JsonArray(page.Select(p => (JsonNode)p.DeepClone()).ToArray()) };
        return Json(body);
    }

    private static HttpResponseMessage Json(JsonNode body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Status(HttpStatusCode code, string message) =>
        new(code)
        {
            Content = new StringContent(new JsonObject
            {
                ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["message"] = message, ["code"] = (int)code,
            }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
}
