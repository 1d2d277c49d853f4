BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    Use-KsTestHelm
    $script:Kubectl = if ($env:KSUPGRADE_KUBECTL) { $env:KSUPGRADE_KUBECTL } else { (Get-Command kubectl -ErrorAction SilentlyContinue).Source }
    $script:Fixtures = Get-KsFixture
    $script:Dir = New-KsTestDirectory secrets
    $script:Marker = 'MARKER-SECRET-' + [guid]::NewGuid().ToString('N')

    function Invoke-AllStreams([scriptblock] $Script) {
        # Every stream (output, error, warning, verbose, debug, information) and the error records' details, as text.
        $DebugPreference = 'Continue'; $VerbosePreference = 'Continue'; $InformationPreference = 'Continue'
        $records = & { try { & $Script } catch { $_; $_.Exception.ToString(); $_.ScriptStackTrace } } *>&1
        $script:LastErrors = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
        ($records | ForEach-Object { $_; if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.Exception.ToString() } } | Out-String -Width 400)
    }
}
AfterAll { Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue }

Describe 'No secret in any stream' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
        $script:HostCluster = $script:Sandbox.Clusters | Where-Object Context -eq 'host'
        $script:Token = (Select-String -Path $script:Sandbox.Kubeconfig -Pattern '^\s*token:\s*"?([^"\s]+)' | Select-Object -First 1).Matches[0].Groups[1].Value
        & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host -n kubesphere-system create secret generic marker-secret --from-literal="password=$($script:Marker)" | Out-Null
        $script:Transcript = Join-Path $script:Dir 'transcript.txt'
        Start-Transcript -Path $script:Transcript -IncludeInvocationHeader | Out-Null
    }
    AfterAll {
        Stop-Transcript | Out-Null
        $script:Sandbox | Stop-KsSandbox -Confirm:$false
    }

    It 'the token is long enough to be recognised' {
        $script:Token.Length | Should -BeGreaterThan 20
    }

    It 'keeps the token and Secret data out of every stream of <Name>' -ForEach @(
        @{ Name = 'Connect-KsCluster (kubeconfig)'; Run = { Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host } }
        @{ Name = 'Connect-KsCluster (content)'; Run = { Connect-KsCluster -KubeconfigContent (Get-Content -Raw $script:Sandbox.Kubeconfig) -Context host } }
        @{ Name = 'Connect-KsCluster (token, wrong server)'; Fails = $true; Run = { Connect-KsCluster -Server 'https://127.0.0.1:1' -Token (ConvertTo-SecureString $script:Token -AsPlainText -Force) -RequestTimeout 2s } }
        @{ Name = 'Get-KsCluster'; Run = { Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host -Verbose | Out-Null; Get-KsCluster -All -Verbose; Get-KsCluster -Verbose | Format-List * | Out-String } }
        @{ Name = 'Test-KsCluster (session connection, -ExcludeCheck)'; Run = { Test-KsCluster -ExcludeCheck HelmVersion -Verbose } }
        @{ Name = 'Disconnect-KsCluster'; Run = { Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host | Out-Null; Disconnect-KsCluster -Verbose; Disconnect-KsCluster -All -Verbose; 'disconnected' } }
        @{ Name = 'Test-KsCluster'; Run = { $script:HostCluster | Test-KsCluster -ValuesPath (Join-Path $script:Fixtures 'ks-core-values.yaml') -Chart (Join-Path $script:Fixtures 'ks-core') } }
        # fresh connections: Disconnect-KsCluster -All above closed the sandbox's own cluster objects' connections
        @{ Name = 'Test-KsCluster -MemberCluster'; Run = {
                $h = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host; $m = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context member1
                $h | Test-KsCluster -MemberCluster $m -Verbose } }
        @{ Name = 'Test-KsCluster -HostCluster'; Run = {
                $h = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host; $m = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context member1
                $m | Test-KsCluster -HostCluster $h -Verbose } }
        @{ Name = 'Test-KsCluster -ProbeImages'; Run = { $script:HostCluster | Test-KsCluster -ProbeImages -Confirm:$false -Verbose } }
        @{ Name = 'Backup-KsCluster'; Run = { Backup-KsCluster -Cluster $script:HostCluster -Path (Join-Path $script:Dir 'backup') -Confirm:$false } }
        @{ Name = 'Test-KsBackup'; Run = { $r = Test-KsBackup -Path (Join-Path $script:Dir 'backup'); if (-not $r.Intact) { throw ($r.Problems -join '; ') }; $r; $r.Files } }
        @{ Name = 'Invoke-KsHostUpgrade -WhatIf -IgnoreCheck, helm-style durations'; Run = { $script:HostCluster | Invoke-KsHostUpgrade -ValuesPath (Join-Path $script:Fixtures 'ks-core-values.yaml') -Chart (Join-Path $script:Fixtures 'ks-core') -BackupPath (Join-Path $script:Dir 'whatif-ignore') -IgnoreCheck NodesReady, DefaultStorageClass -Timeout 30m -JobTimeout 90s -SettleTimeout 0s -RequestTimeout 45s -WhatIf } }
        @{ Name = 'Invoke-KsHostUpgrade -IgnoreCheck ChartRenders (refused)'; Fails = $true; Run = { $script:HostCluster | Invoke-KsHostUpgrade -ValuesPath (Join-Path $script:Fixtures 'ks-core-values.yaml') -Chart (Join-Path $script:Fixtures 'ks-core') -BackupPath (Join-Path $script:Dir 'refused') -IgnoreCheck ChartRenders -Confirm:$false } }
        @{ Name = 'Test-KsCluster -ExcludeCheck (unknown Id, refused)'; Fails = $true; Run = { Test-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host -ExcludeCheck NoSuchCheck } }
        @{ Name = 'Invoke-KsHostUpgrade -WhatIf'; Run = { $script:HostCluster | Invoke-KsHostUpgrade -ValuesPath (Join-Path $script:Fixtures 'ks-core-values.yaml') -Chart (Join-Path $script:Fixtures 'ks-core') -BackupPath (Join-Path $script:Dir 'whatif') -WhatIf } }
        @{ Name = 'Invoke-KsHostUpgrade'; Run = { $script:HostCluster | Invoke-KsHostUpgrade -ValuesPath (Join-Path $script:Fixtures 'ks-core-values.yaml') -Chart (Join-Path $script:Fixtures 'ks-core') -BackupPath (Join-Path $script:Dir 'upgrade-backup') -JobTimeout 2m -Confirm:$false } }
        @{ Name = 'Invoke-KsMemberUpgrade'; Run = { $script:Sandbox.Clusters | Where-Object Context -eq 'member1' | Invoke-KsMemberUpgrade -HostCluster $script:HostCluster -ValuesPath (Join-Path $script:Fixtures 'ks-core-values.yaml') -Chart (Join-Path $script:Fixtures 'ks-core') -BackupPath (Join-Path $script:Dir 'member-backup') -JobTimeout 2m -Confirm:$false } }
        @{ Name = 'Invoke-KsUpgrade -WhatIf'; Run = {
                $m = $script:Sandbox.Clusters | Where-Object Context -ne 'host'
                Invoke-KsUpgrade -HostCluster $script:HostCluster -MemberCluster $m -ValuesPath (Join-Path $script:Fixtures 'ks-core-values.yaml') -Chart (Join-Path $script:Fixtures 'ks-core') -IncludeGateways -WhatIf -Verbose } }
        @{ Name = 'Get-KsMemberCluster'; Run = { $script:HostCluster | Get-KsMemberCluster } }
        @{ Name = 'Remove-KsMemberTaint -MemberCluster'; Run = {
                # the condition back on the upgraded member1, so its own ks-core release (a Secret) is read as the evidence
                $patch = '[{"op":"add","path":"/status/conditions/-","value":{"type":"Schedulable","status":"False","reason":"Upgrading"}}]'
                & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host patch clusters.cluster.kubesphere.io member1 --type json -p $patch | Out-Null
                Remove-KsMemberTaint -Cluster $script:HostCluster -MemberCluster ($script:Sandbox.Clusters | Where-Object Context -eq 'member1') -Confirm:$false -Verbose } }
        @{ Name = 'Get-KsGateway'; Run = { $script:HostCluster | Get-KsGateway } }
        # the workspace gateway is left out: Update-KsGateway refuses it (ks-upgrade v4.1.3 cannot convert it), so it stays on v3
        @{ Name = 'Update-KsGateway'; Run = { Update-KsGateway -Cluster $script:HostCluster -Name (Get-KsGateway -Cluster $script:HostCluster | Where-Object Scope -ne Workspace).Name -Chart (Join-Path $script:Fixtures 'ks-core') -JobTimeout 2m -Confirm:$false } }
        @{ Name = 'Remove-KsLegacyGateway'; Run = { Remove-KsLegacyGateway -Cluster $script:HostCluster -Force -Confirm:$false } }
        # member1 is on v4 by now: the host's Undo refuses (KsUpgrade.MembersUpgraded) after reading the journal and the backup
        @{ Name = 'Undo-KsUpgrade'; Fails = $true; Run = { $script:HostCluster | Undo-KsUpgrade -WhatIf -Verbose } }
        # a member's Undo with its host, -Cluster by position: the plan from member1's journal and backup, nothing changed
        @{ Name = 'Undo-KsUpgrade (member, -HostCluster -ProbeImages -WhatIf)'; Run = { Undo-KsUpgrade ($script:Sandbox.Clusters | Where-Object Context -eq 'member1') -HostCluster $script:HostCluster -ProbeImages -WhatIf -Verbose } }
        @{ Name = 'Complete-KsUpgrade'; Run = { $script:Sandbox.Clusters | Where-Object Context -eq 'member1' | Complete-KsUpgrade -Confirm:$false -Verbose } }
    ) {
        $text = Invoke-AllStreams $Run
        $text | Should -Not -BeNullOrEmpty
        if ($Fails) { $script:LastErrors | Should -Not -BeNullOrEmpty -Because 'this case exercises the error path' }
        else { $script:LastErrors | Should -BeNullOrEmpty -Because 'the cmdlet must really run (its records are what is checked)' }
        $text | Should -Not -Match ([regex]::Escape($script:Token))
        $text | Should -Not -Match ([regex]::Escape($script:Marker))
    }

    It 'keeps the new sandbox''s token out of every stream of Start-KsSandbox and Stop-KsSandbox' {
        $script:Second = $null
        $text = Invoke-AllStreams { $script:Second = Start-KsSandbox -Seed ks34-host; $script:Second; $script:Second | Format-List * | Out-String }
        $secondToken = (Select-String -Path $script:Second.Kubeconfig -Pattern '^\s*token:\s*"?([^"\s]+)' | Select-Object -First 1).Matches[0].Groups[1].Value
        $text += Invoke-AllStreams { $script:Second | Stop-KsSandbox -Confirm:$false }
        $secondToken.Length | Should -BeGreaterThan 20
        $text | Should -Not -Match ([regex]::Escape($secondToken))
    }

    It 'runs every exported cmdlet' {
        $covered = (Get-Content -Raw $PSCommandPath | Select-String -AllMatches -Pattern "Name = '([A-Za-z]+-Ks[A-Za-z]+)").Matches | ForEach-Object { $_.Groups[1].Value }
        $covered += 'Start-KsSandbox', 'Stop-KsSandbox'
        $missing = (Get-Command -Module KsUpgrade -CommandType Cmdlet).Name | Where-Object { $_ -notin $covered }
        $missing | Should -BeNullOrEmpty -Because 'every cmdlet must be run with all streams captured'
    }

    It 'the backup holds the Secret, in owner-only files' {
        $file = Join-Path $script:Dir 'backup/backup-kubesphere-system.yaml'
        $file | Should -Exist
        (Get-Content -Raw $file) | Should -Match 'marker-secret'
        if (-not $IsWindows) { [int][IO.File]::GetUnixFileMode($file) | Should -Be ([Convert]::ToInt32('600', 8)) }
    }

    It 'the transcript holds neither' {
        $text = Get-Content -Raw $script:Transcript
        $text | Should -Not -Match ([regex]::Escape($script:Token))
        $text | Should -Not -Match ([regex]::Escape($script:Marker))
    }
}
