BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    $script:Kubectl = if ($env:KSUPGRADE_KUBECTL) { $env:KSUPGRADE_KUBECTL } else { (Get-Command kubectl -ErrorAction SilentlyContinue).Source }
}

Describe 'Start-KsSandbox / Stop-KsSandbox' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
    }
    AfterAll {
        if ($script:Sandbox) { $script:Sandbox | Stop-KsSandbox -Confirm:$false }
    }

    It 'returns a running sandbox with one connected cluster per context' {
        $script:Sandbox | Should -BeOfType ([KsUpgrade.KsSandbox])
        $script:Sandbox.Running | Should -BeTrue
        $script:Sandbox.Contexts | Should -Be @('host', 'member1', 'member2')
        $script:Sandbox.Clusters.Count | Should -Be 3
        $script:Sandbox.Clusters | ForEach-Object { $_ | Should -BeOfType ([KsUpgrade.KsCluster]) }
        ($script:Sandbox.Clusters | Where-Object Context -eq 'host').Role | Should -Be 'Host'
        ($script:Sandbox.Clusters | Where-Object Context -eq 'member1').Role | Should -Be 'Member'
        ($script:Sandbox.Clusters | Where-Object Context -eq 'host').KubeSphereVersion | Should -Be 'v3.4.1'
        Test-Path $script:Sandbox.Kubeconfig | Should -BeTrue
    }

    It 'serves real kubectl through its kubeconfig' {
        $nodes = & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host get nodes -o json | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        $nodes.items.Count | Should -BeGreaterThan 0
    }

    It 'connects again by context from its kubeconfig' {
        $c = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context member2
        $c.Role | Should -Be 'Member'
        $c.KubernetesVersion | Should -Match '^v1\.'
    }

    It 'stops, and the process is gone' {
        $s = Start-KsSandbox -Seed ks34-member
        $id = $s.ProcessId
        Get-Process -Id $id -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty
        $s | Stop-KsSandbox -Confirm:$false
        Start-Sleep -Milliseconds 300
        Get-Process -Id $id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'exits when the pwsh that started it exits' {
        $r = Invoke-CleanPwsh "Import-Module '$(Get-KsModulePath)'; (Start-KsSandbox -Seed ks34-member).ProcessId"
        $r.ExitCode | Should -Be 0
        $id = [int] $r.Output[-1]
        $deadline = (Get-Date).AddSeconds(10)
        while ((Get-Process -Id $id -ErrorAction SilentlyContinue) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200 }
        Get-Process -Id $id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses an unknown seed with a clear error' {
        { Start-KsSandbox -Seed (Join-Path ([IO.Path]::GetTempPath()) 'no-such-seed.yaml') -ErrorAction Stop } | Should -Throw -ErrorId 'KsUpgrade.SandboxFailed*'
    }

    It 'refuses an unknown -Scale key' {
        { Start-KsSandbox -Seed ks34-host -Scale @{ Bogus = 1 } -ErrorAction Stop } | Should -Throw -ErrorId 'KsUpgrade.SandboxScaleInvalid*'
    }
}
