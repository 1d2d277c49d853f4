# Relative paths are resolved against PowerShell's current location, never the process's directory: the default
# -BackupPath of an upgrade (a backup holding Secrets) lands under Set-Location's folder.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
    $script:Fixtures = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures'
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-paths-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Dir | Out-Null
    $script:Sandbox = Start-KsSandbox -Seed ks34-host
}
AfterAll {
    $script:Sandbox | Stop-KsSandbox -Confirm:$false
    Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
}

Describe 'The default -BackupPath of an upgrade' {
    It 'is a backup-yyyyMMdd-HHmmss folder under the PowerShell location, not under the process directory' {
        [Environment]::CurrentDirectory | Should -Not -Be $script:Dir
        Push-Location $script:Dir
        try {
            $result = $script:Sandbox.Clusters[0] | Invoke-KsHostUpgrade -ValuesPath (Join-Path $script:Fixtures 'ks-core-values.yaml') `
                -Chart (Join-Path $script:Fixtures 'ks-core') -WhatIf -InformationAction SilentlyContinue 6>$null
        }
        finally { Pop-Location }
        $backup = $result.Steps | Where-Object Name -eq 'Backup'
        "$($backup.Status)" | Should -Be 'WhatIf'
        $backup.Detail | Should -Match ([regex]::Escape((Join-Path $script:Dir 'backup-')))
        @(Get-ChildItem -LiteralPath $script:Dir) | Should -BeNullOrEmpty -Because '-WhatIf writes nothing'
    }
}
