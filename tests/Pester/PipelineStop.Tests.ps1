# No engine work outlives its cmdlet: when a downstream Select-Object -First stops the pipeline, the engine is
# cancelled, pending ShouldProcess questions are answered "no" and the worker is waited for, so the next call in the
# same process (which takes the same per-cluster gateway gate) returns.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
    $script:Fixtures = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures'
    $script:Chart = Join-Path $script:Fixtures 'ks-core'
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-stop-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Dir | Out-Null
    $script:Sandbox = Start-KsSandbox -Seed ks34-host
    $script:HostCluster = $script:Sandbox.Clusters[0]
    $script:HostCluster | Invoke-KsHostUpgrade -ValuesPath (Join-Path $script:Fixtures 'ks-core-values.yaml') -Chart $script:Chart `
        -BackupPath (Join-Path $script:Dir 'bk') -JobTimeout 2m -Confirm:$false -ErrorAction Stop -InformationAction SilentlyContinue | Out-Null
}
AfterAll {
    $script:Sandbox | Stop-KsSandbox -Confirm:$false
    Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
}

Describe 'A downstream stop' {
    It 'Update-KsGateway | Select-Object -First 1 leaves no worker behind: the next Update-KsGateway returns' {
        $names = @($script:HostCluster | Get-KsGateway | Where-Object Scope -ne Workspace).Name
        $names.Count | Should -BeGreaterThan 1
        # -Confirm asks before each gateway: the questions after the first output are answered "no" once the pipeline stopped
        $first = @(Update-KsGateway -Cluster $script:HostCluster -Name $names -Chart $script:Chart -JobTimeout 2m -Timeout 60s -Confirm:$false `
            -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | Select-Object -First 1)
        $first.Count | Should -Be 1

        # the same cmdlet again, in another runspace of this process (the gateway gate is process-wide), bounded in time
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                param($Module, $Cluster, $Names, $Chart)
                Import-Module $Module
                Update-KsGateway -Cluster $Cluster -Name $Names -Chart $Chart -JobTimeout 2m -Timeout 60s -Confirm:$false -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
            }).AddArgument((Get-KsModulePath)).AddArgument($script:HostCluster).AddArgument($names).AddArgument($script:Chart)
            $handle = $ps.BeginInvoke()
            $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(180)) | Should -BeTrue -Because 'a stopped Update-KsGateway must not hold the gateway gate'
            $results = @($ps.EndInvoke($handle))
            $results.Count | Should -Be $names.Count
            $results | ForEach-Object { "$($_.Outcome)" | Should -BeIn @('Upgraded', 'AlreadyUpgraded') }
        }
        finally { $ps.Dispose() }
    }

    It 'Get-KsGateway | Select-Object -First 1, then Get-KsGateway again in the same runspace' {
        @($script:HostCluster | Get-KsGateway | Select-Object -First 1).Count | Should -Be 1
        @($script:HostCluster | Get-KsGateway).Count | Should -BeGreaterThan 1
    }
}
