# -ChartSha256 on Invoke-KsHostUpgrade, Invoke-KsMemberUpgrade and Update-KsGateway (issue 8, security): the SHA-256 of the
# chart archive is checked before the chart is used; a mismatch is ChartDigestMismatch and changes nothing. And
# Update-KsGateway downloads a URL chart only after the ShouldProcess question: -WhatIf never touches the network.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
    $script:Fixtures = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures'
    $script:ChartDir = Join-Path $script:Fixtures 'ks-core'
    $script:Values = Join-Path $script:Fixtures 'ks-core-values.yaml'
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-chartdigest-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Dir | Out-Null

    # The fixture chart packaged as a .tgz (ks-core/ at its top, as helm package writes it).
    $script:Tgz = Join-Path $script:Dir 'ks-core-1.1.5.tgz'
    $file = [IO.File]::Create($script:Tgz)
    try {
        $gzip = [IO.Compression.GZipStream]::new($file, [IO.Compression.CompressionLevel]::Fastest)
        [Formats.Tar.TarFile]::CreateFromDirectory($script:ChartDir, $gzip, $true)
        $gzip.Dispose()
    }
    finally { $file.Dispose() }
    $script:Sha = (Get-FileHash -Algorithm SHA256 -LiteralPath $script:Tgz).Hash.ToLowerInvariant()
    $script:WrongSha = 'ab' * 32

    function Invoke-Failing {
        param([Parameter(Mandatory)] [scriptblock] $Block)
        $ErrorActionPreference = 'Stop'
        try { & $Block | Out-Null } catch { return $_ }
        $null
    }
}
AfterAll { Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue }

