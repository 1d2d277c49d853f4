BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-conn-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Dir | Out-Null
}
AfterAll { Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue }

Describe 'Connect-KsCluster errors' {
    It 'fails with ClusterUnreachable within the timeout when nothing listens' {
        $port = Get-FreeTcpPort
        $kc = New-TestKubeconfig -Path (Join-Path $script:Dir 'closed.yaml') -Server "https://127.0.0.1:$port" -Token 'marker-token-closedport-123'
        $sw = [Diagnostics.Stopwatch]::StartNew()
        { Connect-KsCluster -Kubeconfig $kc -RequestTimeout 3s -ErrorAction Stop } | Should -Throw -ErrorId 'KsUpgrade.ClusterUnreachable*'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 15
    }

    It 'fails with KubeconfigInvalid on a malformed kubeconfig, naming the position and not the content' {
        $bad = Join-Path $script:Dir 'bad.yaml'
        "apiVersion: v1`nclusters:`n- name: x`n  cluster: {server: [unclosed`nusers: secret-token-marker-456`n" | Set-Content $bad
        $err = $null
        try { Connect-KsCluster -Kubeconfig $bad -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.KubeconfigInvalid*'
        $err.CategoryInfo.Category | Should -Be 'ParserError'
        "$err" | Should -Match 'line \d+'
        "$err" | Should -Not -Match 'secret-token-marker-456'
    }

    It 'fails with ContextNotFound listing the contexts that exist' {
        $kc = New-TestKubeconfig -Path (Join-Path $script:Dir 'one.yaml') -Server 'https://127.0.0.1:1' -Context 'alpha'
        $err = $null
        try { Connect-KsCluster -Kubeconfig $kc -Context 'beta' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.ContextNotFound*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$err" | Should -Match 'alpha'
    }

    It 'fails with KubeconfigInvalid on -KubeconfigContent that is not a kubeconfig' {
        { Connect-KsCluster -KubeconfigContent 'just: [text' -ErrorAction Stop } | Should -Throw -ErrorId 'KsUpgrade.KubeconfigInvalid*'
    }

    It 'never writes the token to any stream' {
        $token = 'marker-token-streams-789'
        $port = Get-FreeTcpPort
        $kc = New-TestKubeconfig -Path (Join-Path $script:Dir 'streams.yaml') -Server "https://127.0.0.1:$port" -Token $token -Insecure
        $all = & {
            try { Connect-KsCluster -Kubeconfig $kc -RequestTimeout 2s -Verbose -Debug -InformationAction Continue -WarningAction Continue -ErrorAction Stop }
            catch { $_; $_.Exception.ToString() }
        } *>&1 | Out-String
        $all | Should -Match 'insecure-skip-tls-verify'   # the Warning record was written
        $all | Should -Match 'KsUpgrade|reach'             # and the error
        $all | Should -Not -Match $token
    }
}
