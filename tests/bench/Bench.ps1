<#
.SYNOPSIS
    The benchmarks behind `./build.ps1 bench`: figures go to out/bench.json and a table is printed.
.DESCRIPTION
    On a scaled sandbox (500 nodes, 20,000 pods, 2,000 namespaces, 20,000 RBAC objects by default):
    - Test-KsCluster against a baseline that makes the kubectl invocations pre-check.sh makes (tests/bench/precheck-baseline.sh):
      wall time and API requests of each;
    - Import-Module time in a clean pwsh;
    - Get-KsGateway time, on the scaled sandbox and on a sandbox with $Gateways gateways (a generated seed file);
    - Backup-KsCluster against a baseline doing upgrade.sh's `kubectl get ... -o yaml` backup (tests/bench/backup-baseline.sh):
      wall time and API requests of each, and the peak resident memory (VmHWM) of a clean pwsh process that ran
      Backup-KsCluster, at full scale and at a tenth of it (nodes, namespaces, RBAC objects), to show memory stays flat.
    Targets (issue 4/8): Test-KsCluster >= 20x faster than the baseline and under 3 s; Backup-KsCluster >= 5x faster than
    its baseline, peak memory flat as the objects grow 10x.
    The fleet (issue 20, tests/bench/FleetBench.ps1, run first): 1 host + $FleetMembers members upgraded sequentially by
    the README's pipeline and by Invoke-KsUpgrade -ThrottleLimit $FleetThrottleLimit, in one run, and a single-cluster
    upgrade: speed-up (target >= 3x) and the peak memory of the parallel run's pwsh against the single upgrade's
    (target <= 1.5x). Without Invoke-KsUpgrade in the module the bench fails before it measures anything.
    -Suite Cluster runs only the first set, -Suite Fleet only the fleet; bench.json then holds only what ran.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    # The sandbox module (KsUpgrade.Sandbox); default: beside the product module.
    [string] $SandboxModulePath,
    [int] $Nodes = 500,
    [int] $Namespaces = 2000,
    [int] $PodsPerNode = 40,
    [int] $RbacObjects = 20000,
    # The memory-flatness check backs up a second sandbox with Nodes, Namespaces and RbacObjects divided by this.
    [int] $MemoryScaleDivisor = 10,
    # Gateways of the Get-KsGateway sandbox (0 skips it).
    [int] $Gateways = 500,
    # All: the fleet, then the single-cluster benchmarks; Cluster or Fleet: only those.
    [ValidateSet('All', 'Cluster', 'Fleet')] [string] $Suite = 'All',
    # The fleet: members beside the host, Invoke-KsUpgrade's -ThrottleLimit, and how long each simulated job runs.
    [int] $FleetMembers = 8,
    [int] $FleetThrottleLimit = 4,
    [double] $FleetJobRunSeconds = 5
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$env:KSUPGRADE_MODULE = $ModulePath
if ($SandboxModulePath) { $env:KSUPGRADE_SANDBOX_MODULE = (Resolve-Path $SandboxModulePath).Path }
Import-Module $ModulePath -Force
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Force   # also imports the sandbox module
Import-Module (Join-Path $PSScriptRoot 'BenchHelpers.psm1') -Force
$work = Join-Path ([IO.Path]::GetTempPath()) "ksupgrade-bench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$kubectl = if ($env:KSUPGRADE_KUBECTL) { $env:KSUPGRADE_KUBECTL } else { (Get-Command kubectl -ErrorAction SilentlyContinue).Source }

function Get-RequestTotal($sandbox) { (Invoke-SandboxControl -Sandbox $sandbox -Path 'requests').total }
function Reset-Requests($sandbox) { Invoke-SandboxControl -Sandbox $sandbox -Method POST -Path 'requests/reset' | Out-Null }

$results = [ordered]@{
    machine = [ordered]@{ cores = [Environment]::ProcessorCount; os = [Runtime.InteropServices.RuntimeInformation]::OSDescription; runtime = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription; pwsh = $PSVersionTable.PSVersion.ToString() }
}

