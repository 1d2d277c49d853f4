using System.Globalization;
using System.Management.Automation;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Validation;

/// <summary>
/// A duration parameter ([TimeSpan]) takes what helm takes — 30m, 90s, 1h30m, 1.5h, 500ms — as well as a TimeSpan and
/// its "hh:mm:ss" text. A bare number (30, '600') is refused with a message saying to add a unit: it would be a guess
/// whether seconds or minutes were meant. PowerShell's parser turns an unquoted 90s into the Int16 90 (its 's' number
/// suffix), so an Int16 is taken as seconds.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        switch (value)
        {
            case null:
                return inputData!;
            case TimeSpan t:
                return t;
            case string s:
                return HelmDuration.TryParse(s, out var parsed, out var problem) ? parsed : throw new ArgumentTransformationMetadataException(problem);
            case short seconds:
                // PowerShell reads a bare 90s on the command line as the number literal 90 with its 's' (Int16) suffix:
                // that is helm's 90s, and the only way an Int16 arrives here in practice.
                return TimeSpan.FromSeconds(seconds);
            case byte or sbyte or ushort or int or uint or long or ulong or float or double or decimal:
                HelmDuration.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), out _, out var bare);
                throw new ArgumentTransformationMetadataException(bare);
            default:
                throw new ArgumentTransformationMetadataException($"A {value.GetType().Name} is not a duration: give one with a unit, such as 30m, 90s or 1h30m, or a TimeSpan.");
        }
    }
}

/// <summary>The range of a duration parameter, in helm's notation ("1s", "24h"); refused at binding with the range.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateDurationAttribute : ValidateArgumentsAttribute
{
    public ValidateDurationAttribute(string minimum, string maximum)
    {
        Minimum = HelmDuration.Parse(minimum);
        Maximum = HelmDuration.Parse(maximum);
    }

    public TimeSpan Minimum { get; }
    public TimeSpan Maximum { get; }

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (arguments is TimeSpan t && (t < Minimum || t > Maximum))
            throw new ValidationMetadataException(
                $"The duration {(t < TimeSpan.Zero ? "is negative" : t > Maximum ? "is too long" : "is too short")}: give one from {HelmDuration.Format(Minimum)} to {HelmDuration.Format(Maximum)}.");
    }
}
