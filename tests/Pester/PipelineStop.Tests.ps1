# No engine work outlives its cmdlet, and a stop is the same in every cmdlet:
# - a downstream Select-Object -First 1 on every cmdlet that emits several objects stops it, and the same cmdlet runs
#   again in that runspace;
# - [powershell]::Stop() from another thread during each long cmdlet ends it as a stopped pipeline (never an ordinary
#   ErrorRecord), no engine work goes on once Stop returns (the sandbox receives no further request), and the next call
#   works.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    Use-KsTestHelm
    $script:Fixtures = Get-KsFixture
    $script:Chart = Join-Path $script:Fixtures 'ks-core'
    $script:Values = Join-Path $script:Fixtures 'ks-core-values.yaml'
    $script:Dir = New-KsTestDirectory stop
    $script:Sandbox = Start-KsSandbox -Seed ks34-host
    $script:HostCluster = $script:Sandbox.Clusters[0]

    function Get-RequestTotal($Sandbox = $script:Sandbox) { [long] (Invoke-SandboxControl -Sandbox $Sandbox -Path requests).total }
    function Get-RequestCount([string] $Verb, [string] $Resource, $Sandbox = $script:Sandbox) {
        $c = @((Invoke-SandboxControl -Sandbox $Sandbox -Path requests).counts | Where-Object { $_.verb -eq $Verb -and $_.resource -eq $Resource })
        [long] (($c | Measure-Object -Property count -Sum).Sum)
    }

    function Invoke-StopDuring {
        <#
        Runs $Script in a runspace of this process; once the sandbox has received a $Verb $Resource request (held there by
        a delay rule, so the cmdlet is in the middle of its work), stops it with [powershell]::Stop() from this thread.
        Returns what the stopped pipeline left: its state, its error records, and whether any request reached the
        sandbox in the 3 s after Stop returned.
        #>
        param([scriptblock] $Script, [object[]] $Arguments, [string] $Verb, [string] $Resource, [int] $DelayMs = 20000, $Sandbox = $script:Sandbox)
        $before = Get-RequestCount $Verb $Resource $Sandbox
        $rule = Invoke-SandboxControl -Sandbox $Sandbox -Path faults -Method POST -Body @{ verb = $Verb; resource = $Resource; delayMs = $DelayMs; times = 1 }
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($Module) Import-Module $Module').AddArgument((Get-KsModulePath)).AddStatement()
            $null = $ps.AddScript($Script)
            foreach ($a in $Arguments) { $null = $ps.AddArgument($a) }
            $handle = $ps.BeginInvoke()
            $deadline = (Get-Date).AddSeconds(120)
            while ((Get-RequestCount $Verb $Resource $Sandbox) -le $before) {
                if ($handle.IsCompleted) { throw "The cmdlet ended before it sent $Verb $Resource : $(@($ps.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }) -join '; ')" }
                if ((Get-Date) -gt $deadline) { throw "No $Verb $Resource request within 120 s." }
                Start-Sleep -Milliseconds 100
            }
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()   # returns once the pipeline has stopped
            $stopSeconds = $sw.Elapsed.TotalSeconds
            $atStop = Get-RequestTotal $Sandbox
            Start-Sleep -Seconds 3
            $later = (Get-RequestTotal $Sandbox) - $atStop   # the control API is not counted
            [pscustomobject]@{
                State          = "$($ps.InvocationStateInfo.State)"
                Reason         = $ps.InvocationStateInfo.Reason
                # the stop itself may be recorded by PowerShell (PipelineStopped); an ErrorRecord of ours is a stop mapped wrongly
                Errors         = @($ps.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" } | Where-Object { $_ -like 'KsUpgrade.*' })
                AllErrors      = @($ps.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId) [$($_.Exception.GetType().Name)]: $($_.Exception.Message)" })
                StopSeconds    = $stopSeconds
                RequestsAfter  = $later
            }
        }
        finally {
            $ps.Dispose()
            Invoke-SandboxControl -Sandbox $Sandbox -Path faults -Method DELETE | Out-Null
        }
    }
}
AfterAll {
    $script:Sandbox | Stop-KsSandbox -Confirm:$false
    Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
}

