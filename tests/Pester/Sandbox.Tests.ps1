BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    $script:Kubectl = if ($env:KSUPGRADE_KUBECTL) { $env:KSUPGRADE_KUBECTL } else { (Get-Command kubectl -ErrorAction SilentlyContinue).Source }
}

Describe 'The KsUpgrade.Sandbox module' {
    It 'is its own module, separate from KsUpgrade' {
        (Get-Command Start-KsSandbox).ModuleName | Should -Be 'KsUpgrade.Sandbox'
        (Get-Command Stop-KsSandbox).ModuleName | Should -Be 'KsUpgrade.Sandbox'
        (Get-Command Get-KsSandbox).ModuleName | Should -Be 'KsUpgrade.Sandbox'
        Get-Command -Module KsUpgrade -Name '*-KsSandbox' | Should -BeNullOrEmpty
    }
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

    It 'returns the rehearsal chart and values file the sandbox module ships' {
        $moduleBase = (Get-Module KsUpgrade.Sandbox).ModuleBase
        $script:Sandbox.ChartPath | Should -Be (Join-Path $moduleBase 'rehearsal/ks-core')
        $script:Sandbox.ValuesPath | Should -Be (Join-Path $moduleBase 'rehearsal/ks-core-values.yaml')
        Join-Path $script:Sandbox.ChartPath 'Chart.yaml' | Should -FileContentMatchExactly '^name: ks-core$'
        Join-Path $script:Sandbox.ChartPath 'Chart.yaml' | Should -FileContentMatchExactly '^appVersion: "?v4\.1\.3"?$'
        $script:Sandbox.ValuesPath | Should -FileContentMatchExactly '^upgrade:'
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
        $r = Invoke-CleanPwsh "Import-Module '$(Get-KsSandboxModulePath)'; (Start-KsSandbox -Seed ks34-member).ProcessId"
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

Describe 'Get-KsSandbox / Stop-KsSandbox -All' {
    It 'lists the running sandboxes of this session, and -All stops every one' {
        Stop-KsSandbox -All -Confirm:$false
        Get-KsSandbox | Should -BeNullOrEmpty
        $a = Start-KsSandbox -Seed ks34-host
        $b = Start-KsSandbox -Seed ks34-member
        try {
            $listed = @(Get-KsSandbox)
            $listed.ProcessId | Should -Be @($a.ProcessId, $b.ProcessId)
            $listed | ForEach-Object { $_ | Should -BeOfType ([KsUpgrade.KsSandbox]) }
            (Get-KsSandbox | Where-Object Seed -eq 'ks34-member').ProcessId | Should -Be $b.ProcessId

            $a | Stop-KsSandbox -Confirm:$false
            (Get-KsSandbox).ProcessId | Should -Be $b.ProcessId

            Stop-KsSandbox -All -WhatIf
            (Get-KsSandbox).ProcessId | Should -Be $b.ProcessId -Because '-WhatIf stops nothing'
            Stop-KsSandbox -All -Confirm:$false
            Get-KsSandbox | Should -BeNullOrEmpty
            Start-Sleep -Milliseconds 300
            Get-Process -Id $a.ProcessId, $b.ProcessId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally { $a, $b | Stop-KsSandbox -Confirm:$false }
    }

    It 'forgets a sandbox whose process ended on its own' {
        $s = Start-KsSandbox -Seed ks34-host
        try {
            Stop-Process -Id $s.ProcessId -Force
            $deadline = (Get-Date).AddSeconds(10)
            while ((Get-Process -Id $s.ProcessId -ErrorAction SilentlyContinue) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            (Get-KsSandbox).ProcessId | Should -Not -Contain $s.ProcessId
        }
        finally { $s | Stop-KsSandbox -Confirm:$false }
    }
}

Describe 'Start-KsSandbox without the KsUpgrade module' {
    It 'starts, with the rehearsal chart and values file and no Clusters, and says how to connect' {
        # A clean pwsh whose module path holds only the sandbox module (and PowerShell's own modules).
        $only = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-sandbox-only-" + [guid]::NewGuid())
        New-Item -ItemType Directory -Path $only | Out-Null
        try {
            Copy-Item -Recurse (Split-Path (Get-KsSandboxModulePath)) (Join-Path $only 'KsUpgrade.Sandbox')
            $r = Invoke-CleanPwsh @"
`$env:PSModulePath = '$only' + [IO.Path]::PathSeparator + (Join-Path `$PSHOME 'Modules')
`$s = Start-KsSandbox -Seed ks34-host -Verbose 4>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord]) { "verbose: `$(`$_.Message)" } else { `$_ } }
`$sandbox = `$s | Where-Object { `$_ -isnot [string] }
`$s | Where-Object { `$_ -is [string] }
"module: `$([bool](Get-Module KsUpgrade -ListAvailable))"
"clusters: `$(`$sandbox.Clusters.Count)"
"chart: `$(Test-Path (Join-Path `$sandbox.ChartPath 'Chart.yaml'))"
Stop-KsSandbox -All -Confirm:`$false
"left: `$(@(Get-KsSandbox).Count)"
"@
            $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
            $r.Output | Should -Contain 'module: False'
            $r.Output | Should -Contain 'clusters: 0'
            $r.Output | Should -Contain 'chart: True'
            $r.Output | Should -Contain 'left: 0'
            ($r.Output -join "`n") | Should -Match 'verbose: .*Connect-KsCluster -Kubeconfig'
        }
        finally { Remove-Item -Recurse -Force $only -ErrorAction SilentlyContinue }
    }
}
