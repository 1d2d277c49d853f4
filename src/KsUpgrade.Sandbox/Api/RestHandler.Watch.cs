using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api.Selectors;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Api;

public sealed partial class RestHandler
{
    /// <summary>
    /// A fault rule cutting this watch (<see cref="Faults.FaultRule.CutWatchAfterEvents"/>, <see cref="Faults.FaultRule.CutWatchAfterMs"/>):
    /// the stream is answered and then aborted mid-way, without the clean end of the response.
    /// </summary>
    public Faults.FaultRule? WatchCut { get; init; }
    /// <summary>Called when the cut happens (the fault plan records it).</summary>
    public Action? OnWatchCut { get; init; }

    /// <summary>
    /// Streams watch events as newline-delimited JSON. Without a resourceVersion (or "0") the current objects come first
    /// as ADDED; with one, the events after it (410 Expired when it is older than the kept history).
    /// sendInitialEvents=true sends the current objects and then a BOOKMARK marked k8s.io/initial-events-end.
    /// </summary>
    private async Task WatchAsync(HttpContext ctx, ResourceType t, string? ns, string? singleName)
    {
        var labels = LabelSelector.Parse(HttpIo.Query(ctx, "labelSelector"));
        var fields = FieldSelector.Parse(HttpIo.Query(ctx, "fieldSelector"), t);
        var rvText = HttpIo.Query(ctx, "resourceVersion");
        bool sendInitial = HttpIo.QueryBool(ctx, "sendInitialEvents");
        bool bookmarks = HttpIo.QueryBool(ctx, "allowWatchBookmarks");
        int timeout = int.TryParse(HttpIo.Query(ctx, "timeoutSeconds"), out var ts) && ts > 0 ? ts : 1800;
        string? nameFilter = singleName ?? fields.ExactName;

        bool Matches(JsonObject o) =>
            (ns is null || ObjectMeta.Namespace(o) == ns) && (nameFilter is null || ObjectMeta.Name(o) == nameFilter)
            && labels.Matches(o["metadata"]?["labels"] as JsonObject) && fields.Matches(o);

        var initial = new List<JsonObject>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        System.Threading.Channels.Channel<StoreEvent>? channel;
        long startRv;
        lock (_cluster.Store.Gate)
        {
            startRv = _cluster.Store.CurrentResourceVersion;
            bool fromNow = string.IsNullOrEmpty(rvText) || rvText == "0" || sendInitial;
            foreach (var (key, o) in _cluster.Store.List(t.GroupResource, ns))
            {
                if (!Matches(o)) continue;
                known.Add(key);
                if (fromNow) initial.Add(_cluster.Present(t, o));
            }
            if (fromNow) channel = _cluster.Store.Subscribe(null);
            else
            {
                if (!long.TryParse(rvText, out var from)) throw ApiException.BadRequest($"invalid resource version: {rvText}");
                channel = _cluster.Store.Subscribe(from);
            }
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        var body = ctx.Response.Body;
        int sent = 0;
        int? cutAfterEvents = WatchCut?.CutWatchAfterEvents;
        async Task Send(string type, JsonObject obj)
        {
            var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n";
            await body.WriteAsync(Encoding.UTF8.GetBytes(line), ctx.RequestAborted);
            await body.FlushAsync(ctx.RequestAborted);
            if (type != "BOOKMARK" && ++sent >= cutAfterEvents)
            {
                // let a reading client take the event first (a reset connection discards what it has not read yet)
                await Task.Delay(100, ctx.RequestAborted);
                throw new WatchCutException();
            }
        }

        if (channel is null)
        {
            await Send("ERROR", StatusObjects.Failure(410, "Expired", $"too old resource version: {rvText}", new JsonObject()));
            return;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        cts.CancelAfter(TimeSpan.FromSeconds(timeout));
        using var cutTimer = new CancellationTokenSource();
        try
        {
            await ctx.Response.StartAsync(ctx.RequestAborted);
            await body.FlushAsync(ctx.RequestAborted);
            if (WatchCut?.CutWatchAfterMs is int cutMs)
            {
                cutTimer.CancelAfter(Math.Max(0, cutMs));
                if (cutMs <= 0) throw new WatchCutException();
            }
            if (cutAfterEvents <= 0) throw new WatchCutException();
            foreach (var o in initial) await Send("ADDED", o);
            if (sendInitial)
            {
                await Send("BOOKMARK", new JsonObject
                {
                    ["kind"] = t.Kind, ["apiVersion"] = t.ApiVersion,
                    ["metadata"] = new JsonObject
                    {
                        ["resourceVersion"] = startRv.ToString(),
                        ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
                    },
                });
            }
            var lastBookmark = DateTime.UtcNow;
            while (!cts.IsCancellationRequested)
            {
                StoreEvent ev;
                try
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, cutTimer.Token);
                    wait.CancelAfter(TimeSpan.FromSeconds(bookmarks ? 20 : 60));
                    ev = await channel.Reader.ReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (cutTimer.IsCancellationRequested && !cts.IsCancellationRequested)
                {
                    throw new WatchCutException();
                }
                catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                {
                    if (bookmarks)
                        await Send("BOOKMARK", new JsonObject
                        {
                            ["kind"] = t.Kind, ["apiVersion"] = t.ApiVersion,
                            ["metadata"] = new JsonObject { ["resourceVersion"] = _cluster.Store.CurrentResourceVersion.ToString() },
                        });
                    continue;
                }
                catch (System.Threading.Channels.ChannelClosedException) { break; }
                if (ev.GroupResource != t.GroupResource) continue;
                if (ns is not null && ev.Namespace != ns) continue;
                var key = ObjectStore.Key(ev.Namespace, ev.Name);
                var evObj = ev.ParseObject();
                bool matches = Matches(evObj);
                string? type = ev.Type switch
                {
                    "DELETED" => known.Remove(key) || matches ? "DELETED" : null,
                    _ when matches => known.Add(key) ? "ADDED" : "MODIFIED",
                    _ => known.Remove(key) ? "DELETED" : null,
                };
                if (ev.Type == "ADDED" && type == "MODIFIED") type = "ADDED";
                if (type is null) continue;
                evObj["apiVersion"] = t.ApiVersion;
                evObj["kind"] = t.Kind;
                await Send(type, evObj);
            }
        }
        catch (WatchCutException)
        {
            // the stream breaks mid-way: no terminating chunk (HTTP/1.1) or a reset stream (HTTP/2)
            OnWatchCut?.Invoke();
            ctx.Abort();
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        finally
        {
            _cluster.Store.Unsubscribe(channel);
        }
    }
}

/// <summary>Thrown inside a watch to cut its stream (a fault rule).</summary>
internal sealed class WatchCutException : Exception
{
}