function Get-FleetRows($fleet) {
    foreach ($p in 'sequential', 'parallel', 'wide', 'guidesequential', 'guideparallel', 'single') {
        if (-not $fleet.Contains($p)) { continue }
        $label = switch ($p) { 'sequential' { "Fleet 1+$($fleet.members), README pipeline, sequential" } 'parallel' { "Fleet 1+$($fleet.members), Invoke-KsUpgrade -ThrottleLimit $($fleet.throttleLimit)" } 'wide' { "Fleet 1+$($fleet.members), Invoke-KsUpgrade -ThrottleLimit $($fleet.members)" } 'guidesequential' { "Fleet 1+$($fleet.members) with gateways, README pipeline (steps 1-5), sequential" } 'guideparallel' { "Fleet 1+$($fleet.members) with gateways, Invoke-KsUpgrade -ThrottleLimit $($fleet.throttleLimit) -IncludeGateways -RepointIngressClass" } 'single' { 'Single-cluster upgrade' } }
        [pscustomobject]@{ Measure = "$label (s)"; Value = $fleet[$p].seconds; Requests = ''; Target = '' }
        [pscustomobject]@{ Measure = "$label, peak memory (MB)"; Value = $fleet[$p].peakMemoryMB; Requests = ''; Target = '' }
        if ($fleet[$p].cpuSeconds) {
            [pscustomobject]@{ Measure = "$label, CPU s: pwsh+helm / sandbox+jobs (floor at all cores, s)"; Value = "$($fleet[$p].cpuSeconds.pwshAndHelm) / $($fleet[$p].cpuSeconds.sandboxAndJobs) ($($fleet[$p].cpuFloorSeconds))"; Requests = ''; Target = '' }
        }
    }
    if ($fleet.Contains('speedup')) { [pscustomobject]@{ Measure = "Fleet speed-up, -ThrottleLimit $($fleet.throttleLimit) (x)"; Value = $fleet.speedup; Requests = ''; Target = '>= 3' } }
    if ($fleet.Contains('ceiling')) {
        [pscustomobject]@{ Measure = "Fleet speed-up ceiling at -ThrottleLimit $($fleet.throttleLimit): host $($fleet.ceiling.hostSeconds) s + $($fleet.ceiling.waves) waves x member $($fleet.ceiling.meanMemberSeconds) s (x)"; Value = $fleet.ceiling.speedup; Requests = ''; Target = '' }
        if ($fleet.ceiling.Contains('reached')) { [pscustomobject]@{ Measure = 'Fleet speed-up / its ceiling'; Value = $fleet.ceiling.reached; Requests = ''; Target = '' } }
    }
    if ($fleet.Contains('speedupGuide')) { [pscustomobject]@{ Measure = "Fleet speed-up with gateways (the whole guide), -ThrottleLimit $($fleet.throttleLimit) (x)"; Value = $fleet.speedupGuide; Requests = ''; Target = '>= 3' } }
    if ($fleet.Contains('ceilingGuide')) { [pscustomobject]@{ Measure = "Its ceiling: host $($fleet.ceilingGuide.hostSeconds) s + $($fleet.ceilingGuide.waves) waves x member with gateways $($fleet.ceilingGuide.meanMemberWithGatewaysSeconds) s (x; reached)"; Value = "$($fleet.ceilingGuide.speedup) ($($fleet.ceilingGuide.reached))"; Requests = ''; Target = '' } }
    if ($fleet.Contains('peakMemoryRatioGuide')) { [pscustomobject]@{ Measure = 'Fleet with gateways peak memory / single upgrade (x)'; Value = $fleet.peakMemoryRatioGuide; Requests = ''; Target = '<= 1.5' } }
    if ($fleet.Contains('speedupWide')) { [pscustomobject]@{ Measure = "Fleet speed-up, -ThrottleLimit $($fleet.members) (x)"; Value = $fleet.speedupWide; Requests = ''; Target = '' } }
    if ($fleet.Contains('peakMemoryRatio')) { [pscustomobject]@{ Measure = 'Fleet peak memory / single upgrade (x)'; Value = $fleet.peakMemoryRatio; Requests = ''; Target = '<= 1.5' } }
}