Describe 'A stop from another thread during a long cmdlet' {
    It 'Test-KsCluster: stopped, no request after Stop returns, and the next Test-KsCluster works' {
        $stopped = Invoke-StopDuring -Verb list -Resource nodes -Arguments $script:HostCluster -Script {
            param($Cluster) $Cluster | Test-KsCluster -WarningAction SilentlyContinue
        }
        Write-Host "stop took $($stopped.StopSeconds) s; errors: $($stopped.AllErrors -join ' | ')"
        $stopped.RequestsAfter | Should -Be 0
        $stopped.State | Should -Be 'Stopped'
        $stopped.Errors | Should -BeNullOrEmpty
        ($script:HostCluster | Test-KsCluster -WarningAction SilentlyContinue).Checks.Count | Should -BeGreaterThan 5
    }

    It 'Backup-KsCluster: stopped, no request after Stop returns, and the next backup works' {
        $stopped = Invoke-StopDuring -Verb list -Resource secrets -Arguments $script:HostCluster, (Join-Path $script:Dir 'bk-stopped') -Script {
            param($Cluster, $Path) Backup-KsCluster -Cluster $Cluster -Path $Path -Confirm:$false
        }
        Write-Host "stop took $($stopped.StopSeconds) s; errors: $($stopped.AllErrors -join ' | ')"
        $stopped.RequestsAfter | Should -Be 0
        $stopped.State | Should -Be 'Stopped'
        $stopped.Errors | Should -BeNullOrEmpty
        $backup = Backup-KsCluster -Cluster $script:HostCluster -Path (Join-Path $script:Dir 'bk-next') -Confirm:$false
        (Test-KsBackup -Path $backup.Path -Quiet) | Should -BeTrue
    }

    It 'Remove-KsMemberTaint -All | Select-Object -First 1, then again in the same runspace' {
        # before the host upgrade the members carry no taint: each is returned unchanged, one object per member
        @(Remove-KsMemberTaint -Cluster $script:HostCluster -All -Confirm:$false -InformationAction SilentlyContinue).Count | Should -Be 2
        @(Remove-KsMemberTaint -Cluster $script:HostCluster -All -Confirm:$false -InformationAction SilentlyContinue | Select-Object -First 1).Count | Should -Be 1
        @(Remove-KsMemberTaint -Cluster $script:HostCluster -All -Confirm:$false -InformationAction SilentlyContinue).Count | Should -Be 2
    }

    It 'Invoke-KsHostUpgrade: stopped in the middle of a step, no request after Stop returns, and the same call again resumes and succeeds' {
        $stopped = Invoke-StopDuring -Verb create -Resource jobs -Arguments $script:HostCluster, $script:Values, $script:Chart, (Join-Path $script:Dir 'bk') -Script {
            param($Cluster, $Values, $Chart, $Backup)
            $Cluster | Invoke-KsHostUpgrade -ValuesPath $Values -Chart $Chart -BackupPath $Backup -JobTimeout 2m -Confirm:$false -InformationAction SilentlyContinue
        }
        Write-Host "stop took $($stopped.StopSeconds) s; errors: $($stopped.AllErrors -join ' | ')"
        $stopped.RequestsAfter | Should -Be 0
        $stopped.State | Should -Be 'Stopped'
        $stopped.Errors | Should -BeNullOrEmpty
        # the same call again, in a runspace whose Progress records are kept (issue 17 point 9 is checked on them below)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                param($Module, $Cluster, $Values, $Chart, $Backup)
                Import-Module $Module
                $Cluster | Invoke-KsHostUpgrade -ValuesPath $Values -Chart $Chart -BackupPath $Backup -JobTimeout 2m -Confirm:$false -ErrorAction Stop -InformationAction SilentlyContinue -WarningAction SilentlyContinue
            }).AddArgument((Get-KsModulePath)).AddArgument($script:HostCluster).AddArgument($script:Values).AddArgument($script:Chart).AddArgument((Join-Path $script:Dir 'bk'))
            $result = @($ps.Invoke())
            $script:UpgradeProgress = @($ps.Streams.Progress)
            $result.Count | Should -Be 1
            $result[0].Succeeded | Should -BeTrue
        }
        finally { $ps.Dispose() }
    }

    It 'the Test-KsCluster bar inside the upgrade is a child of the upgrade''s bar and never moves back (100% then 0%)' {
        $script:UpgradeProgress | Should -Not -BeNullOrEmpty
        $upgradeBar = @($script:UpgradeProgress | Where-Object { $_.Activity -like 'KubeSphere host upgrade*' })[0].ActivityId
        $nested = @($script:UpgradeProgress | Where-Object { $_.Activity -like 'Test-KsCluster*' })
        $nested.Count | Should -BeGreaterThan 2
        $nested | ForEach-Object { $_.ParentActivityId | Should -Be $upgradeBar }
        foreach ($bar in ($nested | Group-Object ActivityId)) {
            $last = -1
            foreach ($r in $bar.Group) {
                $r.PercentComplete | Should -BeGreaterOrEqual $last -Because "bar $($bar.Name) went from $last% to $($r.PercentComplete)% ($($r.StatusDescription))"
                $last = $r.PercentComplete
            }
        }
    }

    It 'Update-KsGateway: stopped while its job is created, no request after Stop returns, and the next Update-KsGateway works' {
        $name = @($script:HostCluster | Get-KsGateway | Where-Object Scope -ne Workspace)[0].Name
        $stopped = Invoke-StopDuring -Verb create -Resource jobs -Arguments $script:HostCluster, $name, $script:Chart -Script {
            param($Cluster, $Name, $Chart)
            Update-KsGateway -Cluster $Cluster -Name $Name -Chart $Chart -JobTimeout 2m -Timeout 60s -Confirm:$false -WarningAction SilentlyContinue
        }
        Write-Host "stop took $($stopped.StopSeconds) s; errors: $($stopped.AllErrors -join ' | ')"
        $stopped.RequestsAfter | Should -Be 0
        $stopped.State | Should -Be 'Stopped'
        $stopped.Errors | Should -BeNullOrEmpty
        $again = Update-KsGateway -Cluster $script:HostCluster -Name $name -Chart $script:Chart -JobTimeout 2m -Timeout 60s -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
        "$($again.Outcome)" | Should -BeIn @('Upgraded', 'AlreadyUpgraded')
    }
}

