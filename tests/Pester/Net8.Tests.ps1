# The engine on .NET 8, the runtime of PowerShell 7.4 (the oldest pwsh the module supports; only pwsh 7.6 on .NET 10
# can be installed here). build.ps1 test publishes tests/Net8Smoke self-contained with the .NET 8 runtime pack into
# out/net8-smoke; this runs it on a sandbox: connect, the pre-flight checks, a backup and the host upgrade with real helm.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    $root = if ($env:KSUPGRADE_ROOT) { $env:KSUPGRADE_ROOT } else { (Get-Item $PSScriptRoot).Parent.Parent.FullName }
    $script:Smoke = Join-Path $root ('out/net8-smoke/Net8Smoke' + $(if ($IsWindows) { '.exe' } else { '' }))
    $script:Helm = if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM3 } else { $env:KSUPGRADE_HELM }
    $fixtures = Join-Path $root 'tests/fixtures'
    $script:Values = Join-Path $fixtures 'ks-core-values.yaml'
    $script:Chart = Join-Path $fixtures 'ks-core'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-net8-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Work | Out-Null
}
AfterAll { Remove-Item -Recurse -Force $script:Work -ErrorAction SilentlyContinue }

Describe 'The engine on the .NET 8 runtime' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-host
        $cluster = $script:Sandbox.Clusters[0]
        if (Test-Path $script:Smoke) {
            $script:Output = & $script:Smoke --kubeconfig $script:Sandbox.Kubeconfig --context $cluster.Context --values $script:Values `
                --chart $script:Chart --helm $script:Helm --work $script:Work 2>&1
            $script:Exit = $LASTEXITCODE
            $script:Summary = ($script:Output -join "`n") | ConvertFrom-Json
        }
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It 'was published by build.ps1 test (out/net8-smoke)' {
        $script:Smoke | Should -Exist
    }

    It 'runs on .NET 8, not on the machine''s newer runtime' {
        $script:Summary.runtime | Should -BeLike '.NET 8.0.*'
        $script:Summary.runtimeVersion | Should -BeLike '8.0.*'
    }

    It 'connects, checks, backs up and upgrades the host' {
        $script:Exit | Should -Be 0 -Because ($script:Output -join "`n")
        $script:Summary.connected.kubeSphereVersion | Should -BeLike 'v3.4*'
        $script:Summary.checks | Should -BeGreaterThan 10
        $script:Summary.backupObjects | Should -BeGreaterThan 50
        $script:Summary.upgrade.succeeded | Should -BeTrue
        $script:Summary.upgrade.steps | Should -Contain 'HelmUpgrade: Succeeded'
    }

    It 'left the cluster on KubeSphere 4, as pwsh 7.6 reads it' {
        $after = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context $script:Sandbox.Clusters[0].Context
        $after.KubeSphereVersion | Should -BeLike 'v4.1*'
    }
}
