using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace KsUpgrade.Sandbox.PowerShell;

/// <summary>Completes -Seed with the named seeds.</summary>
public sealed class SeedCompleter : IArgumentCompleter
{
    public static readonly string[] Names = { "ks34-host", "ks34-member", "ks34-multicluster" };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Names.Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
}
