using System.Diagnostics;
using System.Text.Json.Nodes;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>The sandbox as a separate process: ready line, kubeconfig, exit when stdin closes or the parent is gone.</summary>
public sealed class SandboxProcessTests
{
    private static Process Start(string kubeconfig, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KsUpgrade.Sandbox.dll"));
        foreach (var a in new[] { "--seed", "empty", "--kubeconfig", kubeconfig }.Concat(extra)) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    [Fact]
    public async Task Prints_a_ready_line_serves_kubectl_and_exits_when_stdin_closes()
    {
        var dir = Directory.CreateTempSubdirectory("ksupgrade-proc-");
        var kubeconfig = Path.Combine(dir.FullName, "kc");
        var stateFile = Path.Combine(dir.FullName, "state.json");
        using var p = Start(kubeconfig, "--state-file", stateFile);
        try
        {
            var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var ready = JsonNode.Parse(line!)!;
            Assert.True(ready["ready"]!.GetValue<bool>());
            Assert.Equal(p.Id, ready["pid"]!.GetValue<int>());
            Assert.Equal(kubeconfig, ready["kubeconfig"]!.GetValue<string>());
            Assert.Equal(new[] { "sandbox" }, ready["contexts"]!.AsArray().Select(c => c!.GetValue<string>()));
            Assert.EndsWith("/_sandbox", ready["controlUrl"]!.GetValue<string>());
            var port = ready["port"]!.GetValue<int>();
            // Each cluster is its own API server: the first cluster's port, no path.
            Assert.Contains($"https://127.0.0.1:{port}\"", File.ReadAllText(kubeconfig));
            Assert.Equal(port, ready["ports"]!["sandbox"]!.GetValue<int>());

            var ns = await new KubectlRunner(kubeconfig).OkAsync("get", "namespaces", "-o", "name");
            Assert.Contains("namespace/default", ns.Split('\n'));
            await new KubectlRunner(kubeconfig).OkAsync("create", "configmap", "kept", "--from-literal=a=b");

            p.StandardInput.Close();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, p.ExitCode);

            var state = JsonNode.Parse(File.ReadAllText(stateFile))!;
            var cluster = state["clusters"]!.AsArray().Single()!;
            Assert.Equal("sandbox", cluster["name"]!.GetValue<string>());
            Assert.Contains(cluster["objects"]!.AsArray(), o => o!["kind"]!.GetValue<string>() == "ConfigMap"
                && o["metadata"]!["name"]!.GetValue<string>() == "kept" && o["data"]!["a"]!.GetValue<string>() == "b");
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task Reports_an_error_line_and_fails_for_an_unknown_seed()
    {
        var dir = Directory.CreateTempSubdirectory("ksupgrade-proc-");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KsUpgrade.Sandbox.dll"));
        foreach (var a in new[] { "--seed", "no-such-seed", "--kubeconfig", Path.Combine(dir.FullName, "kc2") }) psi.ArgumentList.Add(a);
        using var bad = Process.Start(psi)!;
        var line = await bad.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await bad.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        var result = JsonNode.Parse(line!)!;
        Assert.False(result["ready"]!.GetValue<bool>());
        Assert.Contains("no-such-seed", result["error"]!.GetValue<string>());
        Assert.NotEqual(0, bad.ExitCode);
        dir.Delete(true);
    }

    [Fact]
    public async Task Exits_when_its_parent_process_is_gone()
    {
        var dir = Directory.CreateTempSubdirectory("ksupgrade-proc-");
        using var parent = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        using var p = Start(Path.Combine(dir.FullName, "kc"), "--parent-pid", parent.Id.ToString(), "--no-stdin-watch");
        try
        {
            var ready = JsonNode.Parse((await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)))!)!;
            Assert.True(ready["ready"]!.GetValue<bool>());
            await Task.Delay(1500);
            Assert.False(p.HasExited);
            parent.Kill();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, p.ExitCode);
        }
        finally
        {
            if (!p.HasExited) p.Kill(true);
            if (!parent.HasExited) parent.Kill();
            dir.Delete(true);
        }
    }
}
