# Issue 17, points 4, 5 and 8: the session's connection (Connect-KsCluster / Get-KsCluster / Disconnect-KsCluster and
# the Information record naming the target), waiving checks by name (-IgnoreCheck on the upgrades, -ExcludeCheck on
# Test-KsCluster), and one convention for durations ([TimeSpan], helm-style strings, bare numbers refused).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    Use-KsTestHelm
    $script:Dir = New-KsTestDirectory surface
    $script:Values = Get-KsFixture ks-core-values.yaml
    $script:Chart = Get-KsFixture ks-core
    $script:DurationParameters = foreach ($c in Get-Command -Module KsUpgrade -CommandType Cmdlet) {
        foreach ($p in $c.Parameters.Values | Where-Object Name -like '*Timeout') { @{ Cmdlet = $c.Name; Parameter = $p.Name; Type = $p.ParameterType } }
    }
    function Get-Transformation([string] $Cmdlet, [string] $Parameter) {
        (Get-Command $Cmdlet).Parameters[$Parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentTransformationAttribute] } | Select-Object -First 1
    }
}
AfterAll { Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue }

Describe 'Durations: one convention' {
    It 'every *Timeout parameter of every cmdlet is a [TimeSpan] with the duration transformation' {
        $script:DurationParameters.Count | Should -BeGreaterThan 5
        foreach ($d in $script:DurationParameters) {
            $d.Type | Should -Be ([timespan]) -Because "$($d.Cmdlet) -$($d.Parameter) must take a TimeSpan"
            Get-Transformation $d.Cmdlet $d.Parameter | Should -Not -BeNullOrEmpty -Because "$($d.Cmdlet) -$($d.Parameter) must accept '30m'"
        }
    }

    It 'accepts helm-style strings, a TimeSpan and "hh:mm:ss"' -ForEach @(
        @{ Text = '30m'; Expected = [timespan]::FromMinutes(30) }
        @{ Text = '90s'; Expected = [timespan]::FromSeconds(90) }
        @{ Text = '1h30m'; Expected = [timespan]::FromMinutes(90) }
        @{ Text = '1.5h'; Expected = [timespan]::FromMinutes(90) }
        @{ Text = '500ms'; Expected = [timespan]::FromMilliseconds(500) }
        @{ Text = '00:30:00'; Expected = [timespan]::FromMinutes(30) }
    ) {
        $t = Get-Transformation 'Invoke-KsHostUpgrade' 'Timeout'
        $t.Transform($ExecutionContext, $Text) | Should -Be $Expected
        $t.Transform($ExecutionContext, $Expected) | Should -Be $Expected
    }

    It 'binds "1h" to Invoke-KsHostUpgrade -Timeout and "90s" to -RequestTimeout (seen in -WhatIf binding)' {
        # bound, then refused for the missing values file: the binding itself must succeed
        $err = $null
        try { Invoke-KsHostUpgrade -Server https://127.0.0.1:1 -Token (ConvertTo-SecureString x -AsPlainText -Force) -ValuesPath (Join-Path $script:Dir 'none.yaml') -Timeout 1h -JobTimeout 10m -RequestTimeout 2s -SettleTimeout 0s -WhatIf -ErrorAction Stop }
        catch { $err = $_ }
        # bound: the error is the cmdlet's own (unreachable server, or the missing values file), not the binder's
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.*'
    }

    It 'refuses a bare number with an error that says to add a unit: <Cmdlet> -<Parameter> <Value>' -ForEach @(
        @{ Cmdlet = 'Connect-KsCluster'; Parameter = 'RequestTimeout'; Value = 30 }
        @{ Cmdlet = 'Invoke-KsHostUpgrade'; Parameter = 'Timeout'; Value = '30' }
        @{ Cmdlet = 'Invoke-KsMemberUpgrade'; Parameter = 'JobTimeout'; Value = 600 }
        @{ Cmdlet = 'Update-KsGateway'; Parameter = 'Timeout'; Value = 300.5 }
    ) {
        $a = @{ Server = 'https://127.0.0.1:1'; Token = (ConvertTo-SecureString x -AsPlainText -Force); $Parameter = $Value }
        if ($Cmdlet -like 'Invoke-*') { $a.ValuesPath = $script:Values; $a.WhatIf = $true }
        if ($Cmdlet -eq 'Update-KsGateway') { $a.All = $true; $a.WhatIf = $true }
        $err = $null
        try { & $Cmdlet @a -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError*'
        "$err" | Should -Match 'unit'
        "$err" | Should -Match "${Value}s|${Value}m"
    }
}

Describe 'Waiving checks by name' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-host
        $script:Host1 = $script:Sandbox.Clusters[0]
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It 'the upgrades have no -Force (it meant "ignore every failed check"); they take -IgnoreCheck' {
        foreach ($c in 'Invoke-KsHostUpgrade', 'Invoke-KsMemberUpgrade') {
            (Get-Command $c).Parameters.Keys | Should -Not -Contain 'Force'
            (Get-Command $c).Parameters['IgnoreCheck'].ParameterType | Should -Be ([string[]])
        }
        (Get-Command Test-KsCluster).Parameters['ExcludeCheck'].ParameterType | Should -Be ([string[]])
    }

    It 'refuses <Id> in -IgnoreCheck with <ErrorId>, InvalidArgument, a remedy, and changes nothing' -ForEach @(
        @{ Id = 'NoSuchCheck'; ErrorId = 'KsUpgrade.CheckIdUnknown' }
        @{ Id = 'all'; ErrorId = 'KsUpgrade.CheckIdUnknown' }
        @{ Id = 'ChartRenders'; ErrorId = 'KsUpgrade.CheckNotWaivable' }
        @{ Id = 'HelmVersion'; ErrorId = 'KsUpgrade.CheckNotWaivable' }
    ) {
        $before = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host
        $err = $null
        try { $script:Host1 | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -IgnoreCheck NodesReady, $Id -BackupPath (Join-Path $script:Dir "b-$Id") -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$err" | Should -Match ([regex]::Escape($Id))
        $err.ErrorDetails.RecommendedAction | Should -Match 'Test-KsCluster|NodesReady'
        Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host | Should -Be $before
        Test-Path (Join-Path $script:Dir "b-$Id") | Should -BeFalse
    }

    It 'waives only the named failed check, with one Warning per waived check' {
        $node = (Invoke-SandboxControl -Sandbox $script:Sandbox -Path 'clusters/host/state').objects | Where-Object { $_.kind -eq 'Node' } | Select-Object -First 1
        Invoke-SandboxControl -Sandbox $script:Sandbox -Method POST -Path 'actions/node-ready' -Body @{ cluster = 'host'; node = $node.metadata.name; ready = $false } | Out-Null
        try {
            $report = $script:Host1 | Test-KsCluster -Chart $script:Chart -WarningAction SilentlyContinue
            ($report.Checks | Where-Object Status -eq Failed).Id | Should -Be 'NodesReady'
            $before = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host

            # another check named: NodesReady is still not waived
            $err = $null
            try { $report | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -IgnoreCheck DefaultStorageClass -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.PreflightFailed*'
            $err.ErrorDetails.RecommendedAction | Should -Match '-IgnoreCheck NodesReady'

            $preview = $report | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -IgnoreCheck NodesReady -WhatIf -BackupPath (Join-Path $script:Dir 'waived') -WarningVariable warnings -WarningAction SilentlyContinue
            ($preview.Steps | Where-Object Name -eq 'Preflight').Status | Should -Not -Be 'Failed'
            @($warnings | Where-Object { "$_" -match 'NodesReady' -and "$_" -match 'IgnoreCheck' }).Count | Should -Be 1
            Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host | Should -Be $before
        }
        finally {
            Invoke-SandboxControl -Sandbox $script:Sandbox -Method POST -Path 'actions/node-ready' -Body @{ cluster = 'host'; node = $node.metadata.name; ready = $true } | Out-Null
        }
    }

    It 'Test-KsCluster -ExcludeCheck lets a runbook without helm gate on the other checks' {
        $noHelm = Join-Path $script:Dir 'no-helm-here'
        $script:Host1 | Test-KsCluster -HelmPath $noHelm -Quiet -WarningAction SilentlyContinue | Should -BeExactly $false
        # no helm and no chart where the runbook runs: both checks that need them are left out by name
        $script:Host1 | Test-KsCluster -HelmPath $noHelm -ExcludeCheck HelmVersion -Quiet -WarningAction SilentlyContinue | Should -BeExactly $false
        $script:Host1 | Test-KsCluster -HelmPath $noHelm -ExcludeCheck HelmVersion, ChartAvailable -Quiet -WarningAction SilentlyContinue | Should -BeExactly $true
        $report = $script:Host1 | Test-KsCluster -HelmPath $noHelm -ExcludeCheck HelmVersion, ChartAvailable -WarningAction SilentlyContinue
        foreach ($id in 'HelmVersion', 'ChartAvailable') {
            $excluded = $report.Checks | Where-Object Id -eq $id
            $excluded.Status | Should -Be 'Skipped'
            $excluded.Message | Should -Match 'ExcludeCheck'
        }
        $err = $null
        try { $script:Host1 | Test-KsCluster -ExcludeCheck NoSuchCheck -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.CheckIdUnknown*'
    }

    It 'refuses a piped report whose checks were excluded: its verdict is not a whole pre-flight' {
        $report = $script:Host1 | Test-KsCluster -ExcludeCheck NodesReady -WarningAction SilentlyContinue
        $err = $null
        try { $report | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -WhatIf -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ReportIncomplete*'
        "$err" | Should -Match 'NodesReady'
    }
}

Describe 'The session connection' {
    BeforeAll {
        $script:Multi = Start-KsSandbox -Seed ks34-multicluster
        $script:SavedKubeconfig = $env:KUBECONFIG
        # the kubeconfig's current context is the host: a bare cmdlet that ignored the session would check the host
        $env:KUBECONFIG = $script:Multi.Kubeconfig
    }
    AfterAll {
        Disconnect-KsCluster -All -ErrorAction SilentlyContinue
        $env:KUBECONFIG = $script:SavedKubeconfig
        $script:Multi | Stop-KsSandbox -Confirm:$false
    }

    It 'the last Connect-KsCluster becomes the default of cmdlets given no connection parameters' {
        Disconnect-KsCluster -All
        (Test-KsCluster -WarningAction SilentlyContinue).Cluster.Context | Should -Be 'host'
        $m1 = Connect-KsCluster -Context member1
        (Test-KsCluster -WarningAction SilentlyContinue).Cluster.Context | Should -Be 'member1'
        (Get-KsCluster).Context | Should -Be 'member1'
        [object]::ReferenceEquals((Get-KsCluster), $m1) | Should -BeTrue
        # explicit connection parameters still win
        (Test-KsCluster -Context member2 -WarningAction SilentlyContinue).Cluster.Context | Should -Be 'member2'
    }

    It 'Get-KsCluster -All lists the connections of this session; Disconnect-KsCluster forgets them' {
        Disconnect-KsCluster -All
        Get-KsCluster | Should -BeNullOrEmpty
        $h = Connect-KsCluster -Context host
        $m1 = Connect-KsCluster -Context member1
        @(Get-KsCluster -All).Context | Should -Be @('host', 'member1')
        (Get-KsCluster).Context | Should -Be 'member1'
        Disconnect-KsCluster
        Get-KsCluster | Should -BeNullOrEmpty
        @(Get-KsCluster -All).Context | Should -Be @('host')
        $h | Disconnect-KsCluster
        @(Get-KsCluster -All) | Should -BeNullOrEmpty
    }

    It 'a cluster Disconnect-KsCluster forgot connects again when it is given as -HostCluster or -MemberCluster (<Name>)' -ForEach @(
        @{ Name = 'Invoke-KsMemberUpgrade -HostCluster'; Run = { param($h, $m1) $m1 | Invoke-KsMemberUpgrade -HostCluster $h -ValuesPath $script:Values -Chart $script:Chart -BackupPath (Join-Path $script:Dir 'peer') -WhatIf -ErrorAction Stop -WarningAction SilentlyContinue -InformationAction SilentlyContinue } }
        @{ Name = 'Remove-KsMemberTaint -MemberCluster'; Run = {
                param($h, $m1)
                # the condition on member1, so the member's own ks-core release is read through -MemberCluster
                $patch = '[{"op":"add","path":"/status/conditions/-","value":{"type":"Schedulable","status":"False","reason":"Upgrading"}}]'
                & kubectl --kubeconfig $script:Multi.Kubeconfig --context host patch clusters.cluster.kubesphere.io member1 --type json -p $patch | Out-Null
                Remove-KsMemberTaint -Cluster $h -MemberCluster $m1 -WhatIf -ErrorAction Stop -WarningAction SilentlyContinue } }
    ) {
        $h = Connect-KsCluster -Context host
        $m1 = Connect-KsCluster -Context member1
        Disconnect-KsCluster -All   # drops their clients: "if it is used again, it connects again from its settings"
        $err = $null
        try { & $Run $h $m1 | Out-Null } catch { $err = $_ }
        "$($err.FullyQualifiedErrorId): $err" | Should -Not -BeLike 'KsUpgrade.ClusterUnreachable*' -Because 'a forgotten cluster object must still be usable'
    }

    It 'is kept per runspace: another runspace does not see it' {
        Connect-KsCluster -Context member1 | Out-Null
        $ps = [powershell]::Create()
        try {
            $ps.AddScript("Import-Module '$(Get-KsModulePath)'; `$env:KUBECONFIG = '$($script:Multi.Kubeconfig)'; @(Get-KsCluster -All).Count; (Connect-KsCluster -Context member2).Context; (Get-KsCluster).Context") | Out-Null
            $out = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $out[0] | Should -Be 0
            $out[2] | Should -Be 'member2'
        }
        finally { $ps.Dispose() }
        (Get-KsCluster).Context | Should -Be 'member1'
    }

    It 'a cmdlet that changes a cluster first writes an Information record naming the context and server (<Name>)' -ForEach @(
        @{ Name = 'Remove-KsMemberTaint'; Run = { Remove-KsMemberTaint -Name member1 -Force -Confirm:$false -WarningAction SilentlyContinue -InformationVariable iv -InformationAction SilentlyContinue | Out-Null; $iv } }
        @{ Name = 'Remove-KsLegacyGateway'; Run = { Remove-KsLegacyGateway -Force -WhatIf -InformationVariable iv -InformationAction SilentlyContinue | Out-Null; $iv } }
        # on this 3.4 host Update-KsGateway then refuses (gateways are upgraded after the cluster is on v4): the record came first
        @{ Name = 'Update-KsGateway'; Run = { try { Update-KsGateway -All -Chart $script:Chart -WhatIf -WarningAction SilentlyContinue -InformationVariable iv -InformationAction SilentlyContinue | Out-Null } catch { if ("$_" -notmatch 'KubeSphere 4') { throw } }; $iv } }
        @{ Name = 'Invoke-KsHostUpgrade'; Run = { Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -WhatIf -BackupPath (Join-Path $script:Dir 'info') -WarningAction SilentlyContinue -InformationVariable iv -InformationAction SilentlyContinue | Out-Null; $iv } }
    ) {
        $h = Connect-KsCluster -Context host
        $records = @(& $Run)
        $records.Count | Should -BeGreaterThan 0
        $first = $records[0]
        $first.Tags | Should -Contain 'KsUpgrade.Target'
        "$($first.MessageData)" | Should -Match "'host'"
        "$($first.MessageData)" | Should -Match ([regex]::Escape($h.Server))
        $token = (Select-String -Path $script:Multi.Kubeconfig -Pattern '^\s*token:\s*"?([^"\s]+)' | Select-Object -First 1).Matches[0].Groups[1].Value
        ($records | ForEach-Object { "$($_.MessageData)" }) -join "`n" | Should -Not -Match ([regex]::Escape($token))
    }

    It '-Name and -All of <Cmdlet> are declared once, for every parameter set; with piped objects they are refused' -ForEach @(
        @{ Cmdlet = 'Update-KsGateway'; Pipe = { Get-KsGateway -Kubeconfig $script:Multi.Kubeconfig -Context host | Select-Object -First 1 } }
        @{ Cmdlet = 'Remove-KsMemberTaint'; Pipe = { Get-KsMemberCluster -Kubeconfig $script:Multi.Kubeconfig -Context host -Name member1 } }
    ) {
        foreach ($p in 'Name', 'All') {
            (Get-Command $Cmdlet).Parameters[$p].ParameterSets.Keys | Should -Be '__AllParameterSets'
        }
        $before = Get-SandboxStateText -Sandbox $script:Multi -Cluster host
        $err = $null
        try { & $Pipe | & $Cmdlet -All -WhatIf -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ParameterInvalid*'
        $err.ErrorDetails.RecommendedAction | Should -Match 'Pipe'
        Get-SandboxStateText -Sandbox $script:Multi -Cluster host | Should -Be $before
    }
}