Describe 'A stop from another thread during Invoke-KsMemberUpgrade' {
    BeforeAll {
        $script:Multi = Start-KsSandbox -Seed ks34-multicluster
        $script:Member1 = $script:Multi.Clusters | Where-Object Context -eq 'member1'
        $script:MultiHost = $script:Multi.Clusters | Where-Object Context -eq 'host'
        # a member is upgraded after its host (ks-upgrade's post-upgrade job of a member needs the host on v4)
        $null = $script:MultiHost | Invoke-KsHostUpgrade -ValuesPath $script:Values -Chart $script:Chart -BackupPath (Join-Path $script:Dir 'multi-host') -JobTimeout 2m `
            -Confirm:$false -ErrorAction Stop -InformationAction SilentlyContinue -WarningAction SilentlyContinue
        function Get-JournalText {
            $cm = & kubectl --kubeconfig $script:Multi.Kubeconfig --context member1 -n kubesphere-system get configmap ks-upgrade-journal -o json 2>$null | ConvertFrom-Json
            @($cm.data.PSObject.Properties.Value) -join "`n"
        }
    }
    AfterAll { $script:Multi | Stop-KsSandbox -Confirm:$false }

    It 'stopped in the middle of a step: its journal already says stopped when Stop returns, no request after, and the same call again in that runspace resumes and succeeds' {
        $backup = Join-Path $script:Dir 'member1-bk'
        # one runspace for both calls: the second one runs where the first was stopped
        $rs = [runspacefactory]::CreateRunspace()
        $rs.Open()
        try {
            $ps = [powershell]::Create()
            $ps.Runspace = $rs
            $null = $ps.AddScript('param($Module) Import-Module $Module').AddArgument((Get-KsModulePath))
            $null = $ps.Invoke()
            $ps.Dispose()

            $script:Runspace = $rs
            $call = {
                param($Cluster, $Values, $Chart, $Backup, $HostCluster)
                $Cluster | Invoke-KsMemberUpgrade -HostCluster $HostCluster -ValuesPath $Values -Chart $Chart -BackupPath $Backup -JobTimeout 2m -Confirm:$false -InformationAction SilentlyContinue -WarningAction SilentlyContinue
            }
            $before = Get-RequestCount create jobs $script:Multi
            $null = Invoke-SandboxControl -Sandbox $script:Multi -Path faults -Method POST -Body @{ verb = 'create'; resource = 'jobs'; cluster = 'member1'; delayMs = 20000; times = 1 }
            $ps = [powershell]::Create()
            $ps.Runspace = $rs
            $null = $ps.AddScript($call).AddArgument($script:Member1).AddArgument($script:Values).AddArgument($script:Chart).AddArgument($backup).AddArgument($script:MultiHost)
            $handle = $ps.BeginInvoke()
            $deadline = (Get-Date).AddSeconds(120)
            while ((Get-RequestCount create jobs $script:Multi) -le $before) {
                if ($handle.IsCompleted) { throw "The upgrade ended before it created a job: $(@($ps.Streams.Error) -join '; ')" }
                if ((Get-Date) -gt $deadline) { throw 'No job created within 120 s.' }
                Start-Sleep -Milliseconds 100
            }
            $ps.Stop()
            $journal = Get-JournalText   # read at once: the worker recorded the stop before Stop returned
            $atStop = Get-RequestTotal $script:Multi
            Start-Sleep -Seconds 3
            ((Get-RequestTotal $script:Multi) - $atStop) | Should -Be 0 -Because 'no engine work goes on once Stop returned'
            "$($ps.InvocationStateInfo.State)" | Should -Be 'Stopped'
            @($ps.Streams.Error | Where-Object { $_.FullyQualifiedErrorId -like 'KsUpgrade.*' }) | Should -BeNullOrEmpty
            $journal | Should -Match '"stopped"' -Because 'the journal records where the upgrade stopped by the time Stop returns'
            $ps.Dispose()
            Invoke-SandboxControl -Sandbox $script:Multi -Path faults -Method DELETE | Out-Null

            # the same cmdlet again in that runspace returns (bounded: a hang detector, not a speed assertion), resumes and succeeds
            $ps = [powershell]::Create()
            $ps.Runspace = $rs
            $null = $ps.AddScript($call).AddArgument($script:Member1).AddArgument($script:Values).AddArgument($script:Chart).AddArgument($backup).AddArgument($script:MultiHost)
            $handle = $ps.BeginInvoke()
            $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(300)) | Should -BeTrue -Because 'the member upgrade run again after a stop must return'
            $result = @($ps.EndInvoke($handle))
            $ps.Streams.Error | Should -BeNullOrEmpty
            $result.Count | Should -Be 1
            $result[0].Succeeded | Should -BeTrue
            ($result[0].Steps | Where-Object Status -eq 'Skipped').Count | Should -BeGreaterThan 0 -Because 'the steps done before the stop are not run again'
            $ps.Dispose()
        }
        finally {
            Invoke-SandboxControl -Sandbox $script:Multi -Path faults -Method DELETE | Out-Null
            $rs.Dispose()
        }
    }
}

