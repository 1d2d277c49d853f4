namespace KsUpgrade.Tests.ChecksOnSandbox;

public static class ReadOnlyAssert
{
    private static readonly HashSet<string> ReadVerbs = new(StringComparer.Ordinal) { "get", "list", "watch" };

    /// <summary>The run made requests, and every one of them was a get, list or watch.</summary>
    public static void OnlyReads(SandboxCheckRun run)
    {
        Assert.NotEmpty(run.Requests);
        var writes = run.Requests.Where(r => !ReadVerbs.Contains(r.Verb)).ToList();
        Assert.True(writes.Count == 0,
            "Non-read requests: " + string.Join(", ", writes.Select(w => $"{w.Verb} {w.Resource} x{w.Count}")));
    }
}
