namespace KsUpgrade.Engine.Diagnostics;

/// <summary>
/// How the engine reports: the cmdlet layer turns each call into a PowerShell record (Verbose, Information,
/// Warning, Progress, Debug, output) written on the pipeline thread. Never pass a secret to any of these.
/// </summary>
public interface IEngineLog
{
    void Verbose(string message);
    void Debug(string message);
    void Warning(string message);
    /// <summary>An Information record with tags (e.g. KsUpgrade.Step).</summary>
    void Information(string message, params string[] tags);
    /// <summary>A progress update; percent -1 when unknown; completed ends the activity.</summary>
    void Progress(int activityId, string activity, string status, int percent = -1, bool completed = false, int parentId = -1);
    /// <summary>A result object written to the output stream as soon as it is ready.</summary>
    void Output(object result);
    /// <summary>Asks ShouldProcess on the pipeline thread; false under -WhatIf or when the user declines.</summary>
    Task<bool> ShouldProcessAsync(string target, string action);
}

/// <summary>A log that drops everything and approves every action: for tests and library use.</summary>
public sealed class NullEngineLog : IEngineLog
{
    public static readonly NullEngineLog Instance = new();
    public void Verbose(string message) { }
    public void Debug(string message) { }
    public void Warning(string message) { }
    public void Information(string message, params string[] tags) { }
    public void Progress(int activityId, string activity, string status, int percent = -1, bool completed = false, int parentId = -1) { }
    public void Output(object result) { }
    public Task<bool> ShouldProcessAsync(string target, string action) => Task.FromResult(true);
}

/// <summary>A log that records everything: for tests.</summary>
public sealed class RecordingEngineLog : IEngineLog
{
    private readonly object _gate = new();
    public bool Approve { get; set; } = true;
    public List<(string Stream, string Message)> Records { get; } = new();
    public List<object> Outputs { get; } = new();
    public List<(string Target, string Action)> Asked { get; } = new();

    private void Add(string stream, string message) { lock (_gate) Records.Add((stream, message)); }
    /// <summary>A copy of the records so far, safe to read while the work still writes them.</summary>
    public IReadOnlyList<(string Stream, string Message)> Snapshot() { lock (_gate) return Records.ToList(); }
    public void Verbose(string message) => Add("Verbose", message);
    public void Debug(string message) => Add("Debug", message);
    public void Warning(string message) => Add("Warning", message);
    public void Information(string message, params string[] tags) => Add("Information", message);
    public void Progress(int activityId, string activity, string status, int percent = -1, bool completed = false, int parentId = -1) => Add("Progress", $"{activity}: {status}");
    public void Output(object result) { lock (_gate) Outputs.Add(result); }
    public Task<bool> ShouldProcessAsync(string target, string action)
    {
        lock (_gate) Asked.Add((target, action));
        return Task.FromResult(Approve);
    }
}

/// <summary>A log that passes everything to another: the base of decorators, which override only what they change.</summary>
public abstract class ForwardingEngineLog(IEngineLog inner) : IEngineLog
{
    protected IEngineLog Inner { get; } = inner;
    public virtual void Verbose(string message) => Inner.Verbose(message);
    public virtual void Debug(string message) => Inner.Debug(message);
    public virtual void Warning(string message) => Inner.Warning(message);
    public virtual void Information(string message, params string[] tags) => Inner.Information(message, tags);
    public virtual void Progress(int activityId, string activity, string status, int percent = -1, bool completed = false, int parentId = -1) =>
        Inner.Progress(activityId, activity, status, percent, completed, parentId);
    public virtual void Output(object result) => Inner.Output(result);
    public virtual Task<bool> ShouldProcessAsync(string target, string action) => Inner.ShouldProcessAsync(target, action);
}
