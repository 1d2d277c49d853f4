using System.Diagnostics;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Tests.Helm;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// A stopped run and the helm it is running: a writing helm command gets SIGTERM first (helm then cancels its operation
/// and records the release failed, instead of leaving it pending-upgrade), and is killed if it does not end in time.
/// </summary>
public sealed class HelmStopTests
{
    private static HelmUpgradeRequest Upgrade => new() { ReleaseName = "ks-core", Namespace = "kubesphere-system", Chart = "chart", Wait = true, Timeout = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task A_stopped_helm_upgrade_gets_SIGTERM_and_time_to_record_its_outcome()
    {
        if (OperatingSystem.IsWindows()) return; // no signals: helm is killed at once there
        using var tmp = new TempDir();
        var pidFile = tmp.File("pid");
        var marker = tmp.File("recorded");
        var script = HelmTestSupport.CreateScript(tmp.Path,
            $"trap 'kill $child 2>/dev/null; echo \"$1 failed\" > \"{marker}\"; exit 1' TERM\nsleep 60 &\nchild=$!\necho $$ > '{pidFile}'\nwait $child");
        var client = new HelmClient(script) { StopGrace = TimeSpan.FromSeconds(10) };
        using var cts = new CancellationTokenSource();
        var run = client.UpgradeAsync(Upgrade, cancellationToken: cts.Token);
        var pid = int.Parse(await HelmTestSupport.WaitForFileAsync(pidFile, TimeSpan.FromSeconds(10)));
        var clock = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.Equal("upgrade failed", File.ReadAllText(marker).Trim()); // its handler ran: it was not SIGKILLed
        Assert.False(HelmTestSupport.ProcessAlive(pid));
    }

    [Fact]
    public async Task A_helm_that_ignores_SIGTERM_is_killed_after_the_grace_and_a_read_only_command_at_once()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDir();
        var pidFile = tmp.File("pids");
        var script = HelmTestSupport.CreateScript(tmp.Path, $"trap '' TERM\nsleep 60 &\necho \"$$ $!\" > '{pidFile}'\nwait");
        // a grace long enough that "killed at once" and "killed after the grace" stay apart on a busy machine (with 800 ms,
        // killing and reaping a read-only helm once took 705 ms, over the 700 ms bound, while four test classes ran)
        var grace = TimeSpan.FromSeconds(3);
        var client = new HelmClient(script) { StopGrace = grace };

        using (var cts = new CancellationTokenSource())
        {
            var run = client.UpgradeAsync(Upgrade, cancellationToken: cts.Token);
            var pids = (await HelmTestSupport.WaitForFileAsync(pidFile, TimeSpan.FromSeconds(10))).Split(' ').Select(int.Parse).ToArray();
            var clock = Stopwatch.StartNew();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.InRange(clock.ElapsedMilliseconds, (long)grace.TotalMilliseconds - 100, (long)grace.TotalMilliseconds + 7200); // waited the grace, then killed
            for (var i = 0; i < 50 && pids.Any(HelmTestSupport.ProcessAlive); i++) await Task.Delay(100);
            Assert.All(pids, p => Assert.False(HelmTestSupport.ProcessAlive(p), $"process {p} still running"));
        }

        File.Delete(pidFile);
        using (var cts = new CancellationTokenSource())
        {
            var run = client.ShowCrdsAsync("chart", cts.Token);
            await HelmTestSupport.WaitForFileAsync(pidFile, TimeSpan.FromSeconds(10));
            var clock = Stopwatch.StartNew();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.True(clock.ElapsedMilliseconds < grace.TotalMilliseconds - 100, $"a read-only helm waited {clock.ElapsedMilliseconds} ms before being killed (the grace is {grace.TotalMilliseconds} ms)");
        }
    }
}