Describe 'A stop from another thread while the next command holds a record' {
    It 'Update-KsGateway stopped while the next stage holds its first result: no worker is left waiting for an answer, and the next Update-KsGateway returns' {
        # the next stage keeps the first result (the pipeline thread is inside WriteObject) while the worker goes on to
        # the next gateway and asks ShouldProcess; a stop then must answer that question and wait for the worker, else
        # the worker waits for ever holding the per-cluster gateway gate and every later Update-KsGateway hangs
        $names = @($script:HostCluster | Get-KsGateway | Where-Object Scope -ne Workspace).Name
        $names.Count | Should -BeGreaterThan 1
        $sync = [hashtable]::Synchronized(@{})
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                param($Module, $Cluster, $Names, $Chart, $Sync)
                Import-Module $Module
                Update-KsGateway -Cluster $Cluster -Name $Names -Chart $Chart -JobTimeout 2m -Timeout 60s -Confirm:$false -WarningAction SilentlyContinue |
                    ForEach-Object { $Sync.First = $_; Start-Sleep -Seconds 600 }
            }).AddArgument((Get-KsModulePath)).AddArgument($script:HostCluster).AddArgument($names).AddArgument($script:Chart).AddArgument($sync)
            $handle = $ps.BeginInvoke()
            $deadline = (Get-Date).AddSeconds(180)
            while (-not $sync.ContainsKey('First')) {
                if ($handle.IsCompleted) { throw "Update-KsGateway ended before its first result: $(@($ps.Streams.Error) -join '; ')" }
                if ((Get-Date) -gt $deadline) { throw 'No first result within 180 s.' }
                Start-Sleep -Milliseconds 100
            }
            # the worker goes on to the next gateway meanwhile, up to its ShouldProcess question, which waits for the
            # pipeline thread: wait until it sends no more requests (3 s without one), so the stop comes while it waits
            $deadline = (Get-Date).AddSeconds(120)
            do {
                $was = Get-RequestTotal
                Start-Sleep -Seconds 3
            } while ((Get-RequestTotal) -ne $was -and (Get-Date) -lt $deadline)
            Write-Host "first result: $($sync.First.Gateway.Name) $($sync.First.Outcome)"
            $ps.Stop()
            "$($ps.InvocationStateInfo.State)" | Should -Be 'Stopped'
            @($ps.Streams.Error | Where-Object { $_.FullyQualifiedErrorId -like 'KsUpgrade.*' }) | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }

        # another Update-KsGateway on that cluster, in another runspace of this process (the gate is process-wide), as a
        # preview (it takes the gate all the same, and leaves the gateways for the next Describe): bounded in time (a
        # hang detector, not a speed assertion)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                param($Module, $Cluster, $Names, $Chart)
                Import-Module $Module
                Update-KsGateway -Cluster $Cluster -Name $Names -Chart $Chart -WhatIf -WarningAction SilentlyContinue
            }).AddArgument((Get-KsModulePath)).AddArgument($script:HostCluster).AddArgument($names).AddArgument($script:Chart)
            $handle = $ps.BeginInvoke()
            $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(240)) | Should -BeTrue -Because 'a stopped Update-KsGateway must not leave a worker holding the gateway gate'
            $results = @($ps.EndInvoke($handle))
            $ps.Streams.Error | Should -BeNullOrEmpty
            Write-Host "after the stop: $(($results | ForEach-Object { "$($_.Gateway.Name) $($_.Outcome)" }) -join ', ')"
            $results.Count | Should -Be $names.Count
            $results | ForEach-Object { "$($_.Outcome)" | Should -BeIn @('NotRun', 'AlreadyUpgraded') }
            @($results | Where-Object { "$($_.Outcome)" -eq 'NotRun' }).Count | Should -BeGreaterThan 0 -Because 'a gateway was left to ask about when the first was stopped'
        }
        finally {
            if ($ps.InvocationStateInfo.State -eq 'Running') { $ps.Stop() }
            $ps.Dispose()
        }
    }
}

