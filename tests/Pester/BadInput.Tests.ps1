# Bad input suite (issue 8): malformed, empty, oversized and hostile values for every cmdlet parameter that takes a
# path, a chart, an image setting, a name or a connection. Each case asserts a specific ErrorId, a user-facing message
# that is not a .NET stack trace and holds no credential, and (on the shared sandbox) an unchanged cluster state.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
    $script:Fixtures = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures'
    $script:BadFixtures = Join-Path $script:Fixtures 'bad-input'
    $script:Chart = Join-Path $script:Fixtures 'ks-core'
    $script:Values = Join-Path $script:Fixtures 'ks-core-values.yaml'
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-badinput-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Dir | Out-Null

    function Invoke-Failing {
        <# Runs the block with -ErrorAction Stop semantics and returns the ErrorRecord (or $null when nothing failed). #>
        param([Parameter(Mandatory)] [scriptblock] $Block)
        $ErrorActionPreference = 'Stop'
        try { & $Block | Out-Null } catch { return $_ }
        $null
    }

    function Assert-CleanError {
        <# A specific ErrorId, a message that is text for a person (no stack frames), and no credential in it. #>
        param($ErrorRecord, [Parameter(Mandatory)] [string] $ErrorId, [string[]] $Secret = @())
        $ErrorRecord | Should -Not -BeNullOrEmpty -Because "a bad input must fail (expected $ErrorId)"
        $ErrorRecord.FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
        $message = "$ErrorRecord"
        $message | Should -Not -BeNullOrEmpty
        $message | Should -Not -Match '(?m)^\s+at \S' -Because 'the user-facing message must not be a stack trace'
        $message | Should -Not -Match 'End of inner exception stack trace'
        foreach ($s in $Secret) { if ($s) { $message | Should -Not -Match ([regex]::Escape($s)) } }
    }

    function New-ChartArchive {
        <# A gzipped tar written entry by entry with the names given (System.Formats.Tar keeps '../' and '/' verbatim). #>
        param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [System.Collections.IDictionary] $Entries)
        $file = [IO.File]::Create($Path)
        try {
            $gzip = [IO.Compression.GZipStream]::new($file, [IO.Compression.CompressionLevel]::Fastest)
            $tar = [Formats.Tar.TarWriter]::new($gzip, [Formats.Tar.TarEntryFormat]::Pax, $false)
            foreach ($name in $Entries.Keys) {
                $entry = [Formats.Tar.PaxTarEntry]::new([Formats.Tar.TarEntryType]::RegularFile, $name)
                $entry.DataStream = [IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes($Entries[$name]))
                $tar.WriteEntry($entry)
            }
            $tar.Dispose()
            $gzip.Dispose()
        }
        finally { $file.Dispose() }
        $Path
    }

    $script:ChartYaml = "apiVersion: v2`nname: ks-core`nversion: 1.1.5`nappVersion: v4.1.3`n"
    # Hostile values for image settings: a space, a shell separator, a newline, a --set list, a flag, an empty-ish value.
    $script:HostileValues = @('v4.1.3 x', 'v4.1.3;id', "v4.1.3`nglobal.tag=x", 'v4.1.3,global.imageRegistry=evil.example', '--set', ' ')
}
AfterAll { Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue }

