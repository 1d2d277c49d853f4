<#
.SYNOPSIS
    The demo behind `./build.ps1 demo`: the seed upgrade guide, end to end, on a fresh ks34-multicluster sandbox,
    with the rehearsal ks-core chart and values file the KsUpgrade.Sandbox module ships and real helm. Every step is the
    pipeline a user would type. Then the one-command path: Invoke-KsUpgrade on a second fresh sandbox fleet (a host and
    four members); without Invoke-KsUpgrade in the module the demo says so and fails.
    -RehearseUndo: after the host upgrade, the way back is rehearsed on the host (Undo-KsUpgrade, the pre-flight passes
    again, the host is upgraded again) before the members.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # The sandbox module (KsUpgrade.Sandbox); default: beside the product module.
    [string] $SandboxModulePath = (Join-Path (Split-Path (Split-Path $ModulePath)) 'KsUpgrade.Sandbox/KsUpgrade.Sandbox.psd1'),
    # helm 3 or helm 4: build.ps1 puts both in the tool cache ($env:KSUPGRADE_HELM3 / KSUPGRADE_HELM4)
    [ValidateSet(3, 4)] [int] $HelmMajor = 3,
    # rehearse the way back on the host: upgrade, Undo-KsUpgrade, Test-KsCluster -Phase Preflight passes, upgrade again
    [switch] $RehearseUndo,
    # members of the second sandbox, upgraded by Invoke-KsUpgrade (-ThrottleLimit 4)
    [int] $FleetMembers = 4
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
Import-Module $SandboxModulePath -Force
$helmVariable = "KSUPGRADE_HELM$HelmMajor"
$env:KSUPGRADE_HELM = [Environment]::GetEnvironmentVariable($helmVariable)
if (-not $env:KSUPGRADE_HELM) { throw "$helmVariable is not set: run the demo through ./build.ps1 demo -HelmMajor $HelmMajor (it fetches helm)." }
$helmVersion = (& $env:KSUPGRADE_HELM version --short) -join ''
if ($helmVersion -notlike "v$HelmMajor.*") { throw "$helmVariable is $helmVersion, not helm $HelmMajor." }
$work = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-demo-" + (Get-Date -Format 'yyyyMMdd-HHmmss'))
New-Item -ItemType Directory -Path $work | Out-Null

function Show([string] $title) { Write-Host "`n== $title ==" -ForegroundColor Cyan }
# green and on, or red and the demo fails (exit 1)
function Write-Verdict([bool] $ok, [string] $good, [string] $bad) {
    if ($ok) { Write-Host "`n$good" -ForegroundColor Green; return }
    Write-Host "`n$bad" -ForegroundColor Red
    exit 1
}

