BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-test-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Dir | Out-Null
    $script:Values = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures/ks-core-values.yaml'
}
AfterAll { Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue }

Describe 'Test-KsCluster on a healthy KubeSphere 3.4 host' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-host
        $script:Host1 = $script:Sandbox.Clusters[0]
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It 'passes every pre-flight check, and changes nothing in the cluster' {
        $before = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $script:Host1.Context
        $report = $script:Host1 | Test-KsCluster -ValuesPath $script:Values
        $after = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $script:Host1.Context
        $report | Should -BeOfType ([KsUpgrade.KsClusterReport])
        $report.Phase | Should -Be 'Preflight'
        $report.Checks | Where-Object Status -eq Failed | Should -BeNullOrEmpty
        $report.Passed | Should -BeTrue
        $report.Cluster.Context | Should -Be $script:Host1.Context
        $report.Checks.Id | Should -Contain 'NodesReady'
        $report.Checks.Id | Should -Contain 'KsInstallerIdle'
        ($report.Checks | Where-Object Id -eq 'ValuesFile').Status | Should -Be 'Passed'
        $report.Inventory.Nodes.Count | Should -BeGreaterThan 0
        $after | Should -Be $before
    }

    It 'returns only $true with -Quiet' {
        $script:Host1 | Test-KsCluster -Quiet | Should -BeExactly $true
    }

    It 'connects from parameters as well as from -Cluster' {
        $report = Test-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context $script:Host1.Context
        $report.Cluster.Role | Should -Be 'Host'
    }

    It 'fails HelmVersion (not crashes) when helm is missing' {
        $report = $script:Host1 | Test-KsCluster -HelmPath (Join-Path $script:Dir 'no-helm-here') -WarningAction SilentlyContinue
        ($report.Checks | Where-Object Id -eq 'HelmVersion').Status | Should -Be 'Failed'
        $report.Passed | Should -BeFalse
    }

    It 'fails ValuesFile on a malformed values file, naming the line' {
        $bad = Join-Path $script:Dir 'bad-values.yaml'
        "upgrade:`n  enabled: [true`n" | Set-Content $bad
        $report = $script:Host1 | Test-KsCluster -ValuesPath $bad -WarningAction SilentlyContinue
        $check = $report.Checks | Where-Object Id -eq 'ValuesFile'
        $check.Status | Should -Be 'Failed'
        $check.Message | Should -Match 'line \d+'
    }
}

Describe 'Test-KsCluster with faults, one at a time' {
    BeforeEach {
        $script:Sandbox = Start-KsSandbox -Seed ks34-host
        $script:Host1 = $script:Sandbox.Clusters[0]
    }
    AfterEach { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It 'fails NodesReady for a NotReady node, with a Warning record, and the other checks still pass' {
        $node = (Invoke-SandboxControl -Sandbox $script:Sandbox -Path "clusters/$($script:Host1.Context)/state").objects |
            Where-Object { $_.kind -eq 'Node' } | Select-Object -First 1
        Invoke-SandboxControl -Sandbox $script:Sandbox -Method POST -Path 'actions/node-ready' -Body @{ cluster = $script:Host1.Context; node = $node.metadata.name; ready = $false } | Out-Null
        $report = $script:Host1 | Test-KsCluster -WarningVariable warnings -WarningAction SilentlyContinue
        $failed = @($report.Checks | Where-Object Status -eq Failed)
        $failed.Id | Should -Be @('NodesReady')
        $failed[0].Message | Should -Match ([regex]::Escape($node.metadata.name))
        ($warnings -join "`n") | Should -Match 'NodesReady'
        $script:Host1 | Test-KsCluster -Quiet -WarningAction SilentlyContinue | Should -BeExactly $false

        # A failed report stops the upgrade before anything changes; -IgnoreCheck NodesReady waives that one check (previewed here).
        $before = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $script:Host1.Context
        $values = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures/ks-core-values.yaml'
        $chart = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures/ks-core'
        $err = $null
        try { $report | Invoke-KsHostUpgrade -ValuesPath $values -Chart $chart -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.PreflightFailed*'
        "$err" | Should -Match 'NodesReady'
        $preview = $report | Invoke-KsHostUpgrade -ValuesPath $values -Chart $chart -IgnoreCheck NodesReady -WhatIf -BackupPath (Join-Path $script:Dir 'forced') -WarningAction SilentlyContinue
        ($preview.Steps | Where-Object Name -eq 'Preflight').Status | Should -Not -Be 'Failed'
        Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $script:Host1.Context | Should -Be $before
    }

    It 'fails KsCoreReleaseNotPending for a pending ks-core release, with the secret to delete in the remedy' {
        Invoke-SandboxControl -Sandbox $script:Sandbox -Method POST -Path 'actions/helm-release-status' -Body @{ cluster = $script:Host1.Context; namespace = 'kubesphere-system'; release = 'ks-core'; status = 'pending-upgrade' } | Out-Null
        $report = $script:Host1 | Test-KsCluster -WarningAction SilentlyContinue
        $check = $report.Checks | Where-Object Id -eq 'KsCoreReleaseNotPending'
        $check.Status | Should -Be 'Failed'
        $check.Remedy | Should -Match 'sh\.helm\.release\.v1\.ks-core\.v\d+'
    }

    It 'reports, not crashes on, a kind it may not read' {
        Invoke-SandboxControl -Sandbox $script:Sandbox -Method POST -Path 'faults' -Body @{ verb = '*'; resource = 'nodes'; status = 403 } | Out-Null
        $report = $script:Host1 | Test-KsCluster -WarningAction SilentlyContinue
        ($report.Checks | Where-Object Id -eq 'NodesReady').Status | Should -BeIn @('Warning', 'Skipped')
        ($report.Checks | Where-Object Id -eq 'NodesReady').Message | Should -Match 'not permitted|forbidden'
    }
}
