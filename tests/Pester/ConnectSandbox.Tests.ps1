BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    $script:Dir = New-KsTestDirectory connect
}
AfterAll { Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue }

Describe 'Connect-KsCluster against the sandbox' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
        $kc = Get-Content -Raw $script:Sandbox.Kubeconfig
        $script:Token = [regex]::Match($kc, '(?m)^\s*token:\s*"?([^"\s]+)').Groups[1].Value
        $script:Server = [regex]::Match($kc, '(?m)^\s*server:\s*"?([^"\s]+)').Groups[1].Value
        $caData = [regex]::Match($kc, '(?m)^\s*certificate-authority-data:\s*"?([^"\s]+)').Groups[1].Value
        $script:CaFile = Join-Path $script:Dir 'ca.crt'
        [IO.File]::WriteAllBytes($script:CaFile, [Convert]::FromBase64String($caData))
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It 'connects with -Server, -Token and -CertificateAuthority and reads versions and role' {
        $c = Connect-KsCluster -Server $script:Server -Token (ConvertTo-SecureString $script:Token -AsPlainText -Force) -CertificateAuthority $script:CaFile
        $c.KubernetesVersion | Should -Match '^v1\.26'
        $c.KubeSphereVersion | Should -Be 'v3.4.1'
        $c.Role | Should -Be 'Host'
    }

    It 'refuses a server whose certificate the given CA did not sign' {
        $otherCa = Join-Path $script:Dir 'other-ca.crt'
        $rsa = [Security.Cryptography.RSA]::Create(2048)
        $req = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=other', $rsa, 'SHA256', [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $cert = $req.CreateSelfSigned([DateTimeOffset]::Now.AddDays(-1), [DateTimeOffset]::Now.AddDays(1))
        Set-Content -Path $otherCa -Value ("-----BEGIN CERTIFICATE-----`n" + [Convert]::ToBase64String($cert.RawData, 'InsertLineBreaks') + "`n-----END CERTIFICATE-----")
        $err = $null
        try { Connect-KsCluster -Server $script:Server -Token (ConvertTo-SecureString $script:Token -AsPlainText -Force) -CertificateAuthority $otherCa -RequestTimeout 5s -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ClusterUnreachable*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'verifies TLS by default: without a CA that signed the server''s certificate, nothing is sent (<How>)' -ForEach @(
        @{ How = '-Server and -Token, no -CertificateAuthority' }
        @{ How = 'a kubeconfig without certificate-authority-data' }
    ) {
        $err = $null
        $requestsBefore = (Invoke-SandboxControl -Sandbox $script:Sandbox -Path 'requests').total
        if ($How -like '-Server*') {
            try { Connect-KsCluster -Server $script:Server -Token (ConvertTo-SecureString $script:Token -AsPlainText -Force) -RequestTimeout 5s -ErrorAction Stop } catch { $err = $_ }
        }
        else {
            $content = (Get-Content -Raw $script:Sandbox.Kubeconfig) -replace '(?m)^\s*certificate-authority-data:.*\r?\n', ''
            $content | Should -Not -Match 'certificate-authority-data'
            try { Connect-KsCluster -KubeconfigContent $content -Context host -RequestTimeout 5s -ErrorAction Stop } catch { $err = $_ }
        }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ClusterUnreachable*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        "$err" | Should -Not -Match ([regex]::Escape($script:Token))
        (Invoke-SandboxControl -Sandbox $script:Sandbox -Path 'requests').total | Should -Be $requestsBefore -Because 'the TLS handshake fails before any request (and its token) is sent'
    }

    It 'fails with Unauthorized for a wrong token, naming the server but not the token' {
        $err = $null
        try { Connect-KsCluster -Server $script:Server -Token (ConvertTo-SecureString 'wrong-token-1234567890' -AsPlainText -Force) -CertificateAuthority $script:CaFile -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.Unauthorized*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        "$err" | Should -Match ([regex]::Escape($script:Server))
        "$err" | Should -Not -Match 'wrong-token-1234567890'
    }

    It 'merges several kubeconfig files, first file winning, and picks the context' {
        $second = Join-Path $script:Dir 'second.yaml'
        New-TestKubeconfig -Path $second -Server 'https://127.0.0.1:1' -Context 'host' | Out-Null
        $c = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig, $second -Context host
        $c.Server | Should -Be $script:Server
    }

    It 'reads $env:KUBECONFIG when no kubeconfig is given' {
        $old = $env:KUBECONFIG
        try {
            $env:KUBECONFIG = $script:Sandbox.Kubeconfig
            (Connect-KsCluster -Context member2).Role | Should -Be 'Member'
        }
        finally { $env:KUBECONFIG = $old }
    }
}

Describe 'Tab completion' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-multicluster
    }
    AfterAll { $script:Sandbox | Stop-KsSandbox -Confirm:$false }

    It 'completes -Context from the kubeconfig given' {
        $line = "Connect-KsCluster -Kubeconfig '$($script:Sandbox.Kubeconfig)' -Context mem"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('member1', 'member2')
    }

    It 'completes -Seed with the named seeds' {
        $line = 'Start-KsSandbox -Seed ks34-m'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('ks34-member', 'ks34-multicluster')
    }

    It 'completes -Name of Remove-KsMemberTaint from the cluster' {
        $line = "Remove-KsMemberTaint -Kubeconfig '$($script:Sandbox.Kubeconfig)' -Context host -Name m"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('member1', 'member2')
    }

    It 'does not offer the host for -Name of Remove-KsMemberTaint (it refuses the host); Get-KsMemberCluster still offers it' {
        $line = "Remove-KsMemberTaint -Kubeconfig '$($script:Sandbox.Kubeconfig)' -Context host -Name "
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('member1', 'member2')
        $line = "Get-KsMemberCluster -Kubeconfig '$($script:Sandbox.Kubeconfig)' -Context host -Name "
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('host', 'member1', 'member2')
    }

    It 'Get-KsMemberCluster against a member says it is not a host (KsUpgrade.NotHostCluster), not an empty list' {
        $member = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context member1
        $err = $null
        $out = @(Get-KsMemberCluster -Cluster $member -ErrorVariable err -ErrorAction SilentlyContinue)
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.NotHostCluster,*'
        $err[0].Exception.Message | Should -Match "'member1' is not a KubeSphere multicluster host"
    }

    It 'completes -Name of Update-KsGateway from the cluster' {
        $line = "Update-KsGateway -Kubeconfig '$($script:Sandbox.Kubeconfig)' -Context host -Name kubesphere-router-k"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('kubesphere-router-kubesphere-system')
    }

    It 'completes -Name from the session''s connection (Connect-KsCluster) when no connection parameter is typed' {
        # the kubeconfig in effect points nowhere: only the session's connection can answer
        $unreachable = New-TestKubeconfig -Path (Join-Path $script:Dir 'nowhere.yaml') -Server "https://127.0.0.1:$(Get-FreeTcpPort)" -Context 'nowhere'
        $saved = $env:KUBECONFIG
        $env:KUBECONFIG = $unreachable
        try {
            $line = 'Remove-KsMemberTaint -Name '
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Should -BeNullOrEmpty
            $null = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('member1', 'member2')
            $line = 'Get-KsGateway -Name kubesphere-router-k'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('kubesphere-router-kubesphere-system')
            # a connection parameter typed wins over the session's connection, as it does for the cmdlet
            $line = "Remove-KsMemberTaint -Kubeconfig '$unreachable' -Name "
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Should -BeNullOrEmpty
        }
        finally {
            Get-KsCluster | Disconnect-KsCluster
            $env:KUBECONFIG = $saved
        }
    }

    It 'completes -IgnoreCheck with the waivable check Ids (never ChartRenders nor HelmVersion) and -ExcludeCheck with every Id' {
        # the Ids each parameter accepts, as its own refusal lists them (the one CheckIds list)
        function Get-AcceptedIds([scriptblock] $Call) {
            $err = $null
            try { & $Call } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.CheckIdUnknown*'
            @(($err.ErrorDetails.RecommendedAction -replace '^.*\(docs/checks\.md\):\s*', '').TrimEnd('.') -split ',\s*')
        }
        $waivable = Get-AcceptedIds { Invoke-KsHostUpgrade -Kubeconfig $script:Sandbox.Kubeconfig -ValuesPath (Get-KsFixture ks-core-values.yaml) -IgnoreCheck NoSuchCheck -Confirm:$false -ErrorAction Stop }
        $all = Get-AcceptedIds { Test-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -ExcludeCheck NoSuchCheck -ErrorAction Stop }
        $waivable.Count | Should -BeGreaterThan 5
        $all.Count | Should -BeGreaterThan $waivable.Count

        foreach ($cmd in 'Invoke-KsHostUpgrade', 'Invoke-KsMemberUpgrade') {
            $line = "$cmd -IgnoreCheck "
            $offered = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
            $offered | Should -Be $waivable
            $offered | Should -Not -Contain 'ChartRenders'
            $offered | Should -Not -Contain 'HelmVersion'
        }
        $line = 'Test-KsCluster -ExcludeCheck '
        $offered = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
        $offered | Should -Be $all
        $offered | Should -Contain 'ChartRenders'
        $offered | Should -Contain 'HelmVersion'
        # a prefix narrows (case-insensitively)
        $line = 'Test-KsCluster -ExcludeCheck helmv'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('HelmVersion')
        $line = 'Invoke-KsHostUpgrade -IgnoreCheck helmv'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | Should -BeNullOrEmpty
    }

    It 'is silent (no completions, no error) when the cluster cannot be reached' {
        $bad = New-TestKubeconfig -Path (Join-Path $script:Dir 'unreachable.yaml') -Server "https://127.0.0.1:$(Get-FreeTcpPort)" -Context 'x'
        $line = "Get-KsGateway -Kubeconfig '$bad' -Name k"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches | Should -BeNullOrEmpty
    }
}
