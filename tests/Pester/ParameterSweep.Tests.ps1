# Bad input suite, the sweep (issue 8): every parameter of every exported cmdlet, found by reflection, gets the hostile
# values of its kind (empty, blank, 100,000 characters, a NUL, a newline, path traversal, unicode with spaces, numbers
# out of range, objects of the wrong type). Every call must fail with a specific ErrorId (a KsUpgrade one or PowerShell's
# own parameter binding), a message that is not a stack trace and holds no credential, and leave the sandbox unchanged.
# BadInput.Tests.ps1 holds the hand-written cases (50 MB values, alias bombs, tgz traversal, non-Kubernetes servers...).

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force

    # What each parameter is, by "Cmdlet:Parameter" first, then by parameter name. A parameter with no kind fails the
    # first test below, so a new parameter cannot escape the sweep.
    $script:Kinds = @{
        'Get-KsGateway:Name' = 'GatewayName'; 'Update-KsGateway:Name' = 'GatewayName'
        'Get-KsMemberCluster:Name' = 'MemberName'; 'Remove-KsMemberTaint:Name' = 'MemberName'; 'MemberName' = 'MemberName'
        'Test-KsBackup:Path' = 'ExistingFile'
        'Test-KsCluster:ValuesPath' = 'ReportedFile'; 'Test-KsCluster:Chart' = 'ReportedFile'; 'Test-KsCluster:HelmPath' = 'ReportedFile'
        'ValuesPath' = 'ExistingFile'; 'HelmPath' = 'ExistingFile'; 'Kubeconfig' = 'ExistingFile'; 'CertificateAuthority' = 'ExistingFile'
        'Chart' = 'Chart'; 'Seed' = 'Seed'; 'KubeconfigPath' = 'NewFile'; 'Path' = 'NewDirectory'; 'BackupPath' = 'NewDirectory'
        'Tag' = 'ImageSetting'; 'ImageRegistry' = 'ImageSetting'; 'ExtensionImageRegistry' = 'ImageSetting'; 'UpgradeImageTag' = 'ImageSetting'
        'ExtensionVersion' = 'ImageSetting'; 'ChartSha256' = 'Digest'
        'Context' = 'Context'; 'KubeconfigContent' = 'KubeconfigContent'; 'Server' = 'Server'; 'Token' = 'Token'
        'RequestTimeout' = 'Duration'; 'Timeout' = 'Duration'; 'JobTimeout' = 'Duration'; 'SettleTimeout' = 'Duration'; 'Phase' = 'Phase'; 'Scale' = 'Scale'
        'IgnoreCheck' = 'WaivableCheckId'; 'ExcludeCheck' = 'CheckId'
        'ThrottleLimit' = 'Throttle'
        'Cluster' = 'Object'; 'HostCluster' = 'Object'; 'MemberCluster' = 'Object'; 'Report' = 'Object'; 'InputObject' = 'Object'; 'Sandbox' = 'Object'
    }
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    $script:Parameters = foreach ($command in Get-Command -Module KsUpgrade, KsUpgrade.Sandbox -CommandType Cmdlet | Sort-Object Name) {
        foreach ($p in $command.Parameters.Values | Where-Object { $_.Name -notin $common } | Sort-Object Name) {
            $kind = if ($p.SwitchParameter) { 'Switch' } elseif ($script:Kinds.ContainsKey("$($command.Name):$($p.Name)")) { $script:Kinds["$($command.Name):$($p.Name)"] } else { $script:Kinds[$p.Name] }
            @{ Cmdlet = $command.Name; Parameter = $p.Name; Kind = $kind }
        }
    }

    $huge = 'x' * 100000
    $script:ValuesByKind = @{
        ExistingFile      = [ordered]@{ empty = ''; blank = '   '; nul = "bad`0name"; huge = $huge; traversal = ('../' * 40) + 'no-such-file'; unicode = 'ünï cödé ✓/missing file.yaml' }
        ReportedFile      = [ordered]@{ empty = ''; nul = "bad`0name"; huge = $huge; unicode = 'ünï cödé ✓/missing file.yaml' }
        Chart             = [ordered]@{ empty = ''; blank = '   '; nul = "bad`0name"; huge = $huge; unicode = 'ünï cödé ✓/missing chart.tgz'; http = 'http://charts.invalid/ks-core-1.1.5.tgz' }
        NewDirectory      = [ordered]@{ empty = ''; blank = '   '; nul = "bad`0name"; huge = $huge; existingFile = '<existing-file>'; nonEmptyDir = '<non-empty-dir>' }
        NewFile           = [ordered]@{ empty = ''; nul = "bad`0name"; huge = $huge; existingDir = '<non-empty-dir>' }
        ImageSetting      = [ordered]@{ empty = ''; blank = ' '; space = 'v4.1.3 x'; shell = 'v4.1.3;id'; newline = "v4.1.3`nx=y"; huge = $huge }
        Digest            = [ordered]@{ empty = ''; word = 'not-a-digest'; short = 'a' * 63; huge = $huge; wrong = '0' * 64 }
        MemberName        = [ordered]@{ empty = ''; unknown = 'no-such-member'; newline = "member1`nx"; huge = $huge; traversal = '../member1' }
        GatewayName       = [ordered]@{ empty = ''; unknown = 'no-such-gateway'; newline = "gw`nx"; huge = $huge; traversal = '../kubesphere-router-kubesphere-system' }
        Context           = [ordered]@{ empty = ''; unknown = 'no-such-context'; newline = "host`nx"; huge = $huge }
        KubeconfigContent = [ordered]@{ empty = ''; garbage = 'clusters: [ {'; noContexts = "apiVersion: v1`nkind: Config`n"; huge = $huge }
        Server            = [ordered]@{ empty = ''; word = 'not a url'; ftp = 'ftp://127.0.0.1/'; huge = $huge }
        Token             = [ordered]@{ emptySecure = '<empty-secure>'; plainText = 'plain-text-token' }
        Duration          = [ordered]@{ negative = '-00:00:01'; max = [timespan]::MaxValue; tooLong = '7.00:00:00'; text = 'soon'; bare = 30; bareText = '600'; zero = '0'; unknownUnit = '30x'; negativeHelm = '-5m'; huge = $huge }
        CheckId           = [ordered]@{ empty = ''; unknown = 'NoSuchCheck'; all = 'all'; wildcard = '*'; newline = "NodesReady`nx"; huge = $huge }
        # -IgnoreCheck: also the checks never waived, and a check that is not a pre-flight one
        WaivableCheckId   = [ordered]@{ empty = ''; unknown = 'NoSuchCheck'; all = 'all'; wildcard = '*'; renderProof = 'ChartRenders'; helmVersion = 'HelmVersion'; postUpgrade = 'KsCoreDeploymentsAvailable'; newline = "NodesReady`nx"; huge = $huge }
        Phase             = [ordered]@{ empty = ''; unknown = 'Sideways' }
        Throttle          = [ordered]@{ zero = 0; negative = -1; huge = 100000; text = 'many' }
        Scale             = [ordered]@{ negative = @{ Nodes = -1 }; unknownKey = @{ Planets = 3 }; text = @{ Nodes = 'many' }; absurd = @{ Nodes = [int]::MaxValue } }
        Seed              = [ordered]@{ empty = ''; unknown = 'no-such-seed'; newline = "ks34-host`nx"; huge = $huge; traversal = '../../../../etc/passwd' }
        Object            = [ordered]@{ null = '<null>'; text = 'host'; lookalike = '<lookalike>' }
    }
    $script:Cells = foreach ($p in $script:Parameters | Where-Object { $_.Kind -and $_.Kind -ne 'Switch' }) {
        foreach ($name in $script:ValuesByKind[$p.Kind].Keys) { $p + @{ Value = $name; Hostile = $script:ValuesByKind[$p.Kind][$name] } }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    Use-KsTestHelm
    $fixtures = Get-KsFixture
    $script:Chart = Join-Path $fixtures 'ks-core'
    $script:ValuesFile = Join-Path $fixtures 'ks-core-values.yaml'
    $script:Dir = New-KsTestDirectory sweep
    $script:ExistingFile = Join-Path $script:Dir 'existing.txt'
    Set-Content -Path $script:ExistingFile -Value 'not a folder'
    $script:NonEmptyDir = Join-Path $script:Dir 'non-empty'
    New-Item -ItemType Directory -Path $script:NonEmptyDir | Out-Null
    Set-Content -Path (Join-Path $script:NonEmptyDir 'keep.txt') -Value 'keep me'
    Push-Location $script:Dir   # a relative path that is wrongly accepted lands here, where the file check sees it

    $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
    $script:HostCluster = $script:Sandbox.Clusters | Where-Object Context -eq 'host'
    $script:Member1 = $script:Sandbox.Clusters | Where-Object Context -eq 'member1'
    $script:Kubeconfig = $script:Sandbox.Kubeconfig
    $script:Token = (Select-String -Path $script:Kubeconfig -Pattern '^\s*token:\s*"?([^"\s]+)' | Select-Object -First 1).Matches[0].Groups[1].Value
    $script:HostState = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host
    $script:MemberState = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster member1
    $script:Started = [System.Collections.Generic.List[object]]::new()

    # The error ids a refusal may carry: ours, and PowerShell's parameter binding and validation.
    $script:BindingIds = 'ParameterArgumentValidationError', 'ParameterArgumentTransformationError', 'CannotConvertArgumentNoMessage',
        'AmbiguousParameterSet', 'MissingMandatoryParameter', 'ParameterBindingFailed', 'InputObjectNotBound', 'NamedParameterNotFound'

    # The cell's value, with the placeholders that need run-time objects or paths filled in.
    function Resolve-Hostile([string] $Kind, [string] $Name, $v) {
        switch ($v) {
            '<existing-file>' { return $script:ExistingFile }
            '<non-empty-dir>' { return $script:NonEmptyDir }
            '<empty-secure>' { return [securestring]::new() }
            '<null>' { return $null }
            '<lookalike>' { return [pscustomobject]@{ Context = 'host'; Server = 'https://127.0.0.1:1'; KubeSphereVersion = 'v3.4.1' } }
        }
        if ($Kind -eq 'ExistingFile' -or $Kind -eq 'ReportedFile' -or $Kind -eq 'Chart') {
            if ($Name -eq 'unicode') { return Join-Path $script:Dir $v }
        }
        $v
    }

    # The valid arguments each cmdlet runs with; the parameter under test replaces (or joins) them.
    function Get-Baseline([string] $Cmdlet, [string] $Parameter) {
        $target = if ($Cmdlet -eq 'Invoke-KsMemberUpgrade') { $script:Member1 } else { $script:HostCluster }
        $a = @{}
        switch ($Parameter) {
            { $_ -in 'Kubeconfig', 'Context' } { $a.Kubeconfig = $script:Kubeconfig; $a.Context = $target.Context }
            'KubeconfigContent' { $a.Context = $target.Context }
            { $_ -in 'Server', 'Token', 'CertificateAuthority' } { $a.Server = $target.Server; $a.Token = ConvertTo-SecureString $script:Token -AsPlainText -Force }
            { $_ -in 'Cluster', 'Report', 'InputObject', 'HostCluster', 'MemberCluster', 'Sandbox' } { if ($_ -eq 'HostCluster') { $a.Cluster = $target } }
            default { if ((Get-Command $Cmdlet).Parameters.ContainsKey('Cluster')) { $a.Cluster = $target } }
        }
        switch ($Cmdlet) {
            'Backup-KsCluster' { $a.Path = Join-Path $script:Dir ("backup-" + [guid]::NewGuid()) }
            { $_ -in 'Invoke-KsHostUpgrade', 'Invoke-KsMemberUpgrade' } {
                $a.ValuesPath = $script:ValuesFile; $a.Chart = $script:Chart; $a.BackupPath = Join-Path $script:Dir ("backup-" + [guid]::NewGuid())
                $a.JobTimeout = '30s'; $a.Confirm = $false
                # with the host given, a wrong -MemberName must stop the member upgrade before it changes anything
                if ($Cmdlet -eq 'Invoke-KsMemberUpgrade' -and $Parameter -ne 'HostCluster') { $a.HostCluster = $script:HostCluster }
            }
            'Invoke-KsUpgrade' {
                # the fleet of the host and member1: a hostile value must stop it before its pre-flight changes anything
                if ($Parameter -ne 'HostCluster') { $a.HostCluster = $script:HostCluster }
                if ($Parameter -ne 'MemberCluster') { $a.MemberCluster = $script:Member1 }
                $a.ValuesPath = $script:ValuesFile; $a.Chart = $script:Chart; $a.BackupPath = Join-Path $script:Dir ("backup-" + [guid]::NewGuid())
                $a.JobTimeout = '30s'; $a.Confirm = $false
            }
            'Update-KsGateway' { if ($Parameter -notin 'Name', 'InputObject') { $a.All = $true }; $a.Chart = $script:Chart; $a.Confirm = $false }
            'Remove-KsMemberTaint' { if ($Parameter -notin 'Name', 'InputObject') { $a.Name = 'member1' }; $a.Confirm = $false }
            'Remove-KsLegacyGateway' { $a.Confirm = $false }
            'Start-KsSandbox' { if ($Parameter -ne 'Seed') { $a.Seed = 'ks34-host' } }
            'Stop-KsSandbox' { $a.Confirm = $false }
        }
        if ($Parameter -eq 'InputObject') { $a.Remove('Cluster') }
        $a
    }

    function Invoke-Cell([string] $Cmdlet, [hashtable] $Arguments) {
        # every stream captured; the error (terminating or not) returned with the output
        $ErrorActionPreference = 'Stop'
        $out = [System.Collections.Generic.List[object]]::new()
        $errorRecord = $null
        try {
            & $Cmdlet @Arguments -Verbose -Debug -InformationAction Continue -WarningAction Continue -ErrorVariable nonTerminating *>&1 | ForEach-Object { $out.Add($_) }
        }
        catch { $errorRecord = $_ }
        if (-not $errorRecord) { $errorRecord = $out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Select-Object -First 1 }
        foreach ($o in $out) { if ($o -is [KsUpgrade.KsSandbox]) { $script:Started.Add($o) } }
        [pscustomobject]@{ Error = $errorRecord; Records = $out }
    }
}

