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

Describe 'Start-KsSandbox -Scale @{ Members = 8 }: a fleet of nine clusters in one sandbox process' {
    BeforeAll {
        Use-KsTestHelm
        $script:FleetDir = New-KsTestDirectory -Name 'fleet-sandbox'
        $script:Fleet = Start-KsSandbox -Seed ks34-multicluster -Scale @{ Members = 8 }
        $script:MemberNames = 1..8 | ForEach-Object { "member$_" }
        $script:FleetHost = $script:Fleet.Clusters | Where-Object Context -eq 'host'
    }
    AfterAll {
        if ($script:Fleet) { $script:Fleet | Stop-KsSandbox -Confirm:$false }
        Remove-Item -Recurse -Force $script:FleetDir -ErrorAction SilentlyContinue
    }

    It 'serves the host and eight members, each its own API server on its own port and connected' {
        $script:Fleet.Contexts | Should -Be (@('host') + $script:MemberNames)
        $script:Fleet.Clusters.Count | Should -Be 9
        @($script:Fleet.Clusters | Where-Object Role -eq 'Member').Context | Should -Be $script:MemberNames
        $script:FleetHost.Role | Should -Be 'Host'
        @($script:Fleet.Clusters.Server | Select-Object -Unique).Count | Should -Be 9
        $script:Fleet.Clusters | ForEach-Object { $_.KubeSphereVersion | Should -Be 'v3.4.1' }
    }

    It 'answers real kubectl on every context with that cluster''s own nodes and a 3.4 cc of its role' {
        foreach ($context in $script:Fleet.Contexts) {
            $nodes = & $script:Kubectl --kubeconfig $script:Fleet.Kubeconfig --context $context get nodes -o json | ConvertFrom-Json
            $LASTEXITCODE | Should -Be 0 -Because "kubectl reaches $context"
            $nodes.items.Count | Should -Be 6
            $nodes.items | ForEach-Object { $_.metadata.name | Should -BeLike "$context-*" }
            $cc = & $script:Kubectl --kubeconfig $script:Fleet.Kubeconfig --context $context get clusterconfigurations.installer.kubesphere.io ks-installer -n kubesphere-system -o json | ConvertFrom-Json
            $LASTEXITCODE | Should -Be 0
            $cc.spec.multicluster.clusterRole | Should -Be $(if ($context -eq 'host') { 'host' } else { 'member' })
            $cc.metadata.labels.version | Should -Be 'v3.4.1'
        }
    }

    It 'registers every member on the host as a Cluster object, untainted and on v3.4.1' {
        $objects = & $script:Kubectl --kubeconfig $script:Fleet.Kubeconfig --context host get clusters.cluster.kubesphere.io -o json | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        @($objects.items.metadata.name | Sort-Object) | Should -Be @(@('host') + $script:MemberNames | Sort-Object)
        $members = @($script:FleetHost | Get-KsMemberCluster | Where-Object Role -eq 'Member')
        $members.Name | Should -Be $script:MemberNames
        $members | ForEach-Object {
            $_.KubeSphereVersion | Should -Be 'v3.4.1'
            $_.Ready | Should -BeTrue
            $_.Tainted | Should -BeFalse
        }
        # only the host registers clusters: a 3.4 member holds no Cluster object
        $onMember = & $script:Kubectl --kubeconfig $script:Fleet.Kubeconfig --context member8 get clusters.cluster.kubesphere.io -o json | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        @($onMember.items).Count | Should -Be 0
    }

    It 'runs the host upgrade and then a member upgrade of the last member to v4.1.3, seen on the host' {
        $member8 = $script:Fleet.Clusters | Where-Object Context -eq 'member8'
        $hostResult = $script:FleetHost | Invoke-KsHostUpgrade -ValuesPath $script:Fleet.ValuesPath -Chart $script:Fleet.ChartPath `
            -BackupPath (Join-Path $script:FleetDir 'host') -JobTimeout 2m -Confirm:$false -InformationAction SilentlyContinue
        $hostResult.Succeeded | Should -BeTrue
        $memberResult = $member8 | Invoke-KsMemberUpgrade -ValuesPath $script:Fleet.ValuesPath -Chart $script:Fleet.ChartPath -HostCluster $script:FleetHost `
            -BackupPath (Join-Path $script:FleetDir 'member8') -JobTimeout 2m -Confirm:$false -InformationAction SilentlyContinue
        $memberResult.Succeeded | Should -BeTrue
        $memberResult.ToVersion | Should -Be 'v4.1.3'
        # the host's cluster controller resyncs every second: member8 on v4.1.3 and untainted, the others still on v3.4.1
        $deadline = (Get-Date).AddSeconds(20)
        do {
            Start-Sleep -Milliseconds 500
            $view = @($script:FleetHost | Get-KsMemberCluster)
        } while (($view | Where-Object Name -eq 'member8').KubeSphereVersion -ne 'v4.1.3' -and (Get-Date) -lt $deadline)
        ($view | Where-Object Name -eq 'member8').KubeSphereVersion | Should -Be 'v4.1.3'
        ($view | Where-Object Name -eq 'member8').Tainted | Should -BeFalse
        @($view | Where-Object { $_.Role -eq 'Member' -and $_.Name -ne 'member8' } | ForEach-Object KubeSphereVersion | Select-Object -Unique) | Should -Be @('v3.4.1')
    }
}
