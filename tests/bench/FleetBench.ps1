<#
.SYNOPSIS
    The fleet benchmark of `./build.ps1 bench` (issue 20): 1 host + $Members members upgraded (a) sequentially by the
    README's step-by-step pipeline and (b) by Invoke-KsUpgrade -ThrottleLimit $ThrottleLimit, in one run, plus a
    single-cluster upgrade as the memory baseline. Returns the figures (an ordered dictionary).
.DESCRIPTION
    Each part runs in a clean pwsh process (no JIT or heap carried over), against a fresh sandbox started for it, and
    reports its wall time and its peak resident set (VmHWM, read by the process itself from /proc/self/status):
    - sequential: Test-KsCluster on the host | Invoke-KsHostUpgrade, then for each member
      Invoke-KsMemberUpgrade -HostCluster, then Test-KsCluster -Phase PostUpgrade on every cluster (the README's
      pipeline, steps 1, 2, 3 and 5; no gateways, as Invoke-KsUpgrade without -IncludeGateways);
    - parallel: Invoke-KsUpgrade -HostCluster -MemberCluster -ThrottleLimit (pre-flight, host, members, post-checks);
    - single: Test-KsCluster | Invoke-KsHostUpgrade on a sandbox of one host (the memory baseline).
    Each part also reports the CPU time it cost (from /proc/<pid>/stat: the part's pwsh with the helm processes it ran,
    and the sandbox process with the kubectl/helm hook jobs it ran) and the machine's load average around it: the
    sandbox simulates every cluster's API server on the same cores, so a part cannot take less wall time than the CPU
    time of the part and its simulated clusters divided by the cores it gets; `cpuFloorSeconds` is that bound with
    every core of the machine to itself.
    A part's figures count only if the clusters show the upgrade afterwards: every cluster passes
    Test-KsCluster -Phase PostUpgrade and the host's cluster list shows every cluster on v4.1.3 and no member tainted
    (checked from this process, outside the timed region); otherwise the bench stops with what the cluster shows.
    The sandbox's simulated jobs (ks-upgrade's prepare/upgrade jobs) take $JobRunSeconds each (a seed file sets
    jobRunSeconds): a real job runs for minutes, so the upgrade is mostly waiting, which is what the fleet overlaps.
    Without Invoke-KsUpgrade (the parallel part asked for), it fails before anything starts.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Members = 8,
    [int] $ThrottleLimit = 4,
    # Seconds each simulated (non-kubectl/helm) Job of the sandbox runs; the seed's default is 0.5.
    [double] $JobRunSeconds = 5,
    # Which parts to run; the ratios need all three.
    [ValidateSet('Sequential', 'Parallel', 'Single')] [string[]] $Part = @('Sequential', 'Parallel', 'Single')
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module $ModulePath -Force
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Force   # also imports the sandbox module

if ('Parallel' -in $Part -and -not (Get-Command -Name Invoke-KsUpgrade -Module KsUpgrade -ErrorAction Ignore)) {
    throw "Fleet bench: the module $ModulePath has no Invoke-KsUpgrade (issue 20), so the parallel fleet upgrade cannot be measured and no speed-up is reported. Build a branch that has it, or run tests/bench/FleetBench.ps1 -Part Sequential, Single for the other figures only."
}
if (-not $env:KSUPGRADE_HELM -and $env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
if (-not $env:KSUPGRADE_HELM) { throw 'Fleet bench: no helm (KSUPGRADE_HELM / KSUPGRADE_HELM3): run it through ./build.ps1 bench, which fetches helm.' }

$work = Join-Path ([IO.Path]::GetTempPath()) "ksupgrade-fleetbench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
$memberNames = @(1..$Members | ForEach-Object { "member$_" })

function New-BenchSeedFile([string] $Path, [string] $Base, [string[]] $Clusters) {
    # the named seed's clusters, each with the bench's job duration
    $seed = @{ clusters = @($Clusters | ForEach-Object { [ordered]@{ name = $_; base = $Base; jobRunSeconds = $JobRunSeconds } }) }
    $seed | ConvertTo-Json -Depth 5 | Set-Content -Path $Path -Encoding utf8NoBOM
    $Path
}

function Get-CpuSeconds([int] $ProcessId) {
    # utime + stime + cutime + cstime (fields 14-17 of /proc/<pid>/stat, after the command in parentheses), in seconds
    $stat = Get-Content "/proc/$ProcessId/stat" -Raw -ErrorAction SilentlyContinue
    if (-not $stat) { return $null }
    $f = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    ([long] $f[11] + [long] $f[12] + [long] $f[13] + [long] $f[14]) / 100.0
}

function Get-LoadAverage { [double] ((Get-Content /proc/loadavg -Raw).Split(' ')[0]) }

function Start-BenchSandbox([string] $Name, [switch] $Fleet) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $sandbox = if ($Fleet) {
        Start-KsSandbox -Seed (New-BenchSeedFile (Join-Path $work "$Name-seed.json") 'ks34-multicluster' (@('host') + $memberNames)) -Scale @{ Members = $Members }
    }
    else {
        Start-KsSandbox -Seed (New-BenchSeedFile (Join-Path $work "$Name-seed.json") 'ks34-host' @('host'))
    }
    $seconds = $sw.Elapsed.TotalSeconds
    $status = Get-Content "/proc/$($sandbox.ProcessId)/status" -ErrorAction SilentlyContinue
    $rss = ($status | Select-String '^VmRSS:\s+(\d+)' | Select-Object -First 1)
    [pscustomobject]@{ Sandbox = $sandbox; StartSeconds = $seconds; RssMB = if ($rss) { [math]::Round([long] $rss.Matches[0].Groups[1].Value / 1KB, 1) } else { $null } }
}