AfterAll {
    Pop-Location
    foreach ($s in $script:Started) { $s | Stop-KsSandbox -Confirm:$false -ErrorAction SilentlyContinue }
    $script:Sandbox | Stop-KsSandbox -Confirm:$false
    Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
}

Describe 'Bad input sweep: every parameter of every cmdlet' {
    It '<Cmdlet> -<Parameter> has a kind in the sweep' -ForEach $script:Parameters {
        $Kind | Should -Not -BeNullOrEmpty -Because "every parameter must be swept: give $Cmdlet -$Parameter a kind in the Kinds table"
    }

    It '<Cmdlet> -<Parameter> (<Kind>: <Value>) is refused with a specific error and changes nothing' -ForEach $script:Cells {
        $arguments = Get-Baseline $Cmdlet $Parameter
        $hostile = Resolve-Hostile $Kind $Value $Hostile
        $arguments[$Parameter] = $hostile
        $before = @(Get-ChildItem -Path $script:Dir -Recurse -Force | ForEach-Object FullName)

        $result = Invoke-Cell $Cmdlet $arguments

        $text = ($result.Records | ForEach-Object { "$_" }) -join "`n"
        if ($Kind -eq 'ReportedFile' -and -not $result.Error) {
            # Test-KsCluster reports a bad input file as a failed check instead of stopping
            $report = $result.Records | Where-Object { $_ -is [KsUpgrade.KsClusterReport] } | Select-Object -First 1
            $report | Should -Not -BeNullOrEmpty -Because 'without an error, Test-KsCluster must return its report'
            @($report.Checks | Where-Object { $_.Status -eq 'Failed' }).Count | Should -BeGreaterThan 0 -Because "the bad -$Parameter must show as a failed check"
        }
        else {
            $result.Error | Should -Not -BeNullOrEmpty -Because "$Cmdlet -$Parameter '$Value' must be refused"
            $id = $result.Error.FullyQualifiedErrorId.Split(',')[0]
            $id | Should -Not -Be 'NamedParameterNotFound' -Because 'the baseline must only use parameters the cmdlet has'
            ($id -like 'KsUpgrade.*' -or $id -in $script:BindingIds) | Should -BeTrue -Because "the ErrorId must be specific, not '$($result.Error.FullyQualifiedErrorId)' ($($result.Error.Exception.GetType().FullName): $($result.Error.Exception.Message))"
            $id | Should -Not -Be 'KsUpgrade.Unexpected'
            $message = "$($result.Error)"
            $message | Should -Not -BeNullOrEmpty
            $message | Should -Not -Match '(?m)^\s+at \S' -Because 'the user-facing message must not be a stack trace'
            $message.Length | Should -BeLessThan 5000 -Because 'a 100,000-character input must not be echoed back whole'
            $text += "`n$message"
        }
        $text | Should -Not -Match ([regex]::Escape($script:Token)) -Because 'the token must not appear in any stream'
        (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host) | Should -Be $script:HostState -Because 'a refused input must not change the host'
        (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster member1) | Should -Be $script:MemberState -Because 'a refused input must not change the member'
        $after = @(Get-ChildItem -Path $script:Dir -Recurse -Force | ForEach-Object FullName)
        Compare-Object $before $after | Should -BeNullOrEmpty -Because 'a refused input writes no file (no backup, no kubeconfig)'
    }

    It 'the unchanged-state check of every cell above sees a write to either cluster' {
        # Get-SandboxStateText reads the whole state again only when the sandbox counts a write: after all the cells
        # (their kubelets renewed leases meanwhile), one real write through the API must make each text differ
        foreach ($c in @(@{ Context = 'host'; Before = $script:HostState }, @{ Context = 'member1'; Before = $script:MemberState })) {
            (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $c.Context) | Should -Be $c.Before
            & kubectl --kubeconfig $script:Kubeconfig --context $c.Context annotate namespace default ksupgrade.test/sweep=written | Out-Null
            $LASTEXITCODE | Should -Be 0
            (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster $c.Context) | Should -Not -Be $c.Before -Because "a write to $($c.Context) must show"
        }
    }
}