Describe 'Bad input on a shared ks34-multicluster sandbox' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
        $script:HostCluster = $script:Sandbox.Clusters | Where-Object Context -eq 'host'
        $script:Member1 = $script:Sandbox.Clusters | Where-Object Context -eq 'member1'
        $script:Token = (Select-String -Path $script:Sandbox.Kubeconfig -Pattern '^\s*token:\s*"?([^"\s]+)' | Select-Object -First 1).Matches[0].Groups[1].Value
        $script:HostState = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host
        $script:MemberState = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster member1

        function Assert-NoMutation {
            (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host) | Should -Be $script:HostState -Because 'a refused input must not change the host'
            (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster member1) | Should -Be $script:MemberState -Because 'a refused input must not change the member'
        }

        # Every upgrade call of this Describe goes to a fresh backup folder under the temp dir (never created on refusal).
        function Get-UpgradeArgs([string] $Role = 'Host') {
            $cluster = if ($Role -eq 'Host') { $script:HostCluster } else { $script:Member1 }
            @{ Cluster = $cluster; ValuesPath = $script:Values; Chart = $script:Chart; BackupPath = (Join-Path $script:Dir ("backup-" + [guid]::NewGuid()));
                JobTimeout = '30s'; Confirm = $false; WarningAction = 'SilentlyContinue'; InformationAction = 'SilentlyContinue' }
        }
        function Invoke-Upgrade([string] $Role = 'Host', [hashtable] $Override = @{}) {
            $a = Get-UpgradeArgs $Role
            # the member's bad input is what is tested, not its host: without -HostCluster it is -SkipHostCheck
            if ($Role -eq 'Member' -and -not $Override.ContainsKey('HostCluster')) { $a.SkipHostCheck = $true }
            foreach ($k in $Override.Keys) { $a[$k] = $Override[$k] }
            if ($Role -eq 'Host') { Invoke-KsHostUpgrade @a -ErrorAction Stop } else { Invoke-KsMemberUpgrade @a -ErrorAction Stop }
        }
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    Context 'Bad input: -ValuesPath' {
        It 'a missing file: ValuesInvalid naming the path' {
            $missing = Join-Path $script:Dir 'no-such-values.yaml'
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ ValuesPath = $missing } }
            Assert-CleanError $err 'KsUpgrade.ValuesInvalid' -Secret $script:Token
            "$err" | Should -Match ([regex]::Escape($missing))
            Assert-NoMutation
        }

        It 'an empty file: ValuesInvalid' {
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ ValuesPath = (Join-Path $script:BadFixtures 'values-empty.yaml') } }
            Assert-CleanError $err 'KsUpgrade.ValuesInvalid'
            "$err" | Should -Match 'upgrade\.enabled'
            Assert-NoMutation
        }

        It 'a YAML syntax error: ValuesInvalid with line and column' {
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ ValuesPath = (Join-Path $script:BadFixtures 'values-syntax-error.yaml') } }
            Assert-CleanError $err 'KsUpgrade.ValuesInvalid'
            $err.CategoryInfo.Category | Should -Be 'ParserError'
            "$err" | Should -Match 'line 3, column \d+'
            Assert-NoMutation
        }

        It 'a YAML syntax error in the member upgrade too' {
            $err = Invoke-Failing { Invoke-Upgrade -Role Member -Override @{ ValuesPath = (Join-Path $script:BadFixtures 'values-syntax-error.yaml') } }
            Assert-CleanError $err 'KsUpgrade.ValuesInvalid'
            "$err" | Should -Match 'line 3, column \d+'
            Assert-NoMutation
        }

        It 'a 50 MB file: ValuesInvalid (size limit) within seconds' {
            $big = Join-Path $script:Dir 'values-50mb.yaml'
            # Valid YAML that enables the upgrade, padded with a 50 MB comment: only the size is wrong.
            [IO.File]::WriteAllText($big, "upgrade:`n  enabled: true`n# " + [string]::new([char]'x', 50MB) + "`n")
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ ValuesPath = $big } }
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
            Assert-CleanError $err 'KsUpgrade.ValuesInvalid'
            $err.CategoryInfo.Category | Should -Be 'LimitsExceeded'
            "$err" | Should -Match 'limit'
            Assert-NoMutation
        }

        It 'an alias ("billion laughs") bomb: ValuesInvalid within seconds, memory bounded' {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ ValuesPath = (Join-Path $script:BadFixtures 'values-alias-bomb.yaml') } }
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
            Assert-CleanError $err 'KsUpgrade.ValuesInvalid'
            "$err" | Should -Match 'alias'
            Assert-NoMutation
        }

        It 'Test-KsCluster reports the 50 MB file and the bomb as a failed ValuesFile check, not a crash' {
            $big = Join-Path $script:Dir 'values-50mb-test.yaml'
            [IO.File]::WriteAllText($big, "upgrade:`n  enabled: true`n# " + [string]::new([char]'x', 50MB) + "`n")
            foreach ($file in $big, (Join-Path $script:BadFixtures 'values-alias-bomb.yaml')) {
                $report = $script:HostCluster | Test-KsCluster -ValuesPath $file -WarningAction SilentlyContinue -ErrorAction Stop
                $check = $report.Checks | Where-Object Id -eq 'ValuesFile'
                $check.Status | Should -Be 'Failed'
                $check.Message | Should -Match 'limit|expands'
            }
            Assert-NoMutation
        }

        It 'a path with spaces and unicode (valid files) works: checked, accepted by the upgrade, backed up into' {
            $folder = Join-Path $script:Dir 'dir with spaces ünïcødé 日本'
            New-Item -ItemType Directory -Path $folder | Out-Null
            $values = Join-Path $folder 'ks-core välues (copy).yaml'
            Copy-Item $script:Values $values
            $chart = Join-Path $folder 'chärt ks-core'
            Copy-Item -Recurse $script:Chart $chart
            $report = $script:HostCluster | Test-KsCluster -ValuesPath $values -Chart $chart -WarningAction SilentlyContinue -ErrorAction Stop
            $check = $report.Checks | Where-Object Id -eq 'ValuesFile'
            $check.Status | Should -Be 'Passed'
            $check.Message | Should -Match ([regex]::Escape($values))
            # The upgrade reads and accepts both (values and chart are validated first), then stops at the backup folder
            # check, which comes before any change: proof that the paths were usable, without -WhatIf's console output.
            $occupied = Join-Path $folder 'occupied backup ü'
            New-Item -ItemType Directory -Path $occupied | Out-Null
            'x' | Set-Content (Join-Path $occupied 'x.txt')
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ ValuesPath = $values; Chart = $chart; BackupPath = $occupied } }
            Assert-CleanError $err 'KsUpgrade.BackupPathNotEmpty'
            # A backup into a new folder with spaces and unicode in its name (read-only for the cluster).
            $backup = Join-Path $folder 'backup dir ü 日本'
            $result = Backup-KsCluster -Cluster $script:HostCluster -Path $backup -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue
            $result | Should -Not -BeNullOrEmpty
            Test-Path -LiteralPath (Join-Path $backup 'manifest.json') | Should -BeTrue
            Test-Path -LiteralPath (Join-Path $backup 'backup-cc.yaml') | Should -BeTrue
            Assert-NoMutation
        }

        It 'an empty string: PowerShell parameter validation' {
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ ValuesPath = '' } }
            Assert-CleanError $err 'ParameterArgumentValidationError'
        }
    }

    Context 'Bad input: -Chart' {
        It 'a missing chart: ChartNotFound (<Cmdlet>)' -ForEach @(@{ Cmdlet = 'Invoke-KsHostUpgrade' }, @{ Cmdlet = 'Update-KsGateway' }) {
            $missing = Join-Path $script:Dir 'no-such-chart'
            $err = if ($Cmdlet -eq 'Invoke-KsHostUpgrade') { Invoke-Failing { Invoke-Upgrade -Override @{ Chart = $missing } } }
            else { Invoke-Failing { Update-KsGateway -Cluster $script:HostCluster -All -Chart $missing -Confirm:$false -WarningAction SilentlyContinue } }
            Assert-CleanError $err 'KsUpgrade.ChartNotFound'
            "$err" | Should -Match ([regex]::Escape($missing))
            Assert-NoMutation
        }

        It 'a directory without Chart.yaml: ChartInvalid' {
            $folder = Join-Path $script:Dir 'not-a-chart'
            New-Item -ItemType Directory -Path (Join-Path $folder 'templates') -Force | Out-Null
            'replicas: 1' | Set-Content (Join-Path $folder 'values.yaml')
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ Chart = $folder } }
            Assert-CleanError $err 'KsUpgrade.ChartInvalid'
            "$err" | Should -Match 'Chart\.yaml'
            Assert-NoMutation
        }

        It 'a .tgz with a path-traversal entry (../evil): ChartInvalid, nothing written outside (<Cmdlet>)' -ForEach @(@{ Cmdlet = 'Invoke-KsHostUpgrade' }, @{ Cmdlet = 'Update-KsGateway' }) {
            $marker = "evil-" + [guid]::NewGuid().ToString('N') + '.txt'
            $tgz = New-ChartArchive -Path (Join-Path $script:Dir "traversal-$Cmdlet.tgz") -Entries ([ordered]@{
                    'ks-core/Chart.yaml'        = $script:ChartYaml
                    "ks-core/../../$marker"     = 'written outside the chart'
                    "ks-core/../../../$marker"  = 'written outside the chart'
                })
            $err = if ($Cmdlet -eq 'Invoke-KsHostUpgrade') { Invoke-Failing { Invoke-Upgrade -Override @{ Chart = $tgz } } }
            else { Invoke-Failing { Update-KsGateway -Cluster $script:HostCluster -All -Chart $tgz -Confirm:$false -WarningAction SilentlyContinue } }
            Assert-CleanError $err 'KsUpgrade.ChartInvalid'
            "$err" | Should -Match '\.\.'
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
            $tmp = [IO.Path]::GetTempPath().TrimEnd('/', '\')
            foreach ($where in $tmp, [IO.Directory]::GetParent($tmp).FullName, $script:Dir, (Get-Location).Path) { Test-Path -LiteralPath (Join-Path $where $marker) | Should -BeFalse }
            Assert-NoMutation
        }

        It 'a .tgz with an absolute-path entry: ChartInvalid, the file is not written' {
            $target = Join-Path $script:Dir ("abs-evil-" + [guid]::NewGuid().ToString('N') + '.txt')
            $tgz = New-ChartArchive -Path (Join-Path $script:Dir 'absolute.tgz') -Entries ([ordered]@{
                    'ks-core/Chart.yaml' = $script:ChartYaml
                    $target              = 'written at an absolute path'
                })
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ Chart = $tgz } }
            Assert-CleanError $err 'KsUpgrade.ChartInvalid'
            "$err" | Should -Match 'absolute'
            Test-Path -LiteralPath $target | Should -BeFalse
            Assert-NoMutation
        }

        It 'a file that is not a gzipped tar: ChartInvalid' {
            $junk = Join-Path $script:Dir 'junk.tgz'
            [IO.File]::WriteAllBytes($junk, [byte[]](1..200 | ForEach-Object { $_ % 256 }))
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ Chart = $junk } }
            Assert-CleanError $err 'KsUpgrade.ChartInvalid'
            Assert-NoMutation
        }

        It 'an http:// URL is refused without being fetched (<Cmdlet>)' -ForEach @(@{ Cmdlet = 'Invoke-KsHostUpgrade' }, @{ Cmdlet = 'Update-KsGateway' }) {
            # Nothing listens on this port: a fetch attempt would fail as ChartNotFound (connection refused), not ChartInvalid.
            $url = "http://127.0.0.1:$(Get-FreeTcpPort)/charts/ks-core-1.1.5.tgz"
            $err = if ($Cmdlet -eq 'Invoke-KsHostUpgrade') { Invoke-Failing { Invoke-Upgrade -Override @{ Chart = $url } } }
            else { Invoke-Failing { Update-KsGateway -Cluster $script:HostCluster -All -Chart $url -Confirm:$false -WarningAction SilentlyContinue } }
            Assert-CleanError $err 'KsUpgrade.ChartInvalid'
            "$err" | Should -Match 'https'
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
            Assert-NoMutation
        }
    }

    Context 'Bad input: image settings with hostile characters' {
        It '<Cmdlet> -<Parameter> refuses every hostile value with <ErrorId> before any change' -ForEach @(
            @{ Cmdlet = 'Invoke-KsHostUpgrade'; Parameter = 'Tag'; ErrorId = 'KsUpgrade.ParameterInvalid' }
            @{ Cmdlet = 'Invoke-KsHostUpgrade'; Parameter = 'ImageRegistry'; ErrorId = 'KsUpgrade.ParameterInvalid' }
            @{ Cmdlet = 'Invoke-KsHostUpgrade'; Parameter = 'UpgradeImageTag'; ErrorId = 'KsUpgrade.ParameterInvalid' }
            @{ Cmdlet = 'Invoke-KsHostUpgrade'; Parameter = 'ExtensionImageRegistry'; ErrorId = 'KsUpgrade.ParameterInvalid' }
            @{ Cmdlet = 'Invoke-KsHostUpgrade'; Parameter = 'ExtensionVersion'; ErrorId = 'KsUpgrade.ParameterInvalid' }
            @{ Cmdlet = 'Invoke-KsMemberUpgrade'; Parameter = 'Tag'; ErrorId = 'KsUpgrade.ParameterInvalid' }
            @{ Cmdlet = 'Invoke-KsMemberUpgrade'; Parameter = 'ImageRegistry'; ErrorId = 'KsUpgrade.ParameterInvalid' }
            @{ Cmdlet = 'Update-KsGateway'; Parameter = 'Tag'; ErrorId = 'KsUpgrade.ParameterInvalid' }
            @{ Cmdlet = 'Update-KsGateway'; Parameter = 'ImageRegistry'; ErrorId = 'KsUpgrade.ParameterInvalid' }
            @{ Cmdlet = 'Update-KsGateway'; Parameter = 'UpgradeImageTag'; ErrorId = 'KsUpgrade.ParameterInvalid' }
        ) {
            foreach ($value in $script:HostileValues) {
                $err = switch ($Cmdlet) {
                    'Invoke-KsHostUpgrade' { Invoke-Failing { Invoke-Upgrade -Override @{ $Parameter = $value } } }
                    'Invoke-KsMemberUpgrade' { Invoke-Failing { Invoke-Upgrade -Role Member -Override @{ $Parameter = $value } } }
                    'Update-KsGateway' {
                        $a = @{ Cluster = $script:HostCluster; All = $true; Chart = $script:Chart; Confirm = $false; WarningAction = 'SilentlyContinue'; $Parameter = $value }
                        Invoke-Failing { Update-KsGateway @a }
                    }
                }
                Assert-CleanError $err $ErrorId
                "$err" | Should -Match $Parameter -Because "the message names the parameter (value [$value])"
            }
            Assert-NoMutation
        }

        It 'an empty -Tag: PowerShell parameter validation' {
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ Tag = '' } }
            Assert-CleanError $err 'ParameterArgumentValidationError'
        }
    }

    Context 'Bad input: -BackupPath' {
        BeforeAll {
            $script:Full = Join-Path $script:Dir 'existing-backup'
            New-Item -ItemType Directory -Path $script:Full | Out-Null
            'an earlier backup' | Set-Content (Join-Path $script:Full 'backup-cc.yaml')
            $script:FullListing = (Get-ChildItem -Recurse $script:Full | ForEach-Object { "$($_.Name) $($_.Length)" }) -join ';'
        }

        It 'an existing non-empty folder: BackupPathNotEmpty, the folder untouched (<Cmdlet>)' -ForEach @(
            @{ Cmdlet = 'Invoke-KsHostUpgrade' }, @{ Cmdlet = 'Invoke-KsMemberUpgrade' }, @{ Cmdlet = 'Backup-KsCluster' }
        ) {
            $err = switch ($Cmdlet) {
                'Invoke-KsHostUpgrade' { Invoke-Failing { Invoke-Upgrade -Override @{ BackupPath = $script:Full } } }
                'Invoke-KsMemberUpgrade' { Invoke-Failing { Invoke-Upgrade -Role Member -Override @{ BackupPath = $script:Full } } }
                'Backup-KsCluster' { Invoke-Failing { Backup-KsCluster -Cluster $script:HostCluster -Path $script:Full } }
            }
            Assert-CleanError $err 'KsUpgrade.BackupPathNotEmpty'
            "$err" | Should -Match ([regex]::Escape($script:Full))
            ((Get-ChildItem -Recurse $script:Full | ForEach-Object { "$($_.Name) $($_.Length)" }) -join ';') | Should -Be $script:FullListing
            Assert-NoMutation
        }

        It 'an existing file: BackupPathNotEmpty' {
            $file = Join-Path $script:Dir 'a-file-not-a-folder'
            'x' | Set-Content $file
            $err = Invoke-Failing { Invoke-Upgrade -Override @{ BackupPath = $file } }
            Assert-CleanError $err 'KsUpgrade.BackupPathNotEmpty'
            Get-Content $file | Should -Be 'x'
            Assert-NoMutation
        }
    }

    Context 'Bad input: -Kubeconfig' {
        It 'a missing file: KubeconfigNotFound (<Cmdlet>)' -ForEach @(@{ Cmdlet = 'Connect-KsCluster' }, @{ Cmdlet = 'Invoke-KsHostUpgrade' }) {
            $missing = Join-Path $script:Dir 'no-such.kubeconfig'
            $err = if ($Cmdlet -eq 'Connect-KsCluster') { Invoke-Failing { Connect-KsCluster -Kubeconfig $missing } }
            else { Invoke-Failing { Invoke-KsHostUpgrade -Kubeconfig $missing -ValuesPath $script:Values -Chart $script:Chart -Confirm:$false } }
            Assert-CleanError $err 'KsUpgrade.KubeconfigNotFound'
            "$err" | Should -Match ([regex]::Escape($missing))
        }

        It 'a malformed file: KubeconfigInvalid with the line, not the content' {
            $bad = Join-Path $script:Dir 'malformed.kubeconfig'
            "apiVersion: v1`nkind: Config`nusers:`n- name: u`n  user: {token: marker-token-malformed-4711`nclusters: [`n" | Set-Content $bad
            $err = Invoke-Failing { Invoke-KsHostUpgrade -Kubeconfig $bad -ValuesPath $script:Values -Chart $script:Chart -Confirm:$false }
            Assert-CleanError $err 'KsUpgrade.KubeconfigInvalid' -Secret 'marker-token-malformed-4711'
            "$err" | Should -Match 'line \d+'
        }

        It 'a server that answers HTTPS but is not Kubernetes: NotKubernetes (<Cmdlet>)' -ForEach @(
            @{ Cmdlet = 'Connect-KsCluster' }, @{ Cmdlet = 'Test-KsCluster' }, @{ Cmdlet = 'Invoke-KsHostUpgrade' }
        ) {
            # The sandbox's own TLS endpoint (trusted CA, valid token) under a path that is not an API server.
            $kc = Join-Path $script:Dir "not-kubernetes-$Cmdlet.kubeconfig"
            (Get-Content $script:Sandbox.Kubeconfig -Raw) -replace '(https://127\.0\.0\.1:\d+)"', '$1/not-kubernetes"' | Set-Content $kc
            (Get-Content $kc -Raw) | Should -Match '/not-kubernetes"'
            $err = switch ($Cmdlet) {
                'Connect-KsCluster' { Invoke-Failing { Connect-KsCluster -Kubeconfig $kc -Context host -RequestTimeout 5s } }
                'Test-KsCluster' { Invoke-Failing { Test-KsCluster -Kubeconfig $kc -Context host -RequestTimeout 5s } }
                'Invoke-KsHostUpgrade' { Invoke-Failing { Invoke-KsHostUpgrade -Kubeconfig $kc -Context host -RequestTimeout 5s -ValuesPath $script:Values -Chart $script:Chart -Confirm:$false } }
            }
            Assert-CleanError $err 'KsUpgrade.NotKubernetes' -Secret $script:Token
            Assert-NoMutation
        }

        It 'a user whose exec credential plugin fails (<Plugin>): CredentialPluginFailed, no stack trace, nothing the plugin printed' -Skip:$IsWindows -ForEach @(
            @{ Plugin = '/bin/false' }, @{ Plugin = 'prints a non-credential' }
        ) {
            $command = '/bin/false'
            if ($Plugin -ne '/bin/false') {
                # A plugin that exits 0 but prints something that is not an ExecCredential (a secret-looking line).
                $command = Join-Path $script:Dir 'plugin prints junk.sh'
                "#!/bin/sh`necho 'marker-exec-stdout-5150'`nexit 0`n" | Set-Content $command
                & chmod +x $command
            }
            $kc = Join-Path $script:Dir ("exec-" + [guid]::NewGuid() + '.kubeconfig')
            $text = (Get-Content $script:Sandbox.Kubeconfig -Raw) -replace '(?m)^(- name: "host-admin"\r?\n  user:\r?\n)    token: "[^"]+"',
                "`$1    exec:`n      apiVersion: client.authentication.k8s.io/v1beta1`n      command: '$command'`n      interactiveMode: Never"
            $text | Set-Content $kc
            $text | Should -Match 'exec:'
            $all = & {
                $err = Invoke-Failing { Connect-KsCluster -Kubeconfig $kc -Context host -RequestTimeout 5s -Verbose -InformationAction Continue }
                $err
            } *>&1
            $err = $all | Where-Object { $_ -is [Management.Automation.ErrorRecord] } | Select-Object -Last 1
            Assert-CleanError $err 'KsUpgrade.CredentialPluginFailed' -Secret $script:Token, 'marker-exec-stdout-5150'
            $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
            "$err" | Should -Match ([regex]::Escape($command))
            ($all | Out-String) | Should -Not -Match 'marker-exec-stdout-5150|End of inner exception'
        }
    }

    Context 'Bad input: names' {
        It 'Remove-KsMemberTaint with an unknown or hostile name: MemberNotFound listing the known clusters' {
            foreach ($name in 'no-such-member', 'member1; kubectl delete ns default', '../member1', "member1`nhost", '*') {
                $err = Invoke-Failing { Remove-KsMemberTaint -Cluster $script:HostCluster -Name $name -Confirm:$false }
                Assert-CleanError $err 'KsUpgrade.MemberNotFound'
                "$err" | Should -Match 'member1'
            }
            Assert-NoMutation
        }

        It 'Invoke-KsMemberUpgrade -HostCluster with an unknown or the host''s own -MemberName: refused before any change' {
            foreach ($name in 'no-such-member', '../member1', "member1`nhost") {
                $err = Invoke-Failing { Invoke-Upgrade -Role Member -Override @{ HostCluster = $script:HostCluster; MemberName = $name } }
                Assert-CleanError $err 'KsUpgrade.MemberNotFound'
                "$err" | Should -Match 'member1'
            }
            $err = Invoke-Failing { Invoke-Upgrade -Role Member -Override @{ HostCluster = $script:HostCluster; MemberName = 'host' } }
            Assert-CleanError $err 'KsUpgrade.HostClusterRefused'
            Assert-NoMutation
        }

        It 'Update-KsGateway with an unknown or hostile name: GatewayNotFound listing the known gateways' {
            foreach ($name in 'no-such-gateway', 'kubesphere-router-kubesphere-system;id', '../kubesphere-router-kubesphere-system', '--set') {
                $err = Invoke-Failing { Update-KsGateway -Cluster $script:HostCluster -Name $name -Chart $script:Chart -Confirm:$false -WarningAction SilentlyContinue }
                Assert-CleanError $err 'KsUpgrade.GatewayNotFound'
                "$err" | Should -Match 'kubesphere-router-kubesphere-system'
            }
            Assert-NoMutation
        }
    }

    Context 'Bad input: timeouts' {
        It '<Cmdlet> -<Parameter> <Value>: PowerShell parameter validation' -ForEach @(
            @{ Cmdlet = 'Connect-KsCluster'; Parameter = 'RequestTimeout'; Value = '0s' }
            @{ Cmdlet = 'Connect-KsCluster'; Parameter = 'RequestTimeout'; Value = '2h' }
            @{ Cmdlet = 'Test-KsCluster'; Parameter = 'RequestTimeout'; Value = '500ms' }
            @{ Cmdlet = 'Backup-KsCluster'; Parameter = 'RequestTimeout'; Value = '-00:00:01' }
            @{ Cmdlet = 'Invoke-KsHostUpgrade'; Parameter = 'RequestTimeout'; Value = '0s' }
            @{ Cmdlet = 'Invoke-KsHostUpgrade'; Parameter = 'JobTimeout'; Value = '5s' }
            @{ Cmdlet = 'Invoke-KsHostUpgrade'; Parameter = 'Timeout'; Value = '30s' }
            @{ Cmdlet = 'Update-KsGateway'; Parameter = 'JobTimeout'; Value = '25h' }
            @{ Cmdlet = 'Remove-KsMemberTaint'; Parameter = 'RequestTimeout'; Value = '0s' }
        ) {
            $a = @{ $Parameter = $Value }
            switch ($Cmdlet) {
                'Connect-KsCluster' { $a.Kubeconfig = $script:Sandbox.Kubeconfig }
                'Test-KsCluster' { $a.Cluster = $script:HostCluster }
                'Backup-KsCluster' { $a.Cluster = $script:HostCluster; $a.Path = Join-Path $script:Dir ("b-" + [guid]::NewGuid()) }
                'Invoke-KsHostUpgrade' { $a = Get-UpgradeArgs; $a[$Parameter] = $Value }
                'Update-KsGateway' { $a.Cluster = $script:HostCluster; $a.All = $true; $a.Chart = $script:Chart; $a.Confirm = $false }
                'Remove-KsMemberTaint' { $a.Cluster = $script:HostCluster; $a.Name = 'member1'; $a.Confirm = $false }
            }
            $err = Invoke-Failing { & $Cmdlet @a }
            Assert-CleanError $err 'ParameterArgumentValidationError'
            "$err" | Should -Match $Parameter
            "$err" | Should -Match 'from \d'   # the range is named, in helm's notation
            Assert-NoMutation
        }
    }
}

