<#
.SYNOPSIS
    The demo behind `./build.ps1 demo`: the seed upgrade guide, end to end, on a fresh ks34-multicluster sandbox.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

Write-Host "`n== Starting a sandbox: a KubeSphere 3.4 host with two members ==" -ForegroundColor Cyan
$sandbox = Start-KsSandbox -Seed ks34-multicluster
try {
    $sandbox | Format-List Seed, ProcessId, Port, Kubeconfig, Contexts | Out-Host
    $sandbox.Clusters | Format-Table Context, Server, KubernetesVersion, KubeSphereVersion, Role -AutoSize | Out-Host

    $hostCluster = $sandbox.Clusters | Where-Object Role -eq 'Host' | Select-Object -First 1
    $members = @($sandbox.Clusters | Where-Object Role -eq 'Member')
    if (-not $hostCluster) { throw 'The sandbox has no host cluster.' }

    $steps = [ordered]@{}
    foreach ($command in 'Test-KsCluster', 'Invoke-KsHostUpgrade', 'Invoke-KsMemberUpgrade', 'Get-KsGateway', 'Update-KsGateway', 'Remove-KsLegacyGateway') {
        $steps[$command] = [bool](Get-Command $command -Module KsUpgrade -ErrorAction SilentlyContinue)
    }

    if ($steps['Test-KsCluster']) {
        Write-Host "`n== Pre-flight: Test-KsCluster on the host ==" -ForegroundColor Cyan
        $report = $hostCluster | Test-KsCluster
        $report.Checks | Format-Table Id, Status, Message -AutoSize -Wrap | Out-Host
        Write-Host ("Pre-flight verdict: {0}" -f $(if ($report.Passed) { 'ready to upgrade' } else { 'NOT ready' }))
    }
    else {
        Write-Host "`nTest-KsCluster is not built yet; the demo shows the sandbox only." -ForegroundColor Yellow
    }

    $missing = @($steps.Keys | Where-Object { -not $steps[$_] })
    if ($missing.Count -gt 0) {
        Write-Host ("`nNot built yet, so not demonstrated: {0}" -f ($missing -join ', ')) -ForegroundColor Yellow
    }
    Write-Host "`nDemo finished: sandbox with $($sandbox.Contexts.Count) clusters ($($sandbox.Contexts -join ', '))." -ForegroundColor Green
}
finally {
    $sandbox | Stop-KsSandbox
}
