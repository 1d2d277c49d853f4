# Invoke-KsUpgrade's cmdlet surface on the sandbox (the engine's cases — a failing member, a stop, a failed pre-flight —
# are xunit tests in tests/KsUpgrade.Tests/Fleet): the -WhatIf plan changes nothing, and a real run writes one
# KsFleetClusterResult per cluster then one KsFleetResult, with a fleet progress bar and a child bar per cluster.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    Use-KsTestHelm
    $script:Chart = Get-KsFixture ks-core
    $script:Values = Get-KsFixture ks-core-values.yaml
    $script:Dir = New-KsTestDirectory fleet
    $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
    $script:HostCluster = $script:Sandbox.Clusters | Where-Object Context -eq 'host'
    $script:Members = @($script:Sandbox.Clusters | Where-Object Context -ne 'host')
}

AfterAll {
    $script:Sandbox | Stop-KsSandbox -Confirm:$false
    Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
}

Describe 'Invoke-KsUpgrade' {
    It '-WhatIf prints the fleet plan, writes the summary and changes nothing' {
        $before = 'host', 'member1', 'member2' | ForEach-Object { Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $_ }
        $out = Invoke-KsUpgrade -HostCluster $script:HostCluster -MemberCluster $script:Members -ValuesPath $script:Values -Chart $script:Chart `
            -IncludeGateways -RepointIngressClass -ThrottleLimit 2 -BackupPath (Join-Path $script:Dir 'whatif') -WhatIf 6>&1
        $summary = @($out | Where-Object { $_ -is [KsUpgrade.KsFleetResult] })
        $summary.Count | Should -Be 1
        $summary[0].WhatIf | Should -BeTrue
        $summary[0].Done | Should -BeFalse
        $summary[0].Clusters.Name | Should -Be @('host', 'member1', 'member2')
        $summary[0].Clusters.State | Should -Be @('Pending', 'Pending', 'Pending')
        $plan = $summary[0].Plan -join "`n"
        $plan | Should -Match 'Host host: Preflight, Backup'
        $plan | Should -Match 'up to 2 at once'
        $plan | Should -Match 'member1'
        $plan | Should -Match 'member2'
        $plan | Should -Match 'Gateways of every cluster'
        $plan | Should -Match 'kubesphere-router-cluster\) are pointed at its IngressClass \(-RepointIngressClass\)'
        ('host', 'member1', 'member2' | ForEach-Object { Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $_ }) | Should -Be $before
        Join-Path $script:Dir 'whatif' | Should -Not -Exist
    }

    It '-WhatIf with a URL -Chart says it would download the chart, and fetches nothing' {
        # nothing listens on this port: a download attempt would fail at once (KsUpgrade.ChartNotFound)
        $url = "https://127.0.0.1:$(Get-FreeTcpPort)/charts/ks-core-1.1.5.tgz"
        $before = 'host', 'member1', 'member2' | ForEach-Object { Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $_ }
        $out = Invoke-KsUpgrade -HostCluster $script:HostCluster -MemberCluster $script:Members -ValuesPath $script:Values -Chart $url `
            -ChartSha256 ('ab' * 32) -BackupPath (Join-Path $script:Dir 'whatif-url') -WhatIf -ErrorAction Stop 6>&1
        $summary = @($out | Where-Object { $_ -is [KsUpgrade.KsFleetResult] })
        $summary.Count | Should -Be 1
        $summary[0].WhatIf | Should -BeTrue
        ($summary[0].Plan -join "`n") | Should -Match ('would be downloaded from ' + [regex]::Escape($url) + ' .*once the fleet is confirmed')
        ('host', 'member1', 'member2' | ForEach-Object { Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $_ }) | Should -Be $before
        Join-Path $script:Dir 'whatif-url' | Should -Not -Exist
    }

    It 'upgrades the fleet: one result per cluster, then the summary; records tagged; a bar per cluster under the fleet bar' {
        $progress = [System.Collections.Generic.List[object]]::new()
        $ps = [powershell]::Create()
        $null = $ps.AddCommand('Import-Module').AddArgument((Get-KsModulePath)).AddStatement()
        $null = $ps.AddCommand('Invoke-KsUpgrade').AddParameters(@{
                HostCluster = $script:HostCluster; MemberCluster = $script:Members; ValuesPath = $script:Values; Chart = $script:Chart
                BackupPath = (Join-Path $script:Dir 'run'); JobTimeout = '2m'; Confirm = $false })
        $out = $ps.Invoke()
        $ps.Streams.Error | ForEach-Object { "$_" } | Should -BeNullOrEmpty
        $progress = $ps.Streams.Progress
        $info = $ps.Streams.Information
        $ps.Dispose()

        $objects = @($out | ForEach-Object { if ($_ -is [psobject]) { $_.psobject.BaseObject } else { $_ } })
        $objects.Count | Should -Be 4
        $objects[0..2] | ForEach-Object { $_ | Should -BeOfType ([KsUpgrade.KsFleetClusterResult]) }
        $summary = $objects[3]
        $summary | Should -BeOfType ([KsUpgrade.KsFleetResult])
        $summary.Done | Should -BeTrue
        $summary.Remaining | Should -BeNullOrEmpty
        $summary.Journal | Should -Be 'kubesphere-system/ks-upgrade-fleet-journal'
        $summary.Clusters | ForEach-Object { $_.Version | Should -Be 'v4.1.3'; $_.Upgrade.Succeeded | Should -BeTrue; $_.PostUpgrade.Passed | Should -BeTrue }

        $fleetBar = $progress | Where-Object ActivityId -eq 7000
        $fleetBar | Should -Not -BeNullOrEmpty
        $clusterBars = $progress | Where-Object ParentActivityId -eq 7000
        @($clusterBars.Activity | Sort-Object -Unique) | Should -Be @('host', 'member1', 'member2')
        @($info | Where-Object { $_.Tags -contains 'KsUpgrade.Cluster:member2' }).Count | Should -BeGreaterThan 0
        @($info | Where-Object { $_.Tags -contains 'KsUpgrade.Target' }).Count | Should -Be 3
    }
}