Describe 'Bad input: Start-KsSandbox -Seed' {
    It 'a seed file that does not exist: SandboxFailed naming it' {
        $missing = Join-Path $script:Dir 'no-such-seed.yaml'
        $err = Invoke-Failing { Start-KsSandbox -Seed $missing }
        Assert-CleanError $err 'KsUpgrade.SandboxFailed'
        "$err" | Should -Match ([regex]::Escape($missing))
    }

    It 'a malformed seed file: SandboxFailed naming the file and the line' {
        $seed = Join-Path $script:BadFixtures 'seed-malformed.yaml'
        $err = Invoke-Failing { Start-KsSandbox -Seed $seed }
        Assert-CleanError $err 'KsUpgrade.SandboxFailed'
        "$err" | Should -Match ([regex]::Escape($seed))
        "$err" | Should -Match 'line 3, column \d+'
    }

    It 'a seed file that ends inside an unclosed bracket: SandboxFailed naming the file' {
        $seed = Join-Path $script:Dir 'seed-unclosed.yaml'
        "clusters:`n  - {name: host, base: ks34-host`n" | Set-Content $seed
        $err = Invoke-Failing { Start-KsSandbox -Seed $seed }
        Assert-CleanError $err 'KsUpgrade.SandboxFailed'
        "$err" | Should -Match ([regex]::Escape($seed))
        "$err" | Should -Match 'not valid YAML'
    }

    It 'a YAML file that is not a seed: SandboxFailed saying what a seed is' {
        $seed = Join-Path $script:BadFixtures 'seed-not-a-seed.yaml'
        $err = Invoke-Failing { Start-KsSandbox -Seed $seed }
        Assert-CleanError $err 'KsUpgrade.SandboxFailed'
        "$err" | Should -Match 'clusters'
    }
}
