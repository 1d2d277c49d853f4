BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-KsModulePath
    Import-Module $script:ModulePath -Force
    $script:ManifestData = Import-PowerShellDataFile $script:ModulePath
}

Describe 'The built module' {
    It 'imports in a clean pwsh and exports its cmdlets' {
        $r = Invoke-CleanPwsh "Import-Module '$script:ModulePath'; (Get-Command -Module KsUpgrade).Name -join ','"
        $r.ExitCode | Should -Be 0
        ($r.Output[-1] -split ',' | Sort-Object) | Should -Be ($script:ManifestData.CmdletsToExport | Sort-Object)
    }

    It 'exports exactly the cmdlets the manifest lists, with no wildcards' {
        $script:ManifestData.CmdletsToExport | Should -Not -Contain '*'
        $names = (Get-Command -Module KsUpgrade).Name | Sort-Object
        $names | Should -Be ($script:ManifestData.CmdletsToExport | Sort-Object)
    }

    It 'declares PowerShell 7.4, Core edition' {
        $script:ManifestData.PowerShellVersion | Should -Be '7.4'
        $script:ManifestData.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'loads the engine and KubernetesClient into its own load context' {
        $r = Invoke-CleanPwsh @"
Import-Module '$script:ModulePath'
try { Connect-KsCluster -Server https://127.0.0.1:1 -Token (ConvertTo-SecureString x -AsPlainText -Force) -RequestTimeout 1s -ErrorAction Stop } catch { }
`$alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KsUpgrade'
(`$alc.Assemblies.GetName().Name | Sort-Object) -join ','
"@
        $r.ExitCode | Should -Be 0
        $r.Output[-1] -split ',' | Should -Contain 'KubernetesClient'
        $r.Output[-1] -split ',' | Should -Contain 'KsUpgrade.Engine'
        $r.Output[-1] -split ',' | Should -Not -Contain 'KsUpgrade.Model'
    }
}