if ($Suite -in 'All', 'Fleet') {
    # fails before it starts anything when the module has no Invoke-KsUpgrade: no figure is made up
    $results.fleet = & (Join-Path $PSScriptRoot 'FleetBench.ps1') -ModulePath $ModulePath -Members $FleetMembers -ThrottleLimit $FleetThrottleLimit -JobRunSeconds $FleetJobRunSeconds
    if ($Suite -eq 'Fleet') {
        $results | ConvertTo-Json -Depth 6 | Set-Content $OutputPath
        Get-FleetRows $results.fleet | Format-Table -AutoSize | Out-Host
        Write-Host "Figures written to $OutputPath"
        return
    }
}
$results.scale = [ordered]@{ nodes = $Nodes; namespaces = $Namespaces; podsPerNode = $PodsPerNode; rbacObjects = $RbacObjects }

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

    # Backup-KsCluster. A warm-up run here first, so the sandbox's list paths are warm for every timed run; then the
    # kubectl baseline; then one run in a clean pwsh (time, requests, peak memory: what a one-off invocation costs);
    # then the best of two warm runs in this process.
    Write-Host 'Measuring Backup-KsCluster and its kubectl baseline...'
    $null = $cluster | Backup-KsCluster -Path (Join-Path $work 'warm-up') -WarningAction SilentlyContinue
    if ($kubectl) {
        Reset-Requests $sandbox
        $b = Measure-BackupBaseline -Kubeconfig $sandbox.Kubeconfig -Kubectl $kubectl -OutputDir (Join-Path $work 'baseline')
        $results.backupBaseline = [ordered]@{ seconds = [math]::Round($b.Seconds, 2); requests = Get-RequestTotal $sandbox; files = $b.Files; megabytes = [math]::Round($b.Bytes / 1MB, 1) }
    }
    Reset-Requests $sandbox
    $large = Invoke-BackupInCleanPwsh -ModulePath $ModulePath -Kubeconfig $sandbox.Kubeconfig -Context $cluster.Context -BackupPath (Join-Path $work 'clean-full')
    $backupRequests = Get-RequestTotal $sandbox
    $warm = 1..2 | ForEach-Object { (Measure-Command { $null = $cluster | Backup-KsCluster -Path (Join-Path $work "warm-$_") -WarningAction SilentlyContinue }).TotalSeconds }
    $results.backupKsCluster = [ordered]@{
        seconds = [math]::Round($large.seconds, 2)
        warmSeconds = [math]::Round(($warm | Measure-Object -Minimum).Minimum, 2)
        requests = $backupRequests
        objects = $large.objects
        files = $large.files
        peakMemoryMB = [math]::Round($large.hwmKb / 1KB, 1)
        memoryAfterImportMB = [math]::Round($large.hwmAfterImportKb / 1KB, 1)
    }
    if ($results.Contains('backupBaseline')) {
        $results.backupSpeedup = [math]::Round($results.backupBaseline.seconds / $results.backupKsCluster.seconds, 1)
        $results.backupSpeedupWarm = [math]::Round($results.backupBaseline.seconds / $results.backupKsCluster.warmSeconds, 1)
    }
}
finally {
    $sandbox | Stop-KsSandbox -Confirm:$false
}

# Memory flatness: the same clean-pwsh backup on a sandbox with a tenth of the nodes, namespaces and RBAC objects.
$smallScale = [ordered]@{
    Nodes = [math]::Max(6, [int][math]::Floor($Nodes / $MemoryScaleDivisor)); Namespaces = [int][math]::Floor($Namespaces / $MemoryScaleDivisor)
    PodsPerNode = $PodsPerNode; RbacObjects = [int][math]::Floor($RbacObjects / $MemoryScaleDivisor)
}
Write-Host "Starting a sandbox at 1/$MemoryScaleDivisor scale for the memory check ($($smallScale.Namespaces) namespaces, $($smallScale.RbacObjects) RBAC objects)..."
$sandbox = Start-KsSandbox -Seed ks34-host -Scale ([hashtable] $smallScale)
try {
    $null = $sandbox.Clusters[0] | Backup-KsCluster -Path (Join-Path $work 'warm-up-small') -WarningAction SilentlyContinue
    $small = Invoke-BackupInCleanPwsh -ModulePath $ModulePath -Kubeconfig $sandbox.Kubeconfig -Context $sandbox.Clusters[0].Context -BackupPath (Join-Path $work 'clean-small')
}
finally {
    $sandbox | Stop-KsSandbox -Confirm:$false
}
$results.backupMemory = [ordered]@{
    small = [ordered]@{ scale = $smallScale; objects = $small.objects; seconds = [math]::Round($small.seconds, 2); peakMemoryMB = [math]::Round($small.hwmKb / 1KB, 1); memoryAfterImportMB = [math]::Round($small.hwmAfterImportKb / 1KB, 1) }
    full = [ordered]@{ scale = $results.scale; objects = $large.objects; seconds = [math]::Round($large.seconds, 2); peakMemoryMB = [math]::Round($large.hwmKb / 1KB, 1); memoryAfterImportMB = [math]::Round($large.hwmAfterImportKb / 1KB, 1) }
    objectRatio = [math]::Round($large.objects / $small.objects, 1)
    peakRatio = [math]::Round($large.hwmKb / $small.hwmKb, 2)
    # Growth of the peak over the process's size right after Import-Module: what the backup itself added.
    backupGrowthRatio = [math]::Round(($large.hwmKb - $large.hwmAfterImportKb) / [math]::Max(1, $small.hwmKb - $small.hwmAfterImportKb), 2)
}

