using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Tests.Checks;

public class ProcessHelmProbeTests
{
    private static string FakeHelm(string body)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"fake-helm-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "helm");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public async Task ReadsTheVersion_FromAnExplicitPath()
    {
        if (OperatingSystem.IsWindows()) return;
        var helm = FakeHelm("[ \"$1\" = version ] && printf 'v3.14.4'");
        try
        {
            var result = await new ProcessHelmProbe(helm).ProbeAsync(CancellationToken.None);
            Assert.True(result.Found, result.Error);
            Assert.Equal("v3.14.4", result.Version);
            Assert.Equal(helm, result.Path);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(helm)!, true);
        }
    }

    [Fact]
    public async Task FailingOrMissingHelm_IsNotFound_NotAnException()
    {
        if (OperatingSystem.IsWindows()) return;
        var helm = FakeHelm("echo 'boom' >&2; exit 3");
        try
        {
            var failing = await new ProcessHelmProbe(helm).ProbeAsync(CancellationToken.None);
            Assert.False(failing.Found);
            Assert.Contains("exit code 3", failing.Error);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(helm)!, true);
        }
        var missing = await new ProcessHelmProbe("/nonexistent/helm").ProbeAsync(CancellationToken.None);
        Assert.False(missing.Found);
        Assert.Contains("/nonexistent/helm", missing.Error);
    }
}
