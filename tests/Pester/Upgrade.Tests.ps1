BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
    $script:Fixtures = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures'
    $script:Chart = Join-Path $script:Fixtures 'ks-core'
    $script:Values = Join-Path $script:Fixtures 'ks-core-values.yaml'
    $script:TopDir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-upgrade-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:TopDir | Out-Null
}
AfterAll { Remove-Item -Recurse -Force $script:TopDir -ErrorAction SilentlyContinue }

# The whole guide with helm 3 and with helm 4 (the module finds helm through $env:KSUPGRADE_HELM); build.ps1 test fetches
# both, and a missing one fails the run.
Describe 'The whole upgrade guide on a multicluster sandbox with <Helm>' -ForEach @(
    @{ Helm = 'helm 3'; Variable = 'KSUPGRADE_HELM3'; Major = 'v3.' }
    @{ Helm = 'helm 4'; Variable = 'KSUPGRADE_HELM4'; Major = 'v4.' }
) {
    BeforeAll {
        $env:KSUPGRADE_HELM = [Environment]::GetEnvironmentVariable($Variable)
        $env:KSUPGRADE_HELM | Should -Not -BeNullOrEmpty -Because "build.ps1 test sets $Variable"
        # each helm gets its own folder for backups (a backup path is never reused)
        $script:Dir = Join-Path $script:TopDir ($Helm -replace ' ', '')
        New-Item -ItemType Directory -Path $script:Dir | Out-Null
        $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
        $script:HostCluster = $script:Sandbox.Clusters | Where-Object Context -eq 'host'
        $script:Member1 = $script:Sandbox.Clusters | Where-Object Context -eq 'member1'
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It 'previews the host upgrade with -WhatIf and changes nothing' {
        $before = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host
        $out = $script:HostCluster | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -BackupPath (Join-Path $script:Dir 'whatif') -WhatIf -InformationAction SilentlyContinue 6>&1 | Out-String
        Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host | Should -Be $before
        Test-Path (Join-Path $script:Dir 'whatif') | Should -BeFalse
    }

    It 'refuses a member upgrade without -HostCluster, also under -WhatIf, and changes nothing' {
        $before = (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host) + (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster member1)
        $backup = Join-Path $script:Dir 'member1-nohost'
        foreach ($preview in $false, $true) {
            $err = $null
            try {
                $script:Member1 | Invoke-KsMemberUpgrade -ValuesPath $script:Values -Chart $script:Chart -BackupPath $backup -WhatIf:$preview -Confirm:$false -ErrorAction Stop
            }
            catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.HostClusterRequired*'
            "$($err.Exception.Remedy)" | Should -Match '-HostCluster'
            "$($err.Exception.Remedy)" | Should -Match '-SkipHostCheck'
        }
        $err = $null
        try {
            $script:Member1 | Invoke-KsMemberUpgrade -ValuesPath $script:Values -Chart $script:Chart -BackupPath $backup -HostCluster $script:HostCluster -SkipHostCheck -Confirm:$false -ErrorAction Stop
        }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ParameterInvalid*'
        (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host) + (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster member1) | Should -Be $before
        Test-Path $backup | Should -BeFalse
    }

    It 'refuses a member report given to the host upgrade' {
        $report = $script:Member1 | Test-KsCluster -ValuesPath $script:Values -WarningAction SilentlyContinue
        $err = $null
        try { $report | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.RoleMismatch*'
    }

    It 'upgrades the host from its pre-flight report, with a backup, and the result says so' {
        $backup = Join-Path $script:Dir 'host-backup'
        $result = $script:HostCluster | Test-KsCluster -ValuesPath $script:Values |
            Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -BackupPath $backup -JobTimeout 2m -Confirm:$false
        $result | Should -BeOfType ([KsUpgrade.KsUpgradeResult])
        $result.Succeeded | Should -BeTrue
        $result.Role | Should -Be 'Host'
        $result.ToVersion | Should -Be 'v4.1.3'
        $result.Steps.Name | Should -Contain 'HelmUpgrade'
        # the render proof ran with this helm, and with helm 4 named the CRDs it applied before the prepare render
        ($result.Steps | Where-Object Name -eq 'Preflight').Detail | Should -Match ([regex]::Escape("chart renders (helm $Major"))
        if ($Major -eq 'v4.') { ($result.Steps | Where-Object Name -eq 'Preflight').Detail | Should -Match 'CRDs before the prepare render' }
        $result.Steps | Where-Object Status -eq 'Failed' | Should -BeNullOrEmpty
        Test-Path (Join-Path $backup 'manifest.json') | Should -BeTrue
        # the journal ConfigMap exists when the Backup step runs; upgrade.sh's backup never holds it, nor does ours
        Get-Content -LiteralPath (Join-Path $backup 'backup-kubesphere-system.yaml') -Raw | Should -Not -Match 'name: ks-upgrade-journal'
        (Test-KsBackup -Path $backup).Problems | Should -BeNullOrEmpty
        (Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host).KubeSphereVersion | Should -Be 'v4.1.3'
    }

    It 'runs Undo-KsUpgrade''s help Example 1 (the -WhatIf plan) on the upgraded host and changes nothing' {
        # the example as Get-Help shows it, connected to the sandbox instead of prod-host
        $example = (Get-Help Undo-KsUpgrade).Examples.Example | Where-Object Title -match 'Example 1:' | Select-Object -First 1
        $example.Code | Should -Match ([regex]::Escape('Connect-KsCluster -Context prod-host'))
        $code = $example.Code.Replace('Connect-KsCluster -Context prod-host', "Connect-KsCluster -Kubeconfig '$($script:Sandbox.Kubeconfig)' -Context host")
        $before = Wait-SandboxSettled -Sandbox $script:Sandbox -Cluster host
        $out = & ([scriptblock]::Create($code)) 6>$null 3>$null
        ($out | Where-Object { $_ -like 'HelmRollback: helm rollback ks-core to revision *' }) | Should -Not -BeNullOrEmpty
        ($out | Where-Object { $_ -like 'RestoreCrds: *' }) | Should -Not -BeNullOrEmpty
        ($out | Where-Object { $_ -like 'Images: *' }) | Should -Not -BeNullOrEmpty -Because '$plan.NotRestored names the 3.4 images Undo does not check without -ProbeImages'
        Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host | Should -Be $before
    }

    It 'upgrades a member with -HostCluster and removes its taint on the host' {
        $result = $script:Member1 | Invoke-KsMemberUpgrade -ValuesPath $script:Values -Chart $script:Chart -HostCluster $script:HostCluster `
            -BackupPath (Join-Path $script:Dir 'member1-backup') -JobTimeout 2m -Confirm:$false -WarningVariable warnings -InformationVariable info
        $result.Succeeded | Should -BeTrue
        # the member was just upgraded: its own release says so, whatever the host shows yet. The happy path has no
        # Warning at all; the backup's notice about Secrets in clear text is an Information record tagged KsUpgrade.Backup.
        $warnings | Should -BeNullOrEmpty
        $info | Where-Object { $_.Tags -contains 'KsUpgrade.Backup' -and "$_" -match 'holds Secrets' } | Should -Not -BeNullOrEmpty
        $result.Name | Should -Be 'member1'
        (Get-KsMemberCluster -Cluster $script:HostCluster -Name member1).Tainted | Should -BeFalse
    }

    It 'pipes a member upgrade result into Remove-KsMemberTaint on the host' {
        $member2 = $script:Sandbox.Clusters | Where-Object Context -eq 'member2'
        $result = $member2 | Invoke-KsMemberUpgrade -ValuesPath $script:Values -Chart $script:Chart -SkipHostCheck `
            -BackupPath (Join-Path $script:Dir 'member2-backup') -JobTimeout 2m -Confirm:$false -WarningVariable warnings
        $result.Succeeded | Should -BeTrue
        $warnings | Should -BeNullOrEmpty
        # With -SkipHostCheck the taint stays until removed: the result carries the member's name to the host, and the
        # member's own connection is the evidence that it runs v4 (the host may not show it yet).
        (Get-KsMemberCluster -Cluster $script:HostCluster -Name member2).Tainted | Should -BeTrue
        $untainted = $result | Remove-KsMemberTaint -Cluster $script:HostCluster -MemberCluster $member2 -Confirm:$false -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        $untainted.Name | Should -Be 'member2'
        $untainted.Tainted | Should -BeFalse
    }

    It 'shows the host and every upgraded member on v4.1.3, agents schedulable (KubeSphere''s cluster controller, one resync later)' {
        $deadline = (Get-Date).AddSeconds(20)
        do {
            $clusters = @(Get-KsMemberCluster -Cluster $script:HostCluster)
            if (-not ($clusters | Where-Object KubeSphereVersion -ne 'v4.1.3')) { break }
            Start-Sleep -Milliseconds 200
        } while ((Get-Date) -lt $deadline)
        $clusters.Name | Should -Be @('host', 'member1', 'member2')
        $clusters | ForEach-Object { $_.KubeSphereVersion | Should -Be 'v4.1.3' -Because "$($_.Name) is upgraded" }
        $clusters | Where-Object Role -eq 'Member' | ForEach-Object {
            $_.Tainted | Should -BeFalse
            $_.AgentsSchedulable | Should -BeTrue
        }
    }

    It 'checks the upgraded host as PostUpgrade by default' {
        $report = $script:HostCluster | Test-KsCluster -WarningAction SilentlyContinue
        $report.Phase | Should -Be 'PostUpgrade'
        ($report.Checks | Where-Object Id -eq 'KsCoreReleaseDeployed').Status | Should -Be 'Passed'
    }

    It 'upgrades the project and cluster gateways, one at a time, refuses the workspace gateway, and a second run reports them already upgraded' {
        $results = @($script:HostCluster | Get-KsGateway | Update-KsGateway -Chart $script:Chart -JobTimeout 2m -Confirm:$false -WarningAction SilentlyContinue -ErrorVariable errs -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 3
        # ks-upgrade v4.1.3 cannot convert a workspace gateway: refused before any change, and the cluster gateway waits for it
        ($results | Where-Object { $_.Gateway.Scope -eq 'Workspace' }).ErrorId | Should -Be 'KsUpgrade.GatewayWorkspaceUnsupported'
        "$(($results | Where-Object { $_.Gateway.Scope -eq 'Cluster' }).Outcome)" | Should -Be 'NotRun'
        @($errs).Count | Should -Be 1
        ($results | Where-Object { $_.Gateway.Scope -eq 'Project' }).Succeeded | Should -BeTrue

        $results = @(Update-KsGateway -Cluster $script:HostCluster -Name kubesphere-router-kubesphere-system -Chart $script:Chart -JobTimeout 2m -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop)
        $results[0].Succeeded | Should -BeTrue
        ($script:HostCluster | Get-KsGateway | Where-Object Scope -ne Workspace) | ForEach-Object { $_.Upgraded | Should -BeTrue }
        $names = ($script:HostCluster | Get-KsGateway | Where-Object Scope -ne Workspace).Name
        $again = Update-KsGateway -Cluster $script:HostCluster -Name $names -Chart $script:Chart -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        $again.Outcome | ForEach-Object { "$_" | Should -Be 'AlreadyUpgraded' }
    }

    It 'removes the legacy gateway CRD, with -Force while the workspace gateway is still on v3' {
        $result = Remove-KsLegacyGateway -Cluster $script:HostCluster -Force -Confirm:$false -WarningAction SilentlyContinue
        $result.CrdDeleted | Should -BeTrue
        $result.RemainingV3Gateways | Should -Be @('kubesphere-router-workspace-shop-ws')
    }
}