# Get-KsGateway on a sandbox with $Gateways generated gateways (two release Secrets each, as in 3.4).
if ($Gateways -gt 0) {
    Write-Host "Starting a sandbox with $Gateways generated gateways..."
    $seedPath = New-GatewaySeedFile -Path (Join-Path $work 'gateways-seed.json') -Count $Gateways
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $sandbox = Start-KsSandbox -Seed $seedPath
    $gwStart = $sw.Elapsed.TotalSeconds
    try {
        $gwCluster = $sandbox.Clusters[0]
        $found = @($gwCluster | Get-KsGateway)   # warm-up, and the count
        Reset-Requests $sandbox
        $gwTimes = 1..3 | ForEach-Object { (Measure-Command { $null = $gwCluster | Get-KsGateway }).TotalSeconds }
        $results.getKsGatewayMany = [ordered]@{
            gateways = $found.Count; releases = @($found | ForEach-Object { $_.Releases }).Count
            seconds = [math]::Round(($gwTimes | Measure-Object -Minimum).Minimum, 3); requests = [math]::Round((Get-RequestTotal $sandbox) / 3)
            sandboxStartSeconds = [math]::Round($gwStart, 2)
        }
    }
    finally {
        $sandbox | Stop-KsSandbox -Confirm:$false
    }
}
Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue

$results | ConvertTo-Json -Depth 6 | Set-Content $OutputPath
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
$bk = $results.backupKsCluster
$rows += [pscustomobject]@{ Measure = "Backup-KsCluster, clean pwsh (s; $($bk.objects) objects)"; Value = $bk.seconds; Requests = $bk.requests; Target = '' }
$rows += [pscustomobject]@{ Measure = 'Backup-KsCluster, warm (s)'; Value = $bk.warmSeconds; Requests = ''; Target = '' }
if ($results.Contains('backupBaseline')) {
    $rows += [pscustomobject]@{ Measure = 'kubectl -o yaml backup baseline (s)'; Value = $results.backupBaseline.seconds; Requests = $results.backupBaseline.requests; Target = '' }
    $rows += [pscustomobject]@{ Measure = 'Backup speed-up, clean pwsh (x)'; Value = $results.backupSpeedup; Requests = ''; Target = '>= 5' }
    $rows += [pscustomobject]@{ Measure = 'Backup speed-up, warm (x)'; Value = $results.backupSpeedupWarm; Requests = ''; Target = '>= 5' }
}
$mem = $results.backupMemory
$rows += [pscustomobject]@{ Measure = "Backup peak memory, $($mem.small.objects) objects (MB)"; Value = $mem.small.peakMemoryMB; Requests = ''; Target = '' }
$rows += [pscustomobject]@{ Measure = "Backup peak memory, $($mem.full.objects) objects (MB)"; Value = $mem.full.peakMemoryMB; Requests = ''; Target = '' }
$rows += [pscustomobject]@{ Measure = "Backup peak memory ratio (objects x$($mem.objectRatio))"; Value = $mem.peakRatio; Requests = ''; Target = 'flat (<< 10)' }
if ($results.Contains('getKsGatewayMany')) {
    $rows += [pscustomobject]@{ Measure = "Get-KsGateway, $($results.getKsGatewayMany.gateways) gateways (s)"; Value = $results.getKsGatewayMany.seconds; Requests = $results.getKsGatewayMany.requests; Target = '' }
}
if ($results.Contains('fleet')) { $rows += @(Get-FleetRows $results.fleet) }
$rows | Format-Table -AutoSize | Out-Host
Write-Host "Figures written to $OutputPath"
