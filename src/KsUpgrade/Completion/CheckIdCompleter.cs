using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Completion;

/// <summary>
/// Completes check Ids from the one catalogue (<see cref="CheckIds"/>), in report order; Ids already given to the
/// parameter are not offered again.
/// </summary>
public abstract class CheckIdCompleterBase : IArgumentCompleter
{
    protected abstract IReadOnlyList<string> Ids { get; }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = (wordToComplete ?? "").Trim('\'', '"');
        var given = fakeBoundParameters?[parameterName] switch
        {
            string s => new[] { s },
            object[] a => a.Select(x => x?.ToString() ?? "").ToArray(),
            _ => Array.Empty<string>(),
        };
        return Ids
            .Where(id => id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Where(id => !given.Contains(id, StringComparer.OrdinalIgnoreCase) || string.Equals(id, prefix, StringComparison.OrdinalIgnoreCase))
            .Select(id => new CompletionResult(id, id, CompletionResultType.ParameterValue, id))
            .ToList();
    }
}

/// <summary>Test-KsCluster -ExcludeCheck: every check Id.</summary>
public sealed class CheckIdCompleter : CheckIdCompleterBase
{
    protected override IReadOnlyList<string> Ids => CheckIds.All;
}

/// <summary>The upgrades' -IgnoreCheck: the pre-flight checks whose failure may be waived (never ChartRenders nor HelmVersion).</summary>
public sealed class WaivableCheckIdCompleter : CheckIdCompleterBase
{
    protected override IReadOnlyList<string> Ids => CheckIds.Waivable;
}
