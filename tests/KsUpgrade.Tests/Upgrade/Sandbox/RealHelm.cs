using System.Diagnostics;
using System.Text.RegularExpressions;
using KsUpgrade.Engine.Upgrade;

namespace KsUpgrade.Tests.Upgrade.Sandbox;

/// <summary>A test IUpgradeHelm running a real helm binary against a sandbox cluster (kubeconfig + context).</summary>
public sealed class RealHelm : IUpgradeHelm
{
    private readonly string _helm;
    private readonly string _kubeconfig;
    private readonly string _context;

    public RealHelm(string helm, string kubeconfig, string context)
    {
        _helm = helm;
        _kubeconfig = kubeconfig;
        _context = context;
    }

    public List<IReadOnlyList<string>> Calls { get; } = new();

    public async Task<int> MajorVersionAsync(CancellationToken ct)
    {
        var (code, stdout, _) = await RunAsync(new[] { "version", "--short" }, null, ct);
        Assert.Equal(0, code);
        var m = Regex.Match(stdout, @"v(\d+)\.");
        Assert.True(m.Success, stdout);
        return int.Parse(m.Groups[1].Value);
    }

    public async Task<string> TemplateAsync(HelmTemplateCall request, CancellationToken ct)
    {
        var (code, stdout, stderr) = await RunAsync(request.Arguments(), null, ct);
        if (code != 0) throw new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.FromStdErr, "helm template failed: " + stderr.Trim());
        return stdout;
    }

    public async Task<HelmUpgradeOutcome> UpgradeAsync(HelmUpgradeCall request, Action<string> outputLine, CancellationToken ct)
    {
        var (code, stdout, stderr) = await RunAsync(request.Arguments(), outputLine, ct);
        if (code != 0) throw new KsUpgradeException(ErrorIds.HelmUpgradeFailed, KsErrorCategory.FromStdErr, "helm upgrade failed: " + stderr.Trim());
        var m = Regex.Match(stdout, @"REVISION:\s*(\d+)");
        return new HelmUpgradeOutcome(m.Success ? int.Parse(m.Groups[1].Value) : null, Regex.Match(stdout, @"STATUS:\s*(\S+)").Groups[1].Value);
    }

    public async Task RollbackAsync(HelmRollbackCall request, CancellationToken ct)
    {
        var (code, _, stderr) = await RunAsync(request.Arguments(), null, ct);
        if (code != 0) throw new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.FromStdErr, "helm rollback failed: " + stderr.Trim());
    }

    private async Task<(int, string, string)> RunAsync(IReadOnlyList<string> args, Action<string>? line, CancellationToken ct)
    {
        Calls.Add(args);
        var psi = new ProcessStartInfo(_helm) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--kubeconfig"); psi.ArgumentList.Add(_kubeconfig);
        psi.ArgumentList.Add("--kube-context"); psi.ArgumentList.Add(_context);
        psi.Environment["HELM_CONFIG_HOME"] = Path.Combine(Path.GetTempPath(), "ksupgrade-helm-config");
        psi.Environment["HELM_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "ksupgrade-helm-cache");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try { await p.WaitForExitAsync(ct); }
        catch (OperationCanceledException) { p.Kill(true); throw; }
        var o = await stdout;
        if (line is not null) foreach (var l in o.Split('\n')) line(l);
        return (p.ExitCode, o, await stderr);
    }
}
