using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KsUpgrade.Engine.Connection;

namespace KsUpgrade.Completion;

/// <summary>Completes -Context from the kubeconfig in effect (-Kubeconfig if typed, else $KUBECONFIG or ~/.kube/config). Silent on failure.</summary>
public sealed class ContextCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            IReadOnlyList<string>? paths = null;
            if (fakeBoundParameters.Contains("Kubeconfig"))
            {
                var value = fakeBoundParameters["Kubeconfig"];
                paths = value switch
                {
                    string s => new[] { s },
                    object[] a => a.Select(x => x?.ToString() ?? "").ToArray(),
                    _ => null,
                };
            }
            var names = ContextNames.From(paths);
            var prefix = wordToComplete.Trim('\'', '"');
            return names
                .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n.Contains(' ') ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n))
                .ToList();
        }
        catch
        {
            return Array.Empty<CompletionResult>();
        }
    }
}