Describe 'A downstream Select-Object -First 1 on every cmdlet that emits several objects' {
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
        # and in this runspace
        @(Update-KsGateway -Cluster $script:HostCluster -Name $names -Chart $script:Chart -Confirm:$false -WarningAction SilentlyContinue | Select-Object -First 1).Count | Should -Be 1
        @(Update-KsGateway -Cluster $script:HostCluster -Name $names -Chart $script:Chart -Confirm:$false -WarningAction SilentlyContinue).Count | Should -Be $names.Count
    }

    It 'Get-KsGateway | Select-Object -First 1, then Get-KsGateway again in the same runspace' {
        @($script:HostCluster | Get-KsGateway | Select-Object -First 1).Count | Should -Be 1
        @($script:HostCluster | Get-KsGateway).Count | Should -BeGreaterThan 1
    }

    It 'Get-KsMemberCluster | Select-Object -First 1, then Get-KsMemberCluster again' {
        @($script:HostCluster | Get-KsMemberCluster | Select-Object -First 1).Count | Should -Be 1
        @($script:HostCluster | Get-KsMemberCluster).Count | Should -Be 3
    }

    It 'Test-KsCluster on two clusters | Select-Object -First 1, then Test-KsCluster again' {
        @($script:HostCluster, $script:HostCluster | Test-KsCluster -WarningAction SilentlyContinue | Select-Object -First 1).Count | Should -Be 1
        @($script:HostCluster, $script:HostCluster | Test-KsCluster -WarningAction SilentlyContinue).Count | Should -Be 2
    }

    It 'Connect-KsCluster on two clusters | Select-Object -First 1, then Connect-KsCluster again' {
        @($script:HostCluster, $script:HostCluster | Connect-KsCluster | Select-Object -First 1).Count | Should -Be 1
        @($script:HostCluster, $script:HostCluster | Connect-KsCluster).Count | Should -Be 2
    }

    It 'Test-KsBackup on two folders | Select-Object -First 1, then Test-KsBackup again' {
        $bk = Join-Path $script:Dir 'bk'
        @(Test-KsBackup -Path $bk, $bk | Select-Object -First 1).Count | Should -Be 1
        @(Test-KsBackup -Path $bk, $bk).Count | Should -Be 2
    }
}