Describe '-ChartSha256 on a ks34-multicluster sandbox' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
        $script:HostCluster = $script:Sandbox.Clusters | Where-Object Context -eq 'host'
        $script:Member1 = $script:Sandbox.Clusters | Where-Object Context -eq 'member1'

        function Get-State { (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host) + (Get-SandboxStateText -Sandbox $script:Sandbox -Cluster member1) }

        function Invoke-WithDigest([string] $Cmdlet, [string] $Sha, [string] $Chart = $script:Tgz, [hashtable] $More = @{}) {
            $backup = Join-Path $script:Dir ("backup-" + [guid]::NewGuid())
            $a = @{ Chart = $Chart; ChartSha256 = $Sha; Confirm = $false; WarningAction = 'SilentlyContinue'; InformationAction = 'SilentlyContinue' } + $More
            $err = switch ($Cmdlet) {
                'Invoke-KsHostUpgrade' { Invoke-Failing { Invoke-KsHostUpgrade -Cluster $script:HostCluster -ValuesPath $script:Values -BackupPath $backup -JobTimeout 2m @a } }
                'Invoke-KsMemberUpgrade' { Invoke-Failing { Invoke-KsMemberUpgrade -Cluster $script:Member1 -SkipHostCheck -ValuesPath $script:Values -BackupPath $backup -JobTimeout 2m @a } }
                'Update-KsGateway' { Invoke-Failing { Update-KsGateway -Cluster $script:HostCluster -All @a } }
            }
            [pscustomobject]@{ Error = $err; BackupCreated = (Test-Path -LiteralPath $backup) }
        }
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It '<Cmdlet>: a malformed digest is ParameterInvalid, before anything runs' -ForEach @(
        @{ Cmdlet = 'Invoke-KsHostUpgrade' }, @{ Cmdlet = 'Invoke-KsMemberUpgrade' }, @{ Cmdlet = 'Update-KsGateway' }
    ) {
        $before = Get-State
        foreach ($bad in @('abc', ('a' * 63), ('a' * 65), ('g' * 64), 'md5:0123', ('0' * 100000))) {
            $r = Invoke-WithDigest $Cmdlet $bad
            $r.Error.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ParameterInvalid*'
            $r.Error.CategoryInfo.Category | Should -Be 'InvalidArgument'
            "$($r.Error)" | Should -Match 'ChartSha256'
            "$($r.Error)".Length | Should -BeLessThan 400 -Because 'an oversized value is not echoed'
            $r.BackupCreated | Should -BeFalse
        }
        Get-State | Should -Be $before
    }

    It '<Cmdlet>: a wrong digest is ChartDigestMismatch naming both digests, and nothing changes' -ForEach @(
        @{ Cmdlet = 'Invoke-KsHostUpgrade' }, @{ Cmdlet = 'Invoke-KsMemberUpgrade' }, @{ Cmdlet = 'Update-KsGateway' }
    ) {
        $before = Get-State
        $r = Invoke-WithDigest $Cmdlet $script:WrongSha
        $r.Error.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ChartDigestMismatch*'
        $r.Error.CategoryInfo.Category | Should -Be 'SecurityError'
        "$($r.Error)" | Should -Match $script:Sha
        "$($r.Error)" | Should -Match $script:WrongSha
        $r.BackupCreated | Should -BeFalse -Because 'the digest is checked before the backup step'
        Get-State | Should -Be $before
    }

    It '<Cmdlet>: a chart directory with a digest is refused (a directory has no single digest)' -ForEach @(
        @{ Cmdlet = 'Invoke-KsHostUpgrade' }, @{ Cmdlet = 'Update-KsGateway' }
    ) {
        $before = Get-State
        $r = Invoke-WithDigest $Cmdlet $script:Sha -Chart $script:ChartDir
        $r.Error.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ParameterInvalid*'
        "$($r.Error)" | Should -Match 'directory'
        Get-State | Should -Be $before
    }

    It 'Invoke-KsHostUpgrade: the right digest (any case, sha256: prefix) previews with -WhatIf and upgrades' {
        $before = Get-State
        $r = Invoke-WithDigest 'Invoke-KsHostUpgrade' ('sha256:' + $script:Sha.ToUpperInvariant()) -More @{ WhatIf = $true }
        $r.Error | Should -BeNullOrEmpty
        Get-State | Should -Be $before

        $backup = Join-Path $script:Dir 'host-backup'
        $result = Invoke-KsHostUpgrade -Cluster $script:HostCluster -ValuesPath $script:Values -Chart $script:Tgz -ChartSha256 $script:Sha `
            -BackupPath $backup -JobTimeout 2m -Confirm:$false -WarningAction SilentlyContinue -InformationAction SilentlyContinue
        $result.Succeeded | Should -BeTrue
        $result.ToVersion | Should -Be 'v4.1.3'
        (Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host).KubeSphereVersion | Should -Be 'v4.1.3'
        # KubeSphere's cluster controller shows the host on v4.1.3 one resync later; the tests below compare whole states
        $deadline = (Get-Date).AddSeconds(15)
        while ((Get-KsMemberCluster -Cluster $script:HostCluster -Name host).KubeSphereVersion -ne 'v4.1.3' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200 }
        (Get-KsMemberCluster -Cluster $script:HostCluster -Name host).KubeSphereVersion | Should -Be 'v4.1.3'
    }

    Context 'Update-KsGateway with a URL chart, on the upgraded host' {
        BeforeAll {
            # Nothing listens on this port: any download attempt fails at once (ChartNotFound, ResourceUnavailable).
            $script:Url = "https://127.0.0.1:$(Get-FreeTcpPort)/charts/ks-core-1.1.5.tgz"
        }

        It '-WhatIf prints the plan and never downloads the chart' {
            $before = Wait-SandboxSettled -Sandbox $script:Sandbox -Cluster host
            $transcript = Join-Path $script:Dir 'gateway-whatif.txt'
            Start-Transcript -Path $transcript | Out-Null
            try {
                # the workspace gateway is left out: it is refused (an error) even under -WhatIf
                $names = (Get-KsGateway -Cluster $script:HostCluster | Where-Object Scope -ne Workspace).Name
                $results = @(Update-KsGateway -Cluster $script:HostCluster -Name $names -Chart $script:Url -ChartSha256 $script:Sha -WhatIf `
                        -ErrorAction Stop -WarningAction SilentlyContinue -Verbose 4>&1)
            }
            finally { Stop-Transcript | Out-Null }
            $gatewayResults = @($results | Where-Object { $_ -is [KsUpgrade.KsGatewayUpgradeResult] })
            $gatewayResults.Count | Should -BeGreaterThan 0
            $gatewayResults | ForEach-Object { $_.Outcome | Should -Be 'NotRun' }
            $text = Get-Content -Raw $transcript
            $text | Should -Match 'What if: .*Gateway ''kubesphere-router-'
            @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'only once a gateway upgrade is confirmed' }).Count | Should -Be 1
            Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host | Should -Be $before
        }

        It 'without -WhatIf the download is attempted after the confirmation and fails with ChartNotFound, changing nothing' {
            $before = Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host
            $err = Invoke-Failing { Update-KsGateway -Cluster $script:HostCluster -All -Chart $script:Url -ChartSha256 $script:Sha -Confirm:$false -WarningAction SilentlyContinue -InformationAction SilentlyContinue }
            $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ChartNotFound*'
            $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            "$err" | Should -Match ([regex]::Escape($script:Url))
            Get-SandboxStateText -Sandbox $script:Sandbox -Cluster host | Should -Be $before
        }
    }
}
