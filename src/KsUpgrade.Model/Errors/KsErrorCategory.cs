namespace KsUpgrade;

/// <summary>
/// The PowerShell ErrorCategory an engine error maps to. Mirrors the names of
/// System.Management.Automation.ErrorCategory so the engine needs no PowerShell reference.
/// </summary>
public enum KsErrorCategory
{
    NotSpecified,
    ConnectionError,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    InvalidType,
    MetadataError,
    NotImplemented,
    NotInstalled,
    ObjectNotFound,
    OperationStopped,
    OperationTimeout,
    ParserError,
    PermissionDenied,
    ResourceBusy,
    ResourceExists,
    ResourceUnavailable,
    ReadError,
    WriteError,
    AuthenticationError,
    SecurityError,
    LimitsExceeded,
    QuotaExceeded,
    SyntaxError,
    DeviceError,
    OpenError,
    CloseError,
    ProtocolError,
    DeadlockDetected,
    FromStdErr,
}
