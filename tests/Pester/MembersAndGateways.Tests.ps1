BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    Use-KsTestHelm
    $script:Kubectl = if ($env:KSUPGRADE_KUBECTL) { $env:KSUPGRADE_KUBECTL } else { (Get-Command kubectl -ErrorAction SilentlyContinue).Source }
    $script:Chart = Get-KsFixture ks-core

    function Add-SchedulableTaint([string] $Member) {
        $patch = '[{"op":"add","path":"/status/conditions/-","value":{"type":"Schedulable","status":"False","reason":"Upgrading"}}]'
        & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host patch clusters.cluster.kubesphere.io $Member --type json -p $patch | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "kubectl patch failed" }
    }
    function Get-ConditionTypes([string] $Member) {
        $obj = & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host get clusters.cluster.kubesphere.io $Member -o json | ConvertFrom-Json
        @($obj.status.conditions.type)
    }
}

Describe 'Member clusters on the host' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
        $script:HostCluster = $script:Sandbox.Clusters | Where-Object Context -eq 'host'
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It 'lists the host and its members, with wildcards' {
        $all = $script:HostCluster | Get-KsMemberCluster
        $all.Name | Should -Be @('host', 'member1', 'member2')
        ($all | Where-Object Name -eq 'host').Role | Should -Be 'Host'
        ($all | Where-Object Name -eq 'member1').Role | Should -Be 'Member'
        $all | ForEach-Object { $_ | Should -BeOfType ([KsUpgrade.KsMemberCluster]) }
        (Get-KsMemberCluster -Cluster $script:HostCluster -Name 'member*').Name | Should -Be @('member1', 'member2')
    }

    It 'refuses a member still on 3.4: MemberNotUpgraded, the condition stays' {
        Add-SchedulableTaint member1
        $before = Get-ConditionTypes member1
        $err = $null
        try { Remove-KsMemberTaint -Cluster $script:HostCluster -Name member1 -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.MemberNotUpgraded*'
        "$err" | Should -Match 'v3\.4\.1'
        $err.ErrorDetails.RecommendedAction + "$($err.Exception.Remedy)" | Should -Match '-Force'
        Get-ConditionTypes member1 | Should -Be $before
        # under -WhatIf too: the refusal is what the preview shows
        $err = $null
        try { Remove-KsMemberTaint -Cluster $script:HostCluster -Name member1 -WhatIf -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.MemberNotUpgraded*'
    }

    It 'refuses it by the member''s own ks-core release with -MemberCluster, even when the host shows v4' {
        $member1 = $script:Sandbox.Clusters | Where-Object Context -eq 'member1'
        $patch = '[{"op":"replace","path":"/status/kubeSphereVersion","value":"v4.1.3"}]'
        & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host patch clusters.cluster.kubesphere.io member1 --type json -p $patch | Out-Null
        try {
            $err = $null
            try { Remove-KsMemberTaint -Cluster $script:HostCluster -MemberCluster $member1 -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.MemberNotUpgraded*'
            "$err" | Should -Match "context 'member1'"
            Get-ConditionTypes member1 | Should -Contain 'Schedulable'
            { Remove-KsMemberTaint -Cluster $script:HostCluster -MemberCluster $member1 -All -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'KsUpgrade.ParameterInvalid*'
        }
        finally {
            $patch = '[{"op":"replace","path":"/status/kubeSphereVersion","value":"v3.4.1"}]'
            & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host patch clusters.cluster.kubesphere.io member1 --type json -p $patch | Out-Null
        }
    }

    It '-Force removes it with a Warning and keeps the other conditions' {
        $before = Get-ConditionTypes member1
        $before | Should -Contain 'Schedulable'
        $result = Remove-KsMemberTaint -Cluster $script:HostCluster -Name member1 -Force -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $result.Name | Should -Be 'member1'
        $result.Tainted | Should -BeFalse
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Match 'v3\.4\.1'
        $after = Get-ConditionTypes member1
        $after | Should -Not -Contain 'Schedulable'
        $after.Count | Should -Be ($before.Count - 1)
    }

    It 'is idempotent: a member without the condition is reported unchanged, not an error' {
        $result = Remove-KsMemberTaint -Cluster $script:HostCluster -Name member1 -Confirm:$false -ErrorVariable errs
        $errs | Should -BeNullOrEmpty
        $result.Tainted | Should -BeFalse
    }

    It 'changes nothing under -WhatIf' {
        Add-SchedulableTaint member2
        Remove-KsMemberTaint -Cluster $script:HostCluster -Name member2 -Force -WhatIf -WarningAction SilentlyContinue
        Get-ConditionTypes member2 | Should -Contain 'Schedulable'
    }

    It 'takes members from Get-KsMemberCluster on the pipeline' {
        $script:HostCluster | Get-KsMemberCluster -Name member2 | Remove-KsMemberTaint -Force -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        Get-ConditionTypes member2 | Should -Not -Contain 'Schedulable'
    }

    It 'refuses the host cluster itself' {
        { Remove-KsMemberTaint -Cluster $script:HostCluster -Name host -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'KsUpgrade.HostClusterRefused*'
    }

    It 'names the known clusters for an unknown one' {
        $err = $null
        try { Remove-KsMemberTaint -Cluster $script:HostCluster -Name nope -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.MemberNotFound*'
        "$err" | Should -Match 'member1'
    }
}

Describe 'Gateways on a KubeSphere 3.4 host' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-host
        $script:HostCluster = $script:Sandbox.Clusters[0]
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It 'lists the cluster, workspace and project gateways, merging the -ingress releases' {
        $gateways = $script:HostCluster | Get-KsGateway
        $gateways | ForEach-Object { $_ | Should -BeOfType ([KsUpgrade.KsGateway]) }
        $gateways.Name | ForEach-Object { $_ | Should -Not -BeLike '*-ingress' }
        ($gateways.Scope | ForEach-Object ToString | Sort-Object -Unique) | Should -Be @('Cluster', 'Project', 'Workspace')
        ($gateways | Where-Object Scope -eq 'Cluster').Name | Should -Be 'kubesphere-router-kubesphere-system'
        $gateways | ForEach-Object { $_.Upgraded | Should -BeFalse }
    }

    It 'refuses to upgrade gateways before the host upgrade, naming the upgrade to run first, and changes nothing' {
        $before = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host
        $err = $null
        try { $script:HostCluster | Get-KsGateway | Update-KsGateway -Chart $script:Chart -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue } catch { $err = $_ }
        # the cluster on v3 is named first (not the PVC the host upgrade creates)
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ClusterNotUpgraded*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'Invoke-KsHostUpgrade'
        Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host | Should -Be $before
    }

    It 'names the known gateways for an unknown one' {
        $err = $null
        try { Update-KsGateway -Cluster $script:HostCluster -Name no-such-gateway -Chart $script:Chart -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.GatewayNotFound*'
        "$err" | Should -Match 'kubesphere-router-kubesphere-system'
    }

    It 'refuses the legacy clean-up while v3 gateways remain' {
        $err = $null
        try { Remove-KsLegacyGateway -Cluster $script:HostCluster -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.LegacyGatewaysRemain*'
        "$err" | Should -Match 'kubesphere-router'
    }

    It 'previews the forced clean-up with -WhatIf and changes nothing' {
        $before = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host
        Remove-KsLegacyGateway -Cluster $script:HostCluster -Force -WhatIf
        Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host | Should -Be $before
    }
}

Describe 'Update-KsGateway reports what the cluster shows (issue 14)' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
        $script:HostCluster = $script:Sandbox.Clusters | Where-Object Context -eq 'host'
        $script:Member = $script:Sandbox.Clusters | Where-Object Context -eq 'member1'
        $script:Values = Get-KsFixture ks-core-values.yaml
        $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksgw-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $script:Dir | Out-Null
        $script:HostCluster | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -BackupPath (Join-Path $script:Dir 'host') -JobTimeout 2m `
            -Confirm:$false -WarningAction SilentlyContinue -InformationAction SilentlyContinue | Out-Null
        $script:ProjectGateway = 'kubesphere-router-demo-project'
    }
    AfterAll {
        $script:Sandbox | Stop-KsSandbox -Confirm:$false
        Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
    }

    It 'refuses a workspace gateway before any change, and -ErrorAction Stop stops on it' {
        $workspace = (Get-KsGateway -Cluster $script:HostCluster | Where-Object Scope -eq Workspace | Select-Object -First 1).Name
        $workspace | Should -Not -BeNullOrEmpty
        # the host's cluster controller may still be writing the versions the upgrade changed: compare from a settled state
        $before = Wait-SandboxSettled -Sandbox $script:Sandbox -Cluster host
        $err = $null
        try { Update-KsGateway -Cluster $script:HostCluster -Name $workspace -Chart $script:Chart -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue | Out-Null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.GatewayWorkspaceUnsupported*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'helm uninstall'
        Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host | Should -Be $before
    }

    It 'writes an ErrorRecord per failed gateway and still returns every result' {
        $results = @(Update-KsGateway -Cluster $script:HostCluster -All -Chart $script:Chart -WhatIf -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'KsUpgrade.GatewayWorkspaceUnsupported*' }).Count | Should -Be 1
        ($results | Where-Object { $_.Gateway.Scope -eq 'Workspace' }).Outcome | Should -Be 'Failed'
        ($results | Where-Object { $_.Gateway.Scope -eq 'Project' }).Outcome | Should -Be 'NotRun'
    }

    It 'makes a failed gateway job an ErrorRecord: -ErrorAction Stop stops; after the fault, a re-run upgrades it' {
        Invoke-SandboxControl -Sandbox $script:Sandbox -Path actions/fail-job -Method POST -Body @{ name = 'dynamic-upgrade'; cluster = 'host'; namespace = 'kubesphere-system' } | Out-Null
        $err = $null
        $out = $null
        try { $out = Update-KsGateway -Cluster $script:HostCluster -Name $script:ProjectGateway -Chart $script:Chart -JobTimeout 1m -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.GatewayUpgradeFailed*'
        "$err" | Should -Match ([regex]::Escape($script:ProjectGateway))
        $err.ErrorDetails.RecommendedAction | Should -Match 'Update-KsGateway -Name'

        Invoke-SandboxControl -Sandbox $script:Sandbox -Path faults -Method DELETE | Out-Null
        $result = Update-KsGateway -Cluster $script:HostCluster -Name $script:ProjectGateway -Chart $script:Chart -JobTimeout 1m -Timeout 60s -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
        "$($result.Outcome)" | Should -Be 'Upgraded'
        $result.ErrorId | Should -BeNullOrEmpty
    }

    It 'refuses a member still tainted on the host, then upgrades its gateway once the member is upgraded and untainted' {
        # the host's upgrade tainted member1 (Schedulable=False): no extension agent is scheduled there yet
        $member = Get-KsMemberCluster -Cluster $script:HostCluster -Name member1
        $member.Tainted | Should -BeTrue
        $err = $null
        try { Update-KsGateway -Cluster $script:Member -HostCluster $script:HostCluster -All -Chart $script:Chart -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ClusterNotUpgraded*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'Invoke-KsMemberUpgrade'

        # the member upgrade with -SkipHostCheck (no -HostCluster) leaves the taint: the gateway precondition names it
        $script:Member | Invoke-KsMemberUpgrade -ValuesPath $script:Values -Chart $script:Chart -SkipHostCheck -BackupPath (Join-Path $script:Dir 'member1') -JobTimeout 2m `
            -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue -InformationAction SilentlyContinue | Out-Null
        $before = Wait-SandboxSettled -Sandbox $script:Sandbox -Cluster member1
        $err = $null
        try { Update-KsGateway -Cluster $script:Member -All -Chart $script:Chart -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.GatewayHostClusterRequired*'
        $err = $null
        try { Update-KsGateway -Cluster $script:Member -HostCluster $script:HostCluster -All -Chart $script:Chart -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.GatewayMemberNotSchedulable*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'Remove-KsMemberTaint'
        Get-SandboxStateText -Sandbox $script:Sandbox -Cluster member1 | Should -Be $before

        # the member's own ks-core release is the evidence that it runs KubeSphere 4 now
        Remove-KsMemberTaint -Cluster $script:HostCluster -Name member1 -MemberCluster $script:Member -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue | Out-Null
        $names = (Get-KsGateway -Cluster $script:Member | Where-Object Scope -ne Workspace).Name
        $results = @(Update-KsGateway -Cluster $script:Member -HostCluster $script:HostCluster -Name $names -Chart $script:Chart -Timeout 60s -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue)
        $results.Count | Should -Be $names.Count
        $results | ForEach-Object { "$($_.Outcome)" | Should -Be 'Upgraded' }
        (Get-KsGateway -Cluster $script:Member | Where-Object Scope -ne Workspace) | ForEach-Object { $_.Upgraded | Should -BeTrue }
    }
}
