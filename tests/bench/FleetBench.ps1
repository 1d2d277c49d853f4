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
    - guidesequential: the whole README pipeline, step 4 included: the sequential part plus every cluster's gateways
      (`Get-KsGateway | Where-Object Scope -ne Workspace | Update-KsGateway -RepointIngressClass`, a member's with
      -HostCluster) before the post-upgrade checks — what an admin runs by hand today;
    - guideparallel: Invoke-KsUpgrade ... -ThrottleLimit $ThrottleLimit -IncludeGateways -RepointIngressClass, the same work;
    - wide: the parallel part with -ThrottleLimit $Members (every member at once): what the engine gains when the
      throttle is not the bound (on this machine's cores, the simulated clusters' CPU is);
    - single: Test-KsCluster | Invoke-KsHostUpgrade on a sandbox of one host (the memory baseline).
    The sequential part marks each cluster's wall time; from them `ceiling` is the most a fleet run with the throttle
    can gain were all the work waiting: the sequential time over (the host's time + ceil(members / throttle) x the mean
    member's time), the guide putting the host first. With equal clusters that is (1 + M) / (1 + ceil(M / T)): exactly
    3 for 8 members by 4, and less when the host takes longer than a member (it waits for its extensions' InstallPlans).
    `ceiling.reached` is the measured speed-up over that ceiling. `ceilingGuide` is the same for the guide parts, a
    member's time being its upgrade and its gateways (the host's gateways overlap the members' upgrades).
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
    # Which parts to run; the ratios need Sequential, Parallel and Single. Wide: the fleet with -ThrottleLimit $Members
    # (every member at once), which shows what the engine does when the throttle is not the bound.
    # GuideSequential / GuideParallel: the whole guide, gateways included (README step 4; -IncludeGateways -RepointIngressClass).
    [ValidateSet('Sequential', 'Parallel', 'Wide', 'GuideSequential', 'GuideParallel', 'Single')]
    [string[]] $Part = @('Sequential', 'Parallel', 'Wide', 'GuideSequential', 'GuideParallel', 'Single')
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module $ModulePath -Force
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1') -Force   # also imports the sandbox module

if (@($Part | Where-Object { $_ -in 'Parallel', 'Wide', 'GuideParallel' }).Count -gt 0 -and -not (Get-Command -Name Invoke-KsUpgrade -Module KsUpgrade -ErrorAction Ignore)) {
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
$global:BenchMarks = [ordered]@{}
$cpuBefore = Cpu
$sw = [Diagnostics.Stopwatch]::StartNew()
function Invoke-Part {
    [CmdletBinding()] param()
    @BODY@
}
$out = Invoke-Part -ErrorVariable +errors -WarningAction SilentlyContinue -InformationAction SilentlyContinue
$seconds = $sw.Elapsed.TotalSeconds
$cpu = (Cpu) - $cpuBefore
'BENCH-RESULT ' + (@{ seconds = $seconds; cpuSeconds = $cpu; hwmKb = (Hwm); hwmAfterImportKb = $afterImport; errors = @($errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" }); outputTypes = @($out | ForEach-Object { $_.PSObject.TypeNames[0] } | Select-Object -Unique); marks = $global:BenchMarks } | ConvertTo-Json -Compress -Depth 4)
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

function Assert-FleetUpgraded($Sandbox, [string] $Name, [switch] $Gateways) {
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
    if ($Gateways) {
        # the guide's parts: every cluster's gateways (not workspace ones) shown upgraded by the cluster
        foreach ($c in $clusters) {
            $left = @($c | Get-KsGateway | Where-Object { $_.Scope -ne 'Workspace' -and -not $_.Upgraded })
            if ($left.Count -gt 0) { $failed += "$($c.Context): gateways not upgraded: $($left.Name -join ', ')" }
        }
    }
    if ($view.Count -ne $clusters.Count) { $failed += "the host lists $($view.Count) of the sandbox's $($clusters.Count) clusters" }
    $failed += @($behind | ForEach-Object { "$($_.Name) on the host: $($_.KubeSphereVersion)$(if ($_.Tainted) { ', tainted' })" })
    if ($failed.Count -gt 0) { throw "Fleet bench, ${Name}: the clusters do not show the upgrade, so no figure is reported: $($failed -join '; ')" }
}

# The README's pipeline ("The upgrade, as one pipeline"), each cluster's wall time marked (the ceilings are computed
# from them): 1. pre-flight of the host; 2. the host; 3. each member after it; [4. every cluster's gateways, not
# workspace gateways, a member's with -HostCluster: the guide parts only]; 5. every cluster verified.
$upgradeSteps = @'
$mark = [Diagnostics.Stopwatch]::StartNew()
$report = $hostCluster | Test-KsCluster -ValuesPath $values -Chart $chart
$report | Invoke-KsHostUpgrade -ValuesPath $values -Chart $chart -BackupPath (Join-Path $dir 'backup-host') -Confirm:$false
$global:BenchMarks.host = $mark.Elapsed.TotalSeconds
foreach ($member in $members) {
    $mark.Restart()
    $member | Invoke-KsMemberUpgrade -ValuesPath $values -Chart $chart -HostCluster $hostCluster -BackupPath (Join-Path $dir "backup-$($member.Context)") -Confirm:$false
    $global:BenchMarks[$member.Context] = $mark.Elapsed.TotalSeconds
}
'@
$gatewaySteps = @'
$mark.Restart()
$hostCluster | Get-KsGateway | Where-Object Scope -ne Workspace | Update-KsGateway -Chart $chart -RepointIngressClass -Confirm:$false
$global:BenchMarks['gateways-host'] = $mark.Elapsed.TotalSeconds
foreach ($member in $members) {
    $mark.Restart()
    $member | Get-KsGateway | Where-Object Scope -ne Workspace | Update-KsGateway -Chart $chart -HostCluster $hostCluster -RepointIngressClass -Confirm:$false
    $global:BenchMarks["gateways-$($member.Context)"] = $mark.Elapsed.TotalSeconds
}
'@
$verifySteps = @'
$mark.Restart()
@($hostCluster) + $members | ForEach-Object { $_ | Test-KsCluster -Phase PostUpgrade }
$global:BenchMarks.postChecks = $mark.Elapsed.TotalSeconds
'@
$sequentialBody = $upgradeSteps + "`n" + $verifySteps
$guideSequentialBody = $upgradeSteps + "`n" + $gatewaySteps + "`n" + $verifySteps

$parallelBody = @"
`$fleet = @{ HostCluster = `$hostCluster; MemberCluster = `$members; ValuesPath = `$values; Chart = `$chart; ThrottleLimit = @THROTTLE@ }
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
            $body = switch ($p) {
                'Sequential' { $sequentialBody }
                'Parallel' { $parallelBody.Replace('@THROTTLE@', "$ThrottleLimit") }
                'Wide' { $parallelBody.Replace('@THROTTLE@', "$Members") }
                'GuideSequential' { $guideSequentialBody }
                'GuideParallel' { $parallelBody.Replace('@THROTTLE@', "$ThrottleLimit").Replace('Invoke-KsUpgrade @fleet', 'Invoke-KsUpgrade @fleet -IncludeGateways -RepointIngressClass') }
                'Single' { $singleBody }
            }
            $r = Invoke-BenchPart -Name $p.ToLowerInvariant() -Body $body -Sandbox $s.Sandbox -MemberContexts $(if ($isFleet) { $memberNames } else { @() })
            Assert-FleetUpgraded -Sandbox $s.Sandbox -Name $p.ToLowerInvariant() -Gateways:($p -like 'Guide*')
            $fleetResults[$p.ToLowerInvariant()] = [ordered]@{
                clusters = @($s.Sandbox.Contexts).Count
                seconds = [math]::Round($r.seconds, 1)
                cpuSeconds = [ordered]@{ pwshAndHelm = [math]::Round($r.cpuSeconds, 1); sandboxAndJobs = [math]::Round($r.sandboxCpuSeconds, 1) }
                cpuFloorSeconds = [math]::Round(($r.cpuSeconds + $r.sandboxCpuSeconds) / [Environment]::ProcessorCount, 1)
                loadAverage = [ordered]@{ before = $r.loadBefore; after = $r.loadAfter }
                peakMemoryMB = [math]::Round($r.hwmKb / 1KB, 1)
                memoryAfterImportMB = [math]::Round($r.hwmAfterImportKb / 1KB, 1)
                outputTypes = @($r.outputTypes)
                clusterSeconds = if ($r.marks -and @($r.marks.PSObject.Properties).Count) { $m = [ordered]@{}; foreach ($x in $r.marks.PSObject.Properties) { $m[$x.Name] = [math]::Round([double] $x.Value, 1) }; $m } else { $null }
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
if ($fleetResults.Contains('sequential') -and $fleetResults.Contains('wide')) {
    $fleetResults.speedupWide = [math]::Round($fleetResults.sequential.seconds / $fleetResults.wide.seconds, 2)
}
if ($fleetResults.Contains('sequential') -and $fleetResults.sequential.clusterSeconds) {
    # The most any fleet run with this throttle can gain, were every cluster's work pure waiting (no core shared): the
    # sequential time over the host's time plus one member's time per wave of ThrottleLimit members (the guide puts the
    # host first; ceil(members / throttle) waves). Equal clusters give (1 + M) / (1 + ceil(M / T)): 3 for 8 members by 4.
    $cs = $fleetResults.sequential.clusterSeconds
    $memberTimes = @($memberNames | ForEach-Object { [double] $cs[$_] })
    $meanMember = ($memberTimes | Measure-Object -Average).Average
    $waves = [math]::Ceiling($Members / $ThrottleLimit)
    $fleetResults.ceiling = [ordered]@{
        hostSeconds = $cs.host; meanMemberSeconds = [math]::Round($meanMember, 1); waves = $waves
        speedup = [math]::Round($fleetResults.sequential.seconds / ($cs.host + $waves * $meanMember), 2)
    }
    if ($fleetResults.Contains('parallel')) { $fleetResults.ceiling.reached = [math]::Round($fleetResults.speedup / $fleetResults.ceiling.speedup, 2) }
}
if ($fleetResults.Contains('guidesequential') -and $fleetResults.Contains('guideparallel')) {
    $fleetResults.speedupGuide = [math]::Round($fleetResults.guidesequential.seconds / $fleetResults.guideparallel.seconds, 2)
    $cs = $fleetResults.guidesequential.clusterSeconds
    if ($cs) {
        # the host's gateways overlap the members' upgrades; each member's gateways are done in its throttle slot
        $memberTimes = @($memberNames | ForEach-Object { [double] $cs[$_] + [double] $cs["gateways-$_"] })
        $meanMember = ($memberTimes | Measure-Object -Average).Average
        $waves = [math]::Ceiling($Members / $ThrottleLimit)
        $fleetResults.ceilingGuide = [ordered]@{
            hostSeconds = $cs.host; meanMemberWithGatewaysSeconds = [math]::Round($meanMember, 1); waves = $waves
            speedup = [math]::Round($fleetResults.guidesequential.seconds / ($cs.host + $waves * $meanMember), 2)
        }
        $fleetResults.ceilingGuide.reached = [math]::Round($fleetResults.speedupGuide / $fleetResults.ceilingGuide.speedup, 2)
    }
}
if ($fleetResults.Contains('parallel') -and $fleetResults.Contains('single')) {
    $fleetResults.peakMemoryRatio = [math]::Round($fleetResults.parallel.peakMemoryMB / $fleetResults.single.peakMemoryMB, 2)
}
if ($fleetResults.Contains('guideparallel') -and $fleetResults.Contains('single')) {
    $fleetResults.peakMemoryRatioGuide = [math]::Round($fleetResults.guideparallel.peakMemoryMB / $fleetResults.single.peakMemoryMB, 2)
}
$fleetResults.targets = [ordered]@{ speedup = '>= 3'; speedupGuide = '>= 3'; peakMemoryRatio = '<= 1.5'; peakMemoryRatioGuide = '<= 1.5' }
$fleetResults
