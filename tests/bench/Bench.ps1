<#
.SYNOPSIS
    The benchmarks behind `./build.ps1 bench`: figures go to out/bench.json and a table is printed.
.DESCRIPTION
    On a scaled sandbox (500 nodes, 20,000 pods, 2,000 namespaces, 20,000 RBAC objects by default):
    - Test-KsCluster against a baseline that makes the kubectl invocations pre-check.sh makes (tests/bench/precheck-baseline.sh):
      wall time and API requests of each;
    - Import-Module time in a clean pwsh;
    - Get-KsGateway time.
    Targets (issue 4/8): Test-KsCluster >= 20x faster than the baseline and under 3 s.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [int] $Nodes = 500,
    [int] $Namespaces = 2000,
    [int] $PodsPerNode = 40,
    [int] $RbacObjects = 20000
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Force
$kubectl = if ($env:KSUPGRADE_KUBECTL) { $env:KSUPGRADE_KUBECTL } else { (Get-Command kubectl -ErrorAction SilentlyContinue).Source }

function Get-RequestTotal($sandbox) { (Invoke-SandboxControl -Sandbox $sandbox -Path 'requests').total }
function Reset-Requests($sandbox) { Invoke-SandboxControl -Sandbox $sandbox -Method POST -Path 'requests/reset' | Out-Null }

$results = [ordered]@{
    machine = [ordered]@{ cores = [Environment]::ProcessorCount; os = [Runtime.InteropServices.RuntimeInformation]::OSDescription; runtime = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription; pwsh = $PSVersionTable.PSVersion.ToString() }
    scale = [ordered]@{ nodes = $Nodes; namespaces = $Namespaces; podsPerNode = $PodsPerNode; rbacObjects = $RbacObjects }
}

# Import time, in a clean pwsh, best of three.
$imports = 1..3 | ForEach-Object {
    $r = Invoke-CleanPwsh "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$ModulePath'; `$sw.Elapsed.TotalMilliseconds"
    [double] $r.Output[-1]
}
$results.importModuleMs = [math]::Round(($imports | Measure-Object -Minimum).Minimum, 1)

Write-Host "Starting a scaled sandbox ($Nodes nodes, $($Nodes * $PodsPerNode) pods, $Namespaces namespaces)..."
$sw = [Diagnostics.Stopwatch]::StartNew()
$sandbox = Start-KsSandbox -Seed ks34-host -Scale @{ Nodes = $Nodes; Namespaces = $Namespaces; PodsPerNode = $PodsPerNode; RbacObjects = $RbacObjects }
$results.sandboxStartSeconds = [math]::Round($sw.Elapsed.TotalSeconds, 2)
try {
    $cluster = $sandbox.Clusters[0]
    $null = $cluster | Test-KsCluster -WarningAction SilentlyContinue   # warm-up (JIT, connection)

    Reset-Requests $sandbox
    $times = 1..3 | ForEach-Object { (Measure-Command { $null = $cluster | Test-KsCluster -WarningAction SilentlyContinue }).TotalSeconds }
    $results.testKsCluster = [ordered]@{ seconds = [math]::Round(($times | Measure-Object -Minimum).Minimum, 3); requests = [math]::Round((Get-RequestTotal $sandbox) / 3) }

    Reset-Requests $sandbox
    $gwTime = (Measure-Command { $null = $cluster | Get-KsGateway }).TotalSeconds
    $results.getKsGateway = [ordered]@{ seconds = [math]::Round($gwTime, 3); requests = Get-RequestTotal $sandbox }

    if ($kubectl) {
        Reset-Requests $sandbox
        $env:KUBECONFIG = $sandbox.Kubeconfig
        $env:KUBECTL = $kubectl
        $baseline = (Measure-Command { bash (Join-Path $PSScriptRoot 'precheck-baseline.sh') }).TotalSeconds
        Remove-Item env:KUBECONFIG
        $results.precheckBaseline = [ordered]@{ seconds = [math]::Round($baseline, 2); requests = Get-RequestTotal $sandbox }
        $results.testKsClusterSpeedup = [math]::Round($baseline / $results.testKsCluster.seconds, 1)
    }
}
finally {
    $sandbox | Stop-KsSandbox -Confirm:$false
}

$results | ConvertTo-Json -Depth 5 | Set-Content $OutputPath
$rows = @(
    [pscustomobject]@{ Measure = 'Import-Module (ms)'; Value = $results.importModuleMs; Requests = ''; Target = '< 1000' }
    [pscustomobject]@{ Measure = 'Sandbox start (s)'; Value = $results.sandboxStartSeconds; Requests = ''; Target = '' }
    [pscustomobject]@{ Measure = 'Test-KsCluster (s)'; Value = $results.testKsCluster.seconds; Requests = $results.testKsCluster.requests; Target = '< 3' }
    [pscustomobject]@{ Measure = 'Get-KsGateway (s)'; Value = $results.getKsGateway.seconds; Requests = $results.getKsGateway.requests; Target = '' }
)
if ($results.Contains('precheckBaseline')) {
    $rows += [pscustomobject]@{ Measure = 'pre-check.sh baseline (s)'; Value = $results.precheckBaseline.seconds; Requests = $results.precheckBaseline.requests; Target = '' }
    $rows += [pscustomobject]@{ Measure = 'Test-KsCluster speed-up (x)'; Value = $results.testKsClusterSpeedup; Requests = ''; Target = '>= 20' }
}
$rows | Format-Table -AutoSize | Out-Host
Write-Host "Figures written to $OutputPath"
