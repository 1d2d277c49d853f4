using System.Collections.Concurrent;
using System.Management.Automation;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Hosting;

/// <summary>
/// Base of every KsUpgrade cmdlet: runs engine work off the pipeline thread while pumping its records
/// (Verbose, Information, Warning, Progress, output, ShouldProcess questions) onto the pipeline thread,
/// cancels the work on Ctrl+C (StopProcessing), and turns engine errors into ErrorRecords.
/// </summary>
public abstract class KsCmdletBase : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the runbook is stopped.</summary>
    protected CancellationToken Stopping => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs engine work and pumps its records until it finishes. Engine exceptions propagate.</summary>
    /// <remarks>
    /// A stop is mapped here, the same way for every cmdlet: work that ended because the pipeline was stopped (Ctrl+C,
    /// <c>[powershell]::Stop()</c>, a stopped runbook) ends the cmdlet with <see cref="PipelineStoppedException"/>, never
    /// with an ordinary ErrorRecord (KsUpgrade.Stopped is the engine's word for it, which no cmdlet reports).
    ///
    /// When a record cannot be written (a downstream <c>Select-Object -First</c> or Ctrl+C stops the pipeline, and the
    /// Write throws), no work is left behind: the engine is cancelled, every pending or later ShouldProcess question is
    /// answered "no", later records are dropped, and the worker is waited for before the exception goes on.
    /// </remarks>
    protected T RunEngine<T>(Func<IEngineLog, CancellationToken, Task<T>> work)
    {
        using var queue = new BlockingCollection<Action>();
        var log = new PumpedEngineLog(this, queue);
        var task = Task.Run(() => work(log, Stopping));
        task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
        try
        {
            foreach (var action in queue.GetConsumingEnumerable())
                action();
        }
        catch
        {
            _stopping.Cancel();
            log.Abandon();
            foreach (var _ in queue.GetConsumingEnumerable()) { } // drop what the worker still writes until it ends
            try { task.Wait(); }
            catch (AggregateException) { } // its cancellation or failure: the pipeline's own exception goes on
            throw;
        }
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (Exception e) when (Stopping.IsCancellationRequested && IsStop(e))
        {
            throw new PipelineStoppedException();
        }
    }

    private readonly HashSet<KsCluster> _announced = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Before a cmdlet's first change to a cluster: one Information record (tag KsUpgrade.Target) naming the context and
    /// the server it is about to change, so a transcript shows which cluster a runbook changed. Once per cluster and call.
    /// </summary>
    protected void WriteTarget(KsCluster cluster, string? role = null)
    {
        if (!_announced.Add(cluster)) return;
        var message = $"Target{(role is null ? "" : $" ({role})")}: context '{cluster.Context}' at {ServerForDisplay(cluster.Server)}.";
        WriteInformation(new InformationRecord(message, MyInvocation.MyCommand.Name) { Tags = { TargetTag } });
    }

    /// <summary>The tag of the Information record naming the cluster a cmdlet changes.</summary>
    public const string TargetTag = "KsUpgrade.Target";

    /// <summary>A server URL without user info or query (never a credential).</summary>
    protected static string ServerForDisplay(string server)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var u)) return server;
        if (u.UserInfo.Length == 0 && u.Query.Length == 0 && u.Fragment.Length == 0) return server;
        return new UriBuilder(u) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri.GetLeftPart(UriPartial.Path);
    }

    /// <summary>
    /// A cluster given as a peer (-HostCluster, -MemberCluster): itself while it holds its live connection, else (after
    /// Disconnect-KsCluster dropped its client) a new connection from its settings, as for -Cluster. Call it on the
    /// pipeline thread, before the engine work that uses the peer.
    /// </summary>
    protected KsCluster? Live(KsCluster? cluster) => cluster is null || cluster.Connection is not null ? cluster : Connect(cluster.Settings);

    protected KsCluster Connect(KsConnectionSettings settings)
    {
        try
        {
            return RunEngine((log, ct) => ClusterConnector.ConnectAsync(settings, log.Warning, ct));
        }
        catch (KsUpgradeException e)
        {
            ThrowTerminatingError(e);
            throw; // not reached
        }
    }

    /// <summary>
    /// -Chart as the engine takes it: a URL as given, a path resolved against PowerShell's current location; not given,
    /// ./charts/ks-core there, else the official chart (<see cref="KsUpgrade.Engine.Charts.KsCoreChartLocation.Default"/>).
    /// </summary>
    protected string ChartArgument(string? chart) => ChartArgumentOf(chart);

    internal string ChartArgumentOf(string? chart)
    {
        if (chart is null) return KsUpgrade.Engine.Charts.KsCoreChartLocation.Default(SessionState.Path.CurrentFileSystemLocation.Path);
        return Uri.TryCreate(chart, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? chart : GetUnresolvedProviderPathFromPSPath(chart);
    }

    /// <summary>The engine's ways of saying it stopped because it was asked to.</summary>
    private static bool IsStop(Exception e) =>
        e is OperationCanceledException || e is KsUpgradeException { ErrorId: ErrorIds.Stopped };

    protected void RunEngine(Func<IEngineLog, CancellationToken, Task> work) =>
        RunEngine<bool>(async (log, ct) => { await work(log, ct).ConfigureAwait(false); return true; });

    /// <summary>An ErrorRecord for an engine error: its ErrorId, category, target, and the remedy as RecommendedAction.</summary>
    protected static ErrorRecord ToErrorRecord(KsUpgradeException e)
    {
        var category = Enum.TryParse<ErrorCategory>(e.Category.ToString(), out var c) ? c : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(e, e.ErrorId, category, e.Target);
        record.ErrorDetails = new ErrorDetails(e.Message);
        if (!string.IsNullOrEmpty(e.Remedy)) record.ErrorDetails.RecommendedAction = e.Remedy;
        return record;
    }

    /// <summary>Throws the engine error as a terminating error: the cmdlet stops.</summary>
    protected void ThrowTerminatingError(KsUpgradeException e) => ThrowTerminatingError(ToErrorRecord(e));

    /// <summary>Writes the engine error as a non-terminating error; the cmdlet goes on with the next pipeline input.</summary>
    protected void WriteError(KsUpgradeException e) => WriteError(ToErrorRecord(e));

    private sealed class PumpedEngineLog : IEngineLog
    {
        private readonly KsCmdletBase _cmdlet;
        private readonly BlockingCollection<Action> _queue;

        public PumpedEngineLog(KsCmdletBase cmdlet, BlockingCollection<Action> queue)
        {
            _cmdlet = cmdlet;
            _queue = queue;
        }

        private readonly List<TaskCompletionSource<bool>> _questions = new();
        private volatile bool _abandoned;

        /// <summary>The pipeline stopped: pending and later ShouldProcess questions are answered "no", records dropped.</summary>
        public void Abandon()
        {
            _abandoned = true;
            lock (_questions)
            {
                foreach (var q in _questions) q.TrySetResult(false);
                _questions.Clear();
            }
        }

        private void Post(Action a)
        {
            if (_abandoned) return;
            try { _queue.Add(a); }
            catch (InvalidOperationException) { } // the work already ended
        }

        public void Verbose(string message) => Post(() => _cmdlet.WriteVerbose(message));
        public void Debug(string message) => Post(() => _cmdlet.WriteDebug(message));
        public void Warning(string message) => Post(() => _cmdlet.WriteWarning(message));
        public void Information(string message, params string[] tags) =>
            Post(() => _cmdlet.WriteInformation(new InformationRecord(message, _cmdlet.MyInvocation.MyCommand.Name), tags.Length == 0 ? new[] { "KsUpgrade" } : tags));

        public void Progress(int activityId, string activity, string status, int percent = -1, bool completed = false, int parentId = -1) =>
            Post(() =>
            {
                var record = new ProgressRecord(activityId, activity, string.IsNullOrEmpty(status) ? activity : status)
                {
                    PercentComplete = Math.Clamp(percent, -1, 100),
                    RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                    ParentActivityId = parentId,
                };
                _cmdlet.WriteProgress(record);
                // Runbooks keep Progress only when progress logging is on: say it on Verbose too.
                if (!completed) _cmdlet.WriteVerbose($"{activity}: {status}");
            });

        public void Output(object result) => Post(() => _cmdlet.WriteObject(result));

        public Task<bool> ShouldProcessAsync(string target, string action)
        {
            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_questions)
            {
                if (_abandoned) return Task.FromResult(false);
                _questions.Add(answer);
            }
            Post(() =>
            {
                try { answer.TrySetResult(_cmdlet.ShouldProcess(target, action)); }
                catch (Exception e) { answer.TrySetException(e); throw; }
                finally { lock (_questions) _questions.Remove(answer); }
            });
            return answer.Task;
        }
    }
}
