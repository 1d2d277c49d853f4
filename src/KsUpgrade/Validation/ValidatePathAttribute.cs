using System.Management.Automation;

namespace KsUpgrade.Validation;

/// <summary>
/// A file or folder path parameter (or each path of a string[]): not blank, no control character (NUL, line breaks...),
/// at most <see cref="MaxLength"/> characters. Refused at binding, before anything runs, with a message that names the
/// problem and its position but does not echo the value back.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidatePathAttribute : ValidateArgumentsAttribute
{
    /// <summary>Longer than any path a file system here accepts (Linux PATH_MAX is 4096).</summary>
    public const int MaxLength = 4096;

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        switch (arguments)
        {
            case string s: Check(s); break;
            case IEnumerable<string> many: foreach (var s in many) Check(s); break;
        }
    }

    /// <summary>Throws a ValidationMetadataException saying what is wrong with the path; returns when it is usable.</summary>
    public static void Check(string? path)
    {
        if (path is null || path.Trim().Length == 0)
            throw new ValidationMetadataException("The path is empty or only spaces; give a file or folder path.");
        if (path.Length > MaxLength)
            throw new ValidationMetadataException($"The path is {path.Length:n0} characters long; at most {MaxLength:n0} are accepted.");
        for (var i = 0; i < path.Length; i++)
        {
            if (char.IsControl(path[i]))
                throw new ValidationMetadataException($"The path holds the control character U+{(int)path[i]:X4} at position {i + 1}; a file path cannot.");
        }
    }
}