Show "Start a sandbox: a KubeSphere 3.4 host with two members (Start-KsSandbox -Seed ks34-multicluster); the upgrades run helm $helmVersion"
$sandbox = Start-KsSandbox -Seed ks34-multicluster
$chart = $sandbox.ChartPath     # the rehearsal chart and values file the sandbox module ships
$values = $sandbox.ValuesPath
$verdict = $false
try {
    $sandbox.Clusters | Format-Table Context, Server, KubernetesVersion, KubeSphereVersion, Role -AutoSize | Out-Host
    $hostCluster = $sandbox.Clusters | Where-Object Role -eq 'Host' | Select-Object -First 1
    $members = @($sandbox.Clusters | Where-Object Role -eq 'Member')

    Show 'Pre-flight on the host: $hostCluster | Test-KsCluster -ValuesPath ks-core-values.yaml'
    $report = $hostCluster | Test-KsCluster -ValuesPath $values
    $report.Checks | Format-Table Id, Status, Message -AutoSize -Wrap | Out-Host

    Show 'Upgrade the host: $report | Invoke-KsHostUpgrade -ValuesPath ... -Chart ... -Confirm:$false'
    $upgradeWarnings = [System.Collections.Generic.List[object]]::new()
    $hostResult = $report | Invoke-KsHostUpgrade -ValuesPath $values -Chart $chart -BackupPath (Join-Path $work 'backup-host') -JobTimeout 2m -Confirm:$false -WarningVariable +upgradeWarnings
    $hostResult.Steps | Format-Table Name, Status, Duration, Detail -AutoSize -Wrap | Out-Host

    $undoRehearsed = $true
    if ($RehearseUndo) {
        $undoRehearsed = $false
        Show 'Rehearse the way back on the host: $hostCluster | Undo-KsUpgrade -Confirm:$false (BackupPath: the one the journal names)'
        $undo = $hostCluster | Undo-KsUpgrade -Confirm:$false -WarningVariable undoWarnings -WarningAction SilentlyContinue
        $undo.Steps | Format-Table Name, Status, Duration, Detail -AutoSize -Wrap | Out-Host
        foreach ($w in $undoWarnings) { Write-Host "Undo warned: $w" -ForegroundColor Yellow }
        if ($undo.NotRestored) { Write-Host "Not restored (as the plan said):`n  $($undo.NotRestored -join "`n  ")" -ForegroundColor Yellow }

        Show 'A 3.4 host again: $hostCluster | Test-KsCluster -Phase Preflight -ValuesPath ... -Chart ...'
        $again = $hostCluster | Test-KsCluster -Phase Preflight -ValuesPath $values -Chart $chart
        $again.Checks | Where-Object Status -ne 'Passed' | Format-Table Id, Status, Message -AutoSize -Wrap | Out-Host
        Write-Host "Pre-flight after the undo: $(if ($again.Passed) { 'passed' } else { 'FAILED' }) ($(@($again.Checks | Where-Object Status -eq 'Passed').Count) of $(@($again.Checks).Count) checks passed)" -ForegroundColor $(if ($again.Passed) { 'Green' } else { 'Red' })

        Show 'Upgrade the host again: $report | Invoke-KsHostUpgrade ... (a new backup; the undone upgrade''s journal is gone)'
        $firstHostResult = $hostResult
        $hostResult = $again | Invoke-KsHostUpgrade -ValuesPath $values -Chart $chart -BackupPath (Join-Path $work 'backup-host-again') -JobTimeout 2m -Confirm:$false -WarningVariable +upgradeWarnings
        $hostResult.Steps | Format-Table Name, Status, Duration, Detail -AutoSize -Wrap | Out-Host
        $undoRehearsed = $firstHostResult.Succeeded -and $undo.Succeeded -and $again.Passed -and $hostResult.Succeeded
        if (-not $undoRehearsed) { Write-Host 'The undo rehearsal did not complete; see the tables above.' -ForegroundColor Red }
    }

    Show 'Upgrade each member with -HostCluster (the host is checked first; the member''s taint is removed on the host)'
    $memberResults = foreach ($member in $members) {
        $member | Invoke-KsMemberUpgrade -ValuesPath $values -Chart $chart -HostCluster $hostCluster `
            -BackupPath (Join-Path $work "backup-$($member.Context)") -JobTimeout 2m -Confirm:$false -WarningVariable +upgradeWarnings
    }
    $memberResults | Format-Table Cluster, Role, FromVersion, ToVersion, Succeeded, BackupPath -AutoSize | Out-Host
    Write-Host 'The host''s view right away: no taint left; a version the host''s cluster controller has not resynced yet still shows v3.4.x.'
    $hostCluster | Get-KsMemberCluster | Format-Table Name, Role, Ready, Tainted, AgentsSchedulable, KubeSphereVersion -AutoSize | Out-Host

    Show 'Gateways: $hostCluster | Get-KsGateway | Where-Object Scope -ne Workspace | Update-KsGateway -RepointIngressClass -Confirm:$false'
    $hostCluster | Get-KsGateway | Format-Table Name, Scope, Namespace, Status, ChartVersion, Upgraded -AutoSize | Out-Host
    # ks-upgrade v4.1.3 cannot convert a workspace gateway (it would uninstall its controller, then fail): refused before any change
    $workspaceGateways = @($hostCluster | Get-KsGateway | Where-Object Scope -eq Workspace)
    foreach ($w in $workspaceGateways) {
        $w | Update-KsGateway -Chart $chart -WhatIf -ErrorAction SilentlyContinue -ErrorVariable refused -WarningAction SilentlyContinue | Out-Null
        Write-Host "$($w.Name): $($refused[0].FullyQualifiedErrorId.Split(',')[0]) - left for the manual path (Get-Help Update-KsGateway -Full)" -ForegroundColor Yellow
    }
    # ks-upgrade v4.1.3 gives the cluster gateway's class-less Ingresses the hard-coded class kubesphere-router-cluster, which
    # no IngressClass has: -RepointIngressClass points them at the verified gateway's IngressClass (by hand, per Ingress:
    # kubectl -n <ns> patch ingress <name> --type merge -p '{"spec":{"ingressClassName":"kubesphere-router-kubesphere-system"}}').
    # On a gateway upgraded without it: Update-KsGateway -Name kubesphere-router-kubesphere-system -RepointIngressClass.
    $gatewayResults = $hostCluster | Get-KsGateway | Where-Object Scope -ne Workspace |
        Update-KsGateway -Chart $chart -JobTimeout 2m -RepointIngressClass -Confirm:$false -WarningAction SilentlyContinue
    $gatewayResults | Format-Table @{ n = 'Gateway'; e = { $_.Gateway.Name } }, Outcome, Succeeded, Duration, RepointedIngresses, UnservedIngresses -AutoSize | Out-Host

    Show 'Verify: Test-KsCluster -Phase PostUpgrade on every cluster'
    $post = $sandbox.Clusters | ForEach-Object { $_ | Test-KsCluster -Phase PostUpgrade -WarningAction SilentlyContinue }
    $post | Format-Table @{ n = 'Cluster'; e = { $_.Cluster.Context } }, Phase, Passed, @{ n = 'Failed'; e = { @($_.Checks | Where-Object Status -eq 'Failed').Count } } -AutoSize | Out-Host

    $cleanupDone = $false
    if ($workspaceGateways.Count -eq 0) {
        Show 'Clean up: Remove-KsLegacyGateway -Confirm:$false'
        $cleanup = Remove-KsLegacyGateway -Cluster $hostCluster -Confirm:$false
        $cleanup | Format-List CrdDeleted, FinalizersRemoved, RemainingV3Gateways | Out-Host
        $cleanupDone = $cleanup.CrdDeleted
    }
    else {
        Show 'Clean up: Remove-KsLegacyGateway waits for the workspace gateway (refused while a v3 gateway remains)'
        Remove-KsLegacyGateway -Cluster $hostCluster -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable cleanupRefused | Out-Null
        Write-Host "$($cleanupRefused[0].FullyQualifiedErrorId.Split(',')[0]): run it after the manual upgrade of $($workspaceGateways.Name -join ', ')" -ForegroundColor Yellow
        $cleanupDone = "$($cleanupRefused[0].FullyQualifiedErrorId)" -like 'KsUpgrade.LegacyGatewaysRemain*'
    }

    Show 'The host''s view of every cluster: $hostCluster | Get-KsMemberCluster'
    # KubeSphere's cluster controller on the host has refreshed each cluster's version by now (it resyncs every second
    # in the sandbox); what is shown is what the host's Cluster objects say.
    $clusters = @($hostCluster | Get-KsMemberCluster)
    $clusters | Format-Table Name, Role, Ready, Tainted, AgentsSchedulable, KubernetesVersion, KubeSphereVersion -AutoSize | Out-Host
    $clustersUpgraded = $clusters.Count -eq ($members.Count + 1) -and -not ($clusters | Where-Object { $_.KubeSphereVersion -ne 'v4.1.3' }) -and
        -not ($clusters | Where-Object { $_.Role -eq 'Member' -and ($_.Tainted -or -not $_.AgentsSchedulable) })
    if (-not $clustersUpgraded) { Write-Host 'Not every cluster is shown on v4.1.3 with its agents schedulable.' -ForegroundColor Red }
    # The happy path has no Warning (the backup's notice about Secrets in clear text is an Information record).
    $upgradeWarnings = @($upgradeWarnings)
    if ($upgradeWarnings.Count -gt 0) { Write-Host "The upgrades warned: $($upgradeWarnings -join '; ')" -ForegroundColor Red }

    $verdict = $undoRehearsed -and $hostResult.Succeeded -and -not ($memberResults | Where-Object { -not $_.Succeeded }) -and $clustersUpgraded -and $upgradeWarnings.Count -eq 0 -and
        -not ($gatewayResults | Where-Object { -not $_.Succeeded -or $_.UnservedIngresses.Count -gt 0 }) -and -not ($post | Where-Object { -not $_.Passed }) -and $cleanupDone
}
finally {
    $sandbox | Stop-KsSandbox -Confirm:$false
}
Write-Verdict $verdict "Verdict, step by step (helm $helmVersion): $(if ($RehearseUndo) { 'host upgraded, undone to 3.4 (pre-flight passed again) and upgraded again; ' })host, $($members.Count) members and the project and cluster gateways upgraded to KubeSphere v4.1.3; every post-upgrade check passed. Left by hand: $(if ($workspaceGateways) { ($workspaceGateways.Name -join ', ') + ', then Remove-KsLegacyGateway' } else { 'nothing' })." `
    'Verdict: the upgrade did NOT complete; see the tables above.'


# --- The one-command path: Invoke-KsUpgrade on a second, fresh fleet ------------------------------------------------
Show "The same guide as one command, on a fresh sandbox fleet (a host and $FleetMembers members): Invoke-KsUpgrade -HostCluster ... -MemberCluster ... -ThrottleLimit 4 -IncludeGateways -RepointIngressClass"
if (-not (Get-Command -Name Invoke-KsUpgrade -Module KsUpgrade -ErrorAction Ignore)) {
    Write-Host "Invoke-KsUpgrade is not in this build of KsUpgrade ($ModulePath): the one-command path (issue 20) cannot be shown. The step-by-step path above is complete." -ForegroundColor Red
    exit 1
}
$fleetSandbox = Start-KsSandbox -Seed ks34-multicluster -Scale @{ Members = $FleetMembers }
$fleetVerdict = $false
try {
    $fleetHost = $fleetSandbox.Clusters | Where-Object Role -eq 'Host' | Select-Object -First 1
    $fleetMemberClusters = @($fleetSandbox.Clusters | Where-Object Role -eq 'Member')
    Push-Location $work   # the fleet's backups go under the current folder unless told otherwise
    $fleet = @{ HostCluster = $fleetHost; MemberCluster = $fleetMemberClusters; ValuesPath = $values; Chart = $chart; ThrottleLimit = 4; IncludeGateways = $true }
    if ((Get-Command Invoke-KsUpgrade).Parameters.ContainsKey('Confirm')) { $fleet.Confirm = $false }
    # the Ingresses ks-upgrade gives the hard-coded kubesphere-router-cluster point at the cluster gateway's IngressClass
    if ((Get-Command Invoke-KsUpgrade).Parameters.ContainsKey('RepointIngressClass')) { $fleet.RepointIngressClass = $true }
    Write-Host 'The plan first: Invoke-KsUpgrade ... -WhatIf'
    Invoke-KsUpgrade @fleet -WhatIf | Out-Host
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $fleetOut = @(Invoke-KsUpgrade @fleet -ErrorAction Continue -ErrorVariable fleetErrors -WarningAction SilentlyContinue)
    $fleetSeconds = $sw.Elapsed.TotalSeconds
    $fleetOut | Format-List | Out-Host
    $fleetSummary = @($fleetOut | Where-Object { $_ -is [KsUpgrade.KsFleetResult] }) | Select-Object -Last 1
    $fleetOut | Where-Object { $_ -is [KsUpgrade.KsFleetClusterResult] } | ForEach-Object {
        $c = $_.Name
        $_.Gateways | ForEach-Object { [pscustomobject]@{ Cluster = $c; Gateway = $_.Gateway.Name; Outcome = $_.Outcome; Succeeded = $_.Succeeded; RepointedIngresses = $_.RepointedIngresses -join ', '; UnservedIngresses = $_.UnservedIngresses -join ', ' } }
    } | Format-Table -AutoSize | Out-Host
    if ($fleetSummary -and -not $fleetSummary.Done) { Write-Host "The fleet's summary is not Done; left: $($fleetSummary.Remaining -join ' | ')" -ForegroundColor Red }
    # ks-upgrade v4.1.3 cannot convert workspace gateways: refused, as on the step-by-step path; any other error counts
    $otherErrors = @($fleetErrors | Where-Object { "$($_.FullyQualifiedErrorId)" -notlike 'KsUpgrade.GatewayWorkspaceUnsupported*' })
    foreach ($e in $fleetErrors) { Write-Host "$($e.FullyQualifiedErrorId.Split(',')[0]): $e" -ForegroundColor $(if ($otherErrors -contains $e) { 'Red' } else { 'Yellow' }) }

    Show 'What the clusters show: Test-KsCluster -Phase PostUpgrade on each, and the host''s cluster list'
    $fleetPost = $fleetSandbox.Clusters | ForEach-Object { $_ | Test-KsCluster -Phase PostUpgrade -WarningAction SilentlyContinue }
    $fleetPost | Format-Table @{ n = 'Cluster'; e = { $_.Cluster.Context } }, Phase, Passed, @{ n = 'Failed'; e = { @($_.Checks | Where-Object Status -eq 'Failed').Count } } -AutoSize | Out-Host
    $deadline = (Get-Date).AddSeconds(20)
    do {
        $fleetView = @($fleetHost | Get-KsMemberCluster)
        $behind = @($fleetView | Where-Object { $_.KubeSphereVersion -ne 'v4.1.3' -or ($_.Role -eq 'Member' -and ($_.Tainted -or -not $_.AgentsSchedulable)) })
        if ($behind.Count -eq 0) { break }
        Start-Sleep -Milliseconds 500
    } while ((Get-Date) -lt $deadline)
    $fleetView | Format-Table Name, Role, Ready, Tainted, AgentsSchedulable, KubeSphereVersion -AutoSize | Out-Host
    $fleetVerdict = $otherErrors.Count -eq 0 -and $fleetSummary.Done -and $fleetView.Count -eq ($fleetMemberClusters.Count + 1) -and $behind.Count -eq 0 -and -not ($fleetPost | Where-Object { -not $_.Passed })
}
finally {
    Pop-Location
    $fleetSandbox | Stop-KsSandbox -Confirm:$false
}
Write-Verdict $fleetVerdict "Verdict, one command (helm $helmVersion): Invoke-KsUpgrade took the host and $($fleetMemberClusters.Count) members to KubeSphere v4.1.3 in $([math]::Round($fleetSeconds)) s; every post-upgrade check passed and the host shows every member upgraded and untainted." `
    'Verdict, one command: the fleet upgrade did NOT complete; see above.'

