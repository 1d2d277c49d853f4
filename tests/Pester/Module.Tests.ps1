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

    It 'exports no sandbox cmdlet and ships no sandbox' {
        $script:ManifestData.CmdletsToExport | Should -Not -BeLike '*-KsSandbox'
        Get-Command -Module KsUpgrade -Name '*-KsSandbox' | Should -BeNullOrEmpty
        $dir = Split-Path $script:ModulePath
        foreach ($d in 'sandbox', 'server', 'rehearsal') { Join-Path $dir $d | Should -Not -Exist }
        Get-ChildItem $dir -Recurse -File | Where-Object { $_.Name -like 'KsUpgrade.Sandbox*' -or $_.Extension -eq '.pdb' -or $_.Name -eq 'web.config' } |
            Should -BeNullOrEmpty
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

Describe 'The built sandbox module (KsUpgrade.Sandbox)' {
    BeforeAll {
        $script:SandboxModulePath = Get-KsSandboxModulePath
        $script:SandboxManifest = Import-PowerShellDataFile $script:SandboxModulePath
    }

    It 'imports alone in a clean pwsh and exports exactly Start-, Stop- and Get-KsSandbox' {
        $script:SandboxManifest.CmdletsToExport | Sort-Object | Should -Be @('Get-KsSandbox', 'Start-KsSandbox', 'Stop-KsSandbox')
        $r = Invoke-CleanPwsh "Import-Module '$script:SandboxModulePath'; (Get-Command -Module KsUpgrade.Sandbox).Name -join ','; [bool](Get-Module KsUpgrade)"
        $r.ExitCode | Should -Be 0
        ($r.Output[-2] -split ',' | Sort-Object) | Should -Be @('Get-KsSandbox', 'Start-KsSandbox', 'Stop-KsSandbox')
        $r.Output[-1] | Should -Be 'False' -Because 'the sandbox module does not load the product'
    }

    It 'declares PowerShell 7.4, Core edition' {
        $script:SandboxManifest.PowerShellVersion | Should -Be '7.4'
        $script:SandboxManifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'references no assembly of the product, and the product none of the sandbox' {
        $sandboxDll = Join-Path (Split-Path $script:SandboxModulePath) 'KsUpgrade.Sandbox.PowerShell.dll'
        $names = foreach ($dll in $sandboxDll, (Join-Path (Split-Path $script:ModulePath) 'KsUpgrade.dll'), (Join-Path (Split-Path $script:ModulePath) 'dependencies/KsUpgrade.Engine.dll')) {
            $stream = [IO.File]::OpenRead($dll)
            try {
                $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
                $md = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($h in $md.AssemblyReferences) { [pscustomobject]@{ Dll = Split-Path $dll -Leaf; Ref = $md.GetString($md.GetAssemblyReference($h).Name) } }
                $pe.Dispose()
            }
            finally { $stream.Dispose() }
        }
        ($names | Where-Object Dll -eq 'KsUpgrade.Sandbox.PowerShell.dll').Ref | Should -Not -BeLike 'KsUpgrade*'
        ($names | Where-Object Dll -ne 'KsUpgrade.Sandbox.PowerShell.dll').Ref | Should -Not -BeLike 'KsUpgrade.Sandbox*'
    }

    It 'raises only ErrorIds of the one catalogue, KsUpgrade.ErrorIds' {
        $catalogue = @{}
        foreach ($f in [KsUpgrade.ErrorIds].GetFields()) { $catalogue[$f.Name] = $f.GetValue($null) }
        $ids = [KsUpgrade.Sandbox.PowerShell.SandboxErrorIds].GetFields()
        $ids.Count | Should -BeGreaterThan 1
        foreach ($f in $ids) { $catalogue[$f.Name] | Should -Be $f.GetValue($null) -Because "$($f.Name) must be in src/KsUpgrade.Model/Errors/ErrorIds.cs" }
    }
}
