BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-test-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Dir | Out-Null
    $script:Values = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures/ks-core-values.yaml'
    # upgrade.sh's convention: the chart unpacked in ./charts/ks-core where the upgrade runs (ChartAvailable finds it)
    $script:Work = Join-Path $script:Dir 'work'
    New-Item -ItemType Directory -Path (Join-Path $script:Work 'charts') -Force | Out-Null
    Copy-Item -Recurse (Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures/ks-core') (Join-Path $script:Work 'charts/ks-core')
    Push-Location $script:Work
}
AfterAll { Pop-Location; Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue }

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
        ($report.Checks | Where-Object Id -eq 'KsInstallerIdle').Message | Should -Match '^From the cc status'
        $report.Checks[0].Id | Should -Be 'ChartAvailable'
        $report.Checks[0].Message | Should -Match ([regex]::Escape((Join-Path $script:Work 'charts/ks-core')))
        ($report.Checks | Where-Object Id -eq 'ValuesFile').Status | Should -Be 'Passed'
        $report.Inventory.Nodes.Count | Should -BeGreaterThan 0
        $after | Should -Be $before
    }

    It 'fails ChartAvailable first where there is neither -Chart nor ./charts/ks-core, naming how to pass a local chart and -ImageRegistry' {
        $empty = Join-Path $script:Dir 'empty'
        New-Item -ItemType Directory -Path $empty -Force | Out-Null
        Push-Location $empty
        try { $report = $script:Host1 | Test-KsCluster -WarningVariable warnings -WarningAction SilentlyContinue }
        finally { Pop-Location }
        $report.Checks[0].Id | Should -Be 'ChartAvailable'
        $report.Checks[0].Status | Should -Be 'Failed'
        $report.Checks[0].Remedy | Should -Match '-Chart'
        $report.Checks[0].Remedy | Should -Match '-ImageRegistry'
        $report.Passed | Should -BeFalse
        ($warnings -join "`n") | Should -Match 'ChartAvailable'
        # -Chart wins over the directory
        Push-Location $empty
        try { $given = $script:Host1 | Test-KsCluster -Chart (Join-Path $script:Work 'charts/ks-core') }
        finally { Pop-Location }
        ($given.Checks | Where-Object Id -eq 'ChartAvailable').Status | Should -Be 'Passed'
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

Describe 'Test-KsCluster -MemberCluster / -HostCluster on the multicluster sandbox' {
    BeforeAll {
        $script:Multi = Start-KsSandbox -Seed ks34-multicluster
        $script:MHost = $script:Multi.Clusters | Where-Object Context -eq 'host'
        $script:Members = @($script:Multi.Clusters | Where-Object Context -ne 'host')
    }
    AfterAll { $script:Multi | Stop-KsSandbox -Confirm:$false }

    It 'compares the jwtSecret of the host and its members, says equal, and changes nothing on any cluster' {
        $before = $script:Multi.Clusters | ForEach-Object { Get-SandboxStateText -Sandbox $script:Multi -Cluster $_.Context }
        $report = $script:MHost | Test-KsCluster -MemberCluster $script:Members
        $after = $script:Multi.Clusters | ForEach-Object { Get-SandboxStateText -Sandbox $script:Multi -Cluster $_.Context }
        $jwt = $report.Checks | Where-Object Id -eq 'JwtSecretConsistent'
        $jwt.Status | Should -Be 'Passed'
        $jwt.Data.Verdict | Should -Be @('equal', 'equal')
        $after | Should -Be $before
        # from a member, with -HostCluster
        $fromMember = $script:Members[0] | Test-KsCluster -HostCluster $script:MHost
        ($fromMember.Checks | Where-Object Id -eq 'JwtSecretConsistent').Status | Should -Be 'Passed'
        # without another cluster the check is Skipped
        (($script:MHost | Test-KsCluster).Checks | Where-Object Id -eq 'JwtSecretConsistent').Status | Should -Be 'Skipped'
    }
}

Describe 'Test-KsCluster -ProbeImages (opt-in, not read-only)' {
    BeforeAll {
        $script:Probe = Start-KsSandbox -Seed ks34-host
        $script:PHost = $script:Probe.Clusters | Where-Object Context -eq 'host'
        function Get-ProbeJob {
            Invoke-SandboxControl -Sandbox $script:Probe -Path 'clusters/host/state' |
                ForEach-Object { $_.objects } | Where-Object { $_.kind -eq 'Job' -and $_.metadata.name -eq 'ksupgrade-image-probe' }
        }
    }
    AfterAll { $script:Probe | Stop-KsSandbox -Confirm:$false }

    It 'with -WhatIf creates nothing and says ImagesPullable was not run' {
        $before = Get-SandboxStateText -Sandbox $script:Probe -Cluster host
        $report = $script:PHost | Test-KsCluster -ProbeImages -WhatIf -WarningAction SilentlyContinue
        $check = $report.Checks | Where-Object Id -eq 'ImagesPullable'
        $check.Status | Should -Be 'Skipped'
        $check.Message | Should -Match 'not confirmed'
        Get-SandboxStateText -Sandbox $script:Probe -Cluster host | Should -Be $before
    }

    It 'pulls every image the rendered chart runs, from -ImageRegistry, in a Job deleted after the run; without -ProbeImages the check is Skipped' {
        $report = $script:PHost | Test-KsCluster -ProbeImages -Chart (Get-KsFixture ks-core) -ValuesPath (Get-KsFixture ks-core-values.yaml) -ImageRegistry 'mirror.local:5000' -Confirm:$false -WarningAction SilentlyContinue
        $check = $report.Checks | Where-Object Id -eq 'ImagesPullable'
        $check.Status | Should -Be 'Passed' -Because $check.Message
        $check.Message | Should -Match 'rendered chart'
        $check.Data.Image | Should -Contain 'mirror.local:5000/kubesphere/ks-upgrade:v4.1.3'
        # the chart's own pins come from its values, not from the module
        $kubectlTag = (Select-String -Path (Join-Path (Get-KsFixture ks-core) 'values.yaml') -Pattern 'repository: kubesphere/kubectl' -Context 0, 1)[0].Context.PostContext[0].Trim() -replace '^tag:\s*', ''
        $check.Data.Image | Should -Contain "mirror.local:5000/kubesphere/kubectl:$kubectlTag"
        $check.Data.Image | ForEach-Object { $_ | Should -BeLike 'mirror.local:5000/*' }
        Get-ProbeJob | Should -BeNullOrEmpty
        (($script:PHost | Test-KsCluster -WarningAction SilentlyContinue).Checks | Where-Object Id -eq 'ImagesPullable').Message | Should -Match '-ProbeImages'
    }

    It 'without a chart pulls the images the parameters name and warns that the chart''s own images were not pulled' {
        $report = $script:PHost | Test-KsCluster -ProbeImages -Confirm:$false -WarningAction SilentlyContinue
        $check = $report.Checks | Where-Object Id -eq 'ImagesPullable'
        $check.Status | Should -Be 'Warning' -Because $check.Message
        $check.Message | Should -Match 'not pulled: the chart was not rendered'
        $check.Remedy | Should -Match '-Chart'
        $check.Data.Image | Should -Contain 'docker.io/kubesphere/ks-upgrade:v4.1.3'
        Get-ProbeJob | Should -BeNullOrEmpty
    }

    It 'refuses a bad -ImageRegistry before anything is created' {
        { $script:PHost | Test-KsCluster -ProbeImages -ImageRegistry 'docker.io;id' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'KsUpgrade.ParameterInvalid*'
        Get-ProbeJob | Should -BeNullOrEmpty
    }
}
