# Test-KsBackup on real Backup-KsCluster output: intact, damaged, -Quiet, pipeline binding, a missing folder.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-testbackup-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Dir | Out-Null
    $script:Sandbox = Start-KsSandbox -Seed ks34-host
    $script:Backup = $script:Sandbox.Clusters[0] | Backup-KsCluster -Path (Join-Path $script:Dir 'backup') -WarningAction SilentlyContinue
}
AfterAll {
    $script:Sandbox | Stop-KsSandbox -Confirm:$false
    Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
}

Describe 'Test-KsBackup' {
    It 'finds a fresh backup intact, piped from Backup-KsCluster' {
        $check = $script:Backup | Test-KsBackup
        $check | Should -BeOfType ([KsUpgrade.KsBackupCheck])
        $check.Intact | Should -BeTrue -Because ($check.Problems -join '; ')
        $check.ObjectCount | Should -Be $script:Backup.ObjectCount
        $check.Files.Count | Should -Be $script:Backup.Files.Count
        $check.Cluster | Should -Be $script:Sandbox.Clusters[0].Context
        # the seed has no kubesphere-devops-worker namespace; upgrade.sh still writes its file (kubectl's empty List)
        ($check.Files | Where-Object Name -eq 'backup-kubesphere-devops-worker.yaml').ObjectsFound | Should -Be 0
        Test-KsBackup -Path $script:Backup.Path -Quiet | Should -BeTrue
    }

    It 'binds an upgrade result''s BackupPath and reports a changed file, with -Quiet $false' {
        $copy = Join-Path $script:Dir 'copy'
        Copy-Item -Recurse $script:Backup.Path $copy
        $file = Join-Path $copy 'backup-kubesphere-system.yaml'
        Add-Content -Path $file -Value "---`nkind: ConfigMap`nmetadata: {name: smuggled}"
        $check = [pscustomobject]@{ BackupPath = $copy } | Test-KsBackup -Verbose 4>&1
        $verbose = @($check | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $result = $check | Where-Object { $_ -is [KsUpgrade.KsBackupCheck] }
        $result.Intact | Should -BeFalse
        $damaged = $result.Files | Where-Object { -not $_.Intact }
        $damaged.Name | Should -Be 'backup-kubesphere-system.yaml'
        $damaged.ObjectsFound | Should -Be ($damaged.Objects + 1)
        $verbose.Message | Should -Match 'backup-kubesphere-system.yaml'
        Test-KsBackup -Path $copy -Quiet | Should -BeFalse
    }

    It 'refuses a backup whose set lacks a file upgrade.sh writes, naming the file and its kubectl command' {
        $copy = Join-Path $script:Dir 'short'
        Copy-Item -Recurse $script:Backup.Path $copy
        $name = 'backup-kubesphere-devops-worker.yaml'
        # out of the folder and out of the manifest alike: the files agree with the manifest, the set is short
        Remove-Item -LiteralPath (Join-Path $copy $name) -ErrorAction SilentlyContinue
        $manifestPath = Join-Path $copy 'manifest.json'
        $manifest = Get-Content -LiteralPath $manifestPath -Raw | ConvertFrom-Json -AsHashtable
        $manifest.files = @($manifest.files | Where-Object { $_.name -ne $name })
        $manifest | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $manifestPath
        $check = Test-KsBackup -Path $copy
        $check.Intact | Should -BeFalse
        $check.Problems | Should -HaveCount 1
        $check.Problems[0] | Should -BeLike "$name`: upgrade.sh writes it*-n kubesphere-devops-worker -o yaml*"
        ($check.Files | Where-Object Name -eq $name).Intact | Should -BeFalse
        Test-KsBackup -Path $copy -Quiet | Should -BeFalse
    }

    It 'reports a folder that is not there as KsUpgrade.BackupNotFound and goes on with the next' {
        $missing = Join-Path $script:Dir 'no-such-backup'
        $out = Test-KsBackup -Path $missing, $script:Backup.Path -Quiet -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'KsUpgrade.BackupNotFound*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($errs[0])" | Should -Match ([regex]::Escape($missing))
        $out | Should -Be @($true)
    }

    It 'shows a table by default' {
        $text = $script:Backup | Test-KsBackup | Out-String -Width 200
        $text | Should -Match 'Intact'
        $text | Should -Match 'Objects'
    }
}
