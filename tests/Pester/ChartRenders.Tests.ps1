# Nothing is changed until everything that will be asked of helm and the API server has been rendered and checked:
# Test-KsCluster -Chart, Invoke-KsHostUpgrade -WhatIf and the upgrade itself reach the same verdict, with helm 3 and 4.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    $script:Fixtures = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures'
    $script:Values = Join-Path $script:Fixtures 'ks-core-values.yaml'
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-renders-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Dir | Out-Null
    # a copy of the fixture chart that renders a kind nothing serves
    $script:Broken = Join-Path $script:Dir 'ks-core-broken'
    Copy-Item -Recurse (Join-Path $script:Fixtures 'ks-core') $script:Broken
    Set-Content -LiteralPath (Join-Path $script:Broken 'templates/widget.yaml') -Value "apiVersion: widgets.example.io/v1`nkind: Widget`nmetadata:`n  name: left-over"
    $script:Sandbox = Start-KsSandbox -Seed ks34-host
    $script:HostCluster = $script:Sandbox.Clusters[0]
}
AfterAll {
    $script:Sandbox | Stop-KsSandbox -Confirm:$false
    Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
}

Describe 'The render proof with <Name>' -ForEach @(
    @{ Name = 'helm 3'; Variable = 'KSUPGRADE_HELM3' }
    @{ Name = 'helm 4'; Variable = 'KSUPGRADE_HELM4' }
) {
    BeforeAll {
        $script:Helm = [Environment]::GetEnvironmentVariable($Variable)
        # build.ps1 test fetches both helm binaries and sets these variables; a missing one fails, it never skips
        $script:Helm | Should -Not -BeNullOrEmpty -Because "build.ps1 test sets $Variable"
        Test-Path -LiteralPath $script:Helm | Should -BeTrue
    }

    It 'Test-KsCluster -Chart passes ChartRenders on the fixture chart and names what the CRDs will serve' {
        $report = $script:HostCluster | Test-KsCluster -ValuesPath $script:Values -Chart (Join-Path $script:Fixtures 'ks-core') -HelmPath $script:Helm -WarningAction SilentlyContinue
        $check = $report.Checks | Where-Object Id -eq 'ChartRenders'
        $check.Status | Should -Be 'Passed'
        $check.Message | Should -Match 'GlobalRole iam\.kubesphere\.io/v1beta1'
    }

    It 'Test-KsCluster, -WhatIf and the upgrade all stop a chart that cannot finish, and nothing changes' {
        $before = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $script:HostCluster.Context
        $report = $script:HostCluster | Test-KsCluster -ValuesPath $script:Values -Chart $script:Broken -HelmPath $script:Helm -WarningAction SilentlyContinue
        $check = $report.Checks | Where-Object Id -eq 'ChartRenders'
        $check.Status | Should -Be 'Failed'
        $check.Message | Should -Match 'Widget widgets\.example\.io/v1'
        $report.Passed | Should -BeFalse

        $backup = Join-Path $script:Dir ("bk-" + [guid]::NewGuid())
        $whatIf = $null
        try { $script:HostCluster | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Broken -HelmPath $script:Helm -BackupPath $backup -WhatIf -ErrorAction Stop 6>$null | Out-Null }
        catch { $whatIf = $_ }
        $whatIf.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ChartRenderFailed*'
        $whatIf.Exception.Message | Should -Match 'Widget widgets\.example\.io/v1'

        $err = $null
        try { $script:HostCluster | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Broken -HelmPath $script:Helm -BackupPath $backup -IgnoreCheck ChartAdoption, NodesReady -Confirm:$false -ErrorAction Stop | Out-Null }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ChartRenderFailed*'
        $err.CategoryInfo.Category | Should -Be 'InvalidResult'
        $err.ErrorDetails.RecommendedAction + $err.Exception.Message | Should -Match 'Test-KsCluster -Chart'
        Test-Path -LiteralPath $backup | Should -BeFalse
        Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $script:HostCluster.Context | Should -Be $before
    }
}
