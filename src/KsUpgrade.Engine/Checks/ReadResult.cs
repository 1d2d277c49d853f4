namespace KsUpgrade.Engine.Checks;

/// <summary>A read made once per run and shared by the checks: the value, or why it could not be read.</summary>
public sealed class ReadResult<T>
{
    private readonly T? _value;

    private ReadResult(T? value, ClusterReadFailure? failure, string? error)
    {
        _value = value;
        Failure = failure;
        Error = error;
    }

    public static ReadResult<T> Ok(T value) => new(value, null, null);
    public static ReadResult<T> Failed(ClusterReadFailure failure, string error) => new(default, failure, error);

    public bool IsOk => Failure is null;

    /// <summary>Null when the read succeeded.</summary>
    public ClusterReadFailure? Failure { get; }

    /// <summary>Why the read failed ("not permitted to read nodes").</summary>
    public string? Error { get; }

    public T Value => IsOk ? _value! : throw new InvalidOperationException($"Read failed: {Error}");

    public T? ValueOrDefault => _value;
}