Describe 'Invoke-KsUpgrade fan-out: a parent -HostOnly, then child jobs in their own pwsh processes' {
    BeforeAll { $script:FanSandbox = Start-KsSandbox -Seed ks34-multicluster }
    AfterAll { $script:FanSandbox | Stop-KsSandbox -Confirm:$false }

    It 'the parent does the host; two child jobs at once each do their member; one journal ends with every cluster Done' {
        $fanHost, $fanMembers = $script:FanSandbox.Clusters.Where({ $_.Context -eq 'host' }, 'Split')
        $fanHost = $fanHost[0]; $fanMembers = @($fanMembers)
        $fleet = @{ HostCluster = $fanHost; ValuesPath = $script:Values; Chart = $script:Chart; JobTimeout = '2m'; Confirm = $false }
        $parent = @(Invoke-KsUpgrade @fleet -MemberCluster $fanMembers -HostOnly -BackupPath (Join-Path $script:Dir 'fan-parent') -ErrorAction Stop) |
            Where-Object { $_ -is [KsUpgrade.KsFleetResult] }
        ($parent.Clusters | Where-Object Name -eq 'host').State | Should -Be 'Done'
        ($parent.Clusters | Where-Object Name -ne 'host').State | Should -Be @('Pending', 'Pending')

        # the children: separate pwsh processes (Start-Job), one member each, started together
        $child = {
            param($module, $kubeconfig, $member, $values, $chart, $backup)
            $ErrorActionPreference = 'Stop'
            Import-Module $module
            $h = Connect-KsCluster -Kubeconfig $kubeconfig -Context host
            $m = Connect-KsCluster -Kubeconfig $kubeconfig -Context $member
            $out = Invoke-KsUpgrade -HostCluster $h -MemberCluster $m -ValuesPath $values -Chart $chart -BackupPath $backup -JobTimeout 2m -Confirm:$false
            $summary = $out | Where-Object { $_ -is [KsUpgrade.KsFleetResult] }
            [pscustomobject]@{
                Pid = $PID; Done = $summary.Done
                Clusters = @($summary.Clusters | ForEach-Object { "$($_.Name)=$($_.State)/$([bool] $_.Upgrade)" })
            }
        }
        $jobs = foreach ($m in 'member1', 'member2') {
            Start-Job -ScriptBlock $child -ArgumentList (Get-KsModulePath), $script:FanSandbox.Kubeconfig, $m, $script:Values, $script:Chart, (Join-Path $script:Dir "fan-$m")
        }
        $results = @($jobs | Wait-Job -Timeout 600 | Receive-Job)
        $states = $jobs | ForEach-Object State
        $jobs | Remove-Job -Force
        $states | Should -Be @('Completed', 'Completed')
        $results.Count | Should -Be 2
        @($results.Pid | Sort-Object -Unique).Count | Should -Be 2
        $results[0].Pid | Should -Not -Be $PID
        $results | ForEach-Object { $_.Done | Should -BeTrue }
        # the host Done by the parent is not upgraded again by either child; each child upgraded its own member
        $results | ForEach-Object { $_.Clusters | Should -Contain 'host=Done/False' }
        ($results.Clusters | Where-Object { $_ -like 'member*' } | Sort-Object) | Should -Be @('member1=Done/True', 'member2=Done/True')

        # what the host shows: every cluster on v4.1.3, no member tainted; the final whole-fleet pass upgrades nothing again
        # (the host's cluster controller catches up with the members' versions within seconds)
        $deadline = (Get-Date).AddSeconds(30)
        do {
            $view = @($fanHost | Get-KsMemberCluster)
            if (-not ($view | Where-Object { $_.KubeSphereVersion -ne 'v4.1.3' -or $_.Tainted })) { break }
            Start-Sleep -Milliseconds 500
        } while ((Get-Date) -lt $deadline)
        $view.Count | Should -Be 3
        $view | ForEach-Object { $_.KubeSphereVersion | Should -Be 'v4.1.3'; $_.Tainted | Should -BeFalse }
        $final = @(Invoke-KsUpgrade @fleet -MemberCluster $fanMembers -ErrorAction Stop)
        $summary = $final | Where-Object { $_ -is [KsUpgrade.KsFleetResult] }
        $summary.Done | Should -BeTrue
        $summary.Clusters | ForEach-Object { $_.Upgrade | Should -BeNullOrEmpty }
    }
}