function Invoke-BenchPart([string] $Name, [string] $Body, $Sandbox, [string[]] $MemberContexts) {
    # The part's script in a clean pwsh: Import-Module, connect, then the timed body; one BENCH-RESULT line back.
    $dir = Join-Path $work $Name
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    $q = { param($s) $s.Replace("'", "''") }
    $script = @'
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
function Hwm { $l = Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)\s+kB' | Select-Object -First 1; if ($l) { [long] $l.Matches[0].Groups[1].Value } else { 0 } }
function Cpu { $t = Get-Content /proc/self/stat -Raw; $f = $t.Substring($t.LastIndexOf(')') + 2).Split(' '); ([long] $f[11] + [long] $f[12] + [long] $f[13] + [long] $f[14]) / 100.0 }
Import-Module '@MODULE@'
$afterImport = Hwm
Set-Location '@DIR@'
$kubeconfig = '@KUBECONFIG@'; $values = '@VALUES@'; $chart = '@CHART@'; $dir = '@DIR@'
$hostCluster = Connect-KsCluster -Kubeconfig $kubeconfig -Context host
$members = @('@MEMBERS@'.Split(',', [StringSplitOptions]::RemoveEmptyEntries) | ForEach-Object { Connect-KsCluster -Kubeconfig $kubeconfig -Context $_ })
$errors = @()
$cpuBefore = Cpu
$sw = [Diagnostics.Stopwatch]::StartNew()
function Invoke-Part {
    [CmdletBinding()] param()
    @BODY@
}
$out = Invoke-Part -ErrorVariable +errors -WarningAction SilentlyContinue -InformationAction SilentlyContinue
$seconds = $sw.Elapsed.TotalSeconds
$cpu = (Cpu) - $cpuBefore
'BENCH-RESULT ' + (@{ seconds = $seconds; cpuSeconds = $cpu; hwmKb = (Hwm); hwmAfterImportKb = $afterImport; errors = @($errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" }); outputTypes = @($out | ForEach-Object { $_.PSObject.TypeNames[0] } | Select-Object -Unique) } | ConvertTo-Json -Compress)
'@
    $script = $script.Replace('@BODY@', $Body).Replace('@MODULE@', (& $q $ModulePath)).Replace('@DIR@', (& $q $dir)).
        Replace('@KUBECONFIG@', (& $q $Sandbox.Kubeconfig)).Replace('@VALUES@', (& $q $Sandbox.ValuesPath)).Replace('@CHART@', (& $q $Sandbox.ChartPath)).
        Replace('@MEMBERS@', ($MemberContexts -join ','))
    Write-Host "Fleet bench: $Name ..."
    $sandboxCpu = Get-CpuSeconds $Sandbox.ProcessId
    $load = Get-LoadAverage
    $run = Invoke-CleanPwsh $script
    $sandboxCpu = (Get-CpuSeconds $Sandbox.ProcessId) - $sandboxCpu
    $loadAfter = Get-LoadAverage
    $line = $run.Output | Where-Object { $_.StartsWith('BENCH-RESULT ') } | Select-Object -Last 1
    if ($run.ExitCode -ne 0 -or -not $line) {
        throw "Fleet bench, $Name failed in its pwsh (exit $($run.ExitCode)): $(($run.Output | Select-Object -Last 8) -join ' | ')"
    }
    $r = $line.Substring('BENCH-RESULT '.Length) | ConvertFrom-Json
    if (@($r.errors).Count -gt 0) { throw "Fleet bench, $Name wrote errors: $(@($r.errors) -join ' | ')" }
    $r | Add-Member -NotePropertyMembers @{ sandboxCpuSeconds = $sandboxCpu; loadBefore = $load; loadAfter = $loadAfter } -PassThru
}

function Assert-FleetUpgraded($Sandbox, [string] $Name) {
    # What the clusters show, read from here after the part's process ended: the figures count only if this holds.
    $clusters = @($Sandbox.Clusters)
    $hostCluster = $clusters | Where-Object Context -eq 'host'
    $failed = @(foreach ($c in $clusters) {
            $report = $c | Test-KsCluster -Phase PostUpgrade -WarningAction SilentlyContinue
            if (-not $report.Passed) { "$($c.Context): " + (@($report.Checks | Where-Object Status -eq 'Failed' | ForEach-Object Id) -join ', ') }
        })
    # the host's view of the clusters this sandbox runs (a lone host's seed also lists members it does not run)
    $deadline = (Get-Date).AddSeconds(30)
    do {
        $view = @($hostCluster | Get-KsMemberCluster | Where-Object Name -in $Sandbox.Contexts)
        $behind = @($view | Where-Object { $_.KubeSphereVersion -ne 'v4.1.3' -or ($_.Role -eq 'Member' -and $_.Tainted) })
        if ($behind.Count -eq 0) { break }
        Start-Sleep -Milliseconds 500
    } while ((Get-Date) -lt $deadline)
    if ($view.Count -ne $clusters.Count) { $failed += "the host lists $($view.Count) of the sandbox's $($clusters.Count) clusters" }
    $failed += @($behind | ForEach-Object { "$($_.Name) on the host: $($_.KubeSphereVersion)$(if ($_.Tainted) { ', tainted' })" })
    if ($failed.Count -gt 0) { throw "Fleet bench, ${Name}: the clusters do not show the upgrade, so no figure is reported: $($failed -join '; ')" }
}

$sequentialBody = @'
# 1. pre-flight of the host; 2. the host; 3. each member after it; 5. verify every cluster (README, "The upgrade, as one pipeline")
$report = $hostCluster | Test-KsCluster -ValuesPath $values -Chart $chart
$report | Invoke-KsHostUpgrade -ValuesPath $values -Chart $chart -BackupPath (Join-Path $dir 'backup-host') -Confirm:$false
foreach ($member in $members) {
    $member | Invoke-KsMemberUpgrade -ValuesPath $values -Chart $chart -HostCluster $hostCluster -BackupPath (Join-Path $dir "backup-$($member.Context)") -Confirm:$false
}
@($hostCluster) + $members | ForEach-Object { $_ | Test-KsCluster -Phase PostUpgrade }
'@

$parallelBody = @"
`$fleet = @{ HostCluster = `$hostCluster; MemberCluster = `$members; ValuesPath = `$values; Chart = `$chart; ThrottleLimit = $ThrottleLimit }
if ((Get-Command Invoke-KsUpgrade).Parameters.ContainsKey('Confirm')) { `$fleet.Confirm = `$false }
Invoke-KsUpgrade @fleet
"@

$singleBody = @'
$hostCluster | Test-KsCluster -ValuesPath $values -Chart $chart | Invoke-KsHostUpgrade -ValuesPath $values -Chart $chart -BackupPath (Join-Path $dir 'backup-host') -Confirm:$false
'@

$fleetResults = [ordered]@{
    members = $Members; throttleLimit = $ThrottleLimit; jobRunSeconds = $JobRunSeconds
    helm = ((& $env:KSUPGRADE_HELM version --short) -join '')
}
try {
    foreach ($p in $Part) {
        $isFleet = $p -ne 'Single'
        $s = Start-BenchSandbox -Name $p.ToLowerInvariant() -Fleet:$isFleet
        try {
            $body = switch ($p) { 'Sequential' { $sequentialBody } 'Parallel' { $parallelBody } 'Single' { $singleBody } }
            $r = Invoke-BenchPart -Name $p.ToLowerInvariant() -Body $body -Sandbox $s.Sandbox -MemberContexts $(if ($isFleet) { $memberNames } else { @() })
            Assert-FleetUpgraded -Sandbox $s.Sandbox -Name $p.ToLowerInvariant()
            $fleetResults[$p.ToLowerInvariant()] = [ordered]@{
                clusters = @($s.Sandbox.Contexts).Count
                seconds = [math]::Round($r.seconds, 1)
                cpuSeconds = [ordered]@{ pwshAndHelm = [math]::Round($r.cpuSeconds, 1); sandboxAndJobs = [math]::Round($r.sandboxCpuSeconds, 1) }
                cpuFloorSeconds = [math]::Round(($r.cpuSeconds + $r.sandboxCpuSeconds) / [Environment]::ProcessorCount, 1)
                loadAverage = [ordered]@{ before = $r.loadBefore; after = $r.loadAfter }
                peakMemoryMB = [math]::Round($r.hwmKb / 1KB, 1)
                memoryAfterImportMB = [math]::Round($r.hwmAfterImportKb / 1KB, 1)
                outputTypes = @($r.outputTypes)
                sandboxStartSeconds = [math]::Round($s.StartSeconds, 1)
                sandboxMemoryMB = $s.RssMB
            }
        }
        finally { $s.Sandbox | Stop-KsSandbox -Confirm:$false }
    }
}
finally { Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue }

if ($fleetResults.Contains('sequential') -and $fleetResults.Contains('parallel')) {
    $fleetResults.speedup = [math]::Round($fleetResults.sequential.seconds / $fleetResults.parallel.seconds, 2)
}
if ($fleetResults.Contains('parallel') -and $fleetResults.Contains('single')) {
    $fleetResults.peakMemoryRatio = [math]::Round($fleetResults.parallel.peakMemoryMB / $fleetResults.single.peakMemoryMB, 2)
}
$fleetResults.targets = [ordered]@{ speedup = '>= 3'; peakMemoryRatio = '<= 1.5' }
$fleetResults
