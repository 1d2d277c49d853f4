# Packaging: the packaging functions of build.ps1, run on the built module into a temp folder, make an Azure
# Automation zip and a .nupkg that PSResourceGet installs from a local folder repository.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-KsModulePath
    $script:ModuleDir = Split-Path $script:ModulePath
    $script:Root = if ($env:KSUPGRADE_ROOT) { $env:KSUPGRADE_ROOT } else { Join-Path $PSScriptRoot '../..' }
    $script:Manifest = Import-PowerShellDataFile $script:ModulePath
    $script:Version = $script:Manifest.ModuleVersion
    $script:Cmdlets = @($script:Manifest.CmdletsToExport)
    $script:Temp = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-package-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $script:Temp | Out-Null
    Add-Type -AssemblyName System.IO.Compression.FileSystem

    # The packaging helpers, taken from build.ps1 itself (the script runs a task when invoked, so load only them).
    $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $script:Root 'build.ps1'), [ref] $null, [ref] $null)
    $helpers = $ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.FunctionDefinitionAst] -and
            $a.Name -in 'Get-KsPackageFiles', 'Add-KsZipFile', 'Get-KsPackageVersion', 'New-KsAutomationZip', 'New-KsNuspec', 'New-KsNupkg' }, $true)
    @($helpers).Count | Should -Be 6
    foreach ($f in $helpers) { . ([scriptblock]::Create($f.Extent.Text)) }

    $script:Zip = New-KsAutomationZip -ModulePath $script:ModuleDir -OutputPath $script:Temp
    $script:Feed = Join-Path $script:Temp 'feed'
    $script:Nupkg = New-KsNupkg -ModulePath $script:ModuleDir -FeedPath $script:Feed

    function Get-ZipEntries([string] $Path) {
        $z = [IO.Compression.ZipFile]::OpenRead($Path)
        try { @($z.Entries | Where-Object { -not $_.FullName.EndsWith('/') } | ForEach-Object FullName) } finally { $z.Dispose() }
    }
    function Get-ModuleFiles([string[]] $Exclude = @()) {
        $base = (Resolve-Path $script:ModuleDir).Path
        @(Get-ChildItem $base -Recurse -File | ForEach-Object { $_.FullName.Substring($base.Length + 1).Replace('\', '/') } |
                Where-Object { ($_ -split '/')[0] -notin $Exclude })
    }
}
AfterAll { Remove-Item -Recurse -Force $script:Temp -ErrorAction SilentlyContinue }

Describe 'The Azure Automation zip' {
    It 'is named KsUpgrade-<version>.zip, the version from KsUpgrade.psd1' {
        Split-Path $script:Zip -Leaf | Should -Be "KsUpgrade-$script:Version.zip"
        $script:Zip | Should -Exist
    }

    It 'holds one root folder KsUpgrade/ with manifest, assemblies, dependencies, format file and help' {
        $entries = Get-ZipEntries $script:Zip
        $entries | Where-Object { $_ -notlike 'KsUpgrade/*' } | Should -BeNullOrEmpty
        foreach ($e in 'KsUpgrade.psd1', 'KsUpgrade.dll', 'KsUpgrade.Model.dll', 'KsUpgrade.Format.ps1xml',
            'dependencies/KsUpgrade.Engine.dll', 'dependencies/KubernetesClient.dll', 'dependencies/YamlDotNet.dll',
            'en-US/KsUpgrade.dll-Help.xml', 'en-US/about_KsUpgrade.help.txt', 'en-US/about_KsUpgrade_Sandbox.help.txt') {
            $entries | Should -Contain "KsUpgrade/$e"
        }
    }

    It 'holds every file of the built module except the sandbox folder, which it leaves out' {
        $entries = Get-ZipEntries $script:Zip
        $entries | Where-Object { $_ -like 'KsUpgrade/sandbox/*' } | Should -BeNullOrEmpty
        ($entries -replace '^KsUpgrade/' | Sort-Object) | Should -Be (Get-ModuleFiles -Exclude 'sandbox' | Sort-Object)
    }

    It 'imports in a clean pwsh once extracted, with its cmdlets and help' {
        $dest = Join-Path $script:Temp 'automation'
        [IO.Compression.ZipFile]::ExtractToDirectory($script:Zip, $dest)
        $r = Invoke-CleanPwsh "Import-Module '$(Join-Path $dest 'KsUpgrade')'; (Get-Command -Module KsUpgrade).Name -join ','; (Get-Help Connect-KsCluster).Synopsis"
        $r.ExitCode | Should -Be 0
        ($r.Output[-2] -split ',' | Sort-Object) | Should -Be ($script:Cmdlets | Sort-Object)
        $r.Output[-1] | Should -BeLike 'Connects to a Kubernetes cluster*'
    }
}

Describe 'The NuGet package' {
    It 'is out/feed/KsUpgrade.<version>.nupkg' {
        Split-Path $script:Nupkg -Leaf | Should -Be "KsUpgrade.$script:Version.nupkg"
    }

    It 'is a zip with [Content_Types].xml, _rels/.rels, the .nuspec and the module files at its root (sandbox included)' {
        $entries = Get-ZipEntries $script:Nupkg
        foreach ($e in '[Content_Types].xml', '_rels/.rels', 'KsUpgrade.nuspec') { $entries | Should -Contain $e }
        $files = $entries | Where-Object { $_ -notin '[Content_Types].xml', '_rels/.rels', 'KsUpgrade.nuspec' } | Sort-Object
        $files | Should -Be (Get-ModuleFiles | Sort-Object)
    }

    It 'has a .nuspec with id, version, and the PSModule, PSIncludes_Cmdlet and PSCmdlet_ tag of every cmdlet' {
        $z = [IO.Compression.ZipFile]::OpenRead($script:Nupkg)
        try {
            $reader = [IO.StreamReader]::new($z.GetEntry('KsUpgrade.nuspec').Open())
            [xml] $nuspec = $reader.ReadToEnd()
            $reader.Dispose()
        }
        finally { $z.Dispose() }
        $nuspec.package.metadata.id | Should -Be 'KsUpgrade'
        $nuspec.package.metadata.version | Should -Be $script:Version
        $nuspec.package.metadata.description | Should -Be $script:Manifest.Description
        $tags = $nuspec.package.metadata.tags -split ' '
        $tags | Should -Contain 'PSModule'
        $tags | Should -Contain 'PSIncludes_Cmdlet'
        foreach ($c in $script:Cmdlets) { $tags | Should -Contain "PSCmdlet_$c" }
    }

    It 'installs with Save-PSResource from a local folder repository and imports in a clean pwsh' {
        $repo = 'ksupgrade-test-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $saved = Join-Path $script:Temp 'saved'
        New-Item -ItemType Directory -Path $saved | Out-Null
        $r = Invoke-CleanPwsh @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name '$repo' -Uri '$script:Feed' -Trusted
try {
    `$found = Find-PSResource -Name KsUpgrade -Repository '$repo'
    "found `$(`$found.Name) `$(`$found.Version) `$(`$found.Type)"
    Save-PSResource -Name KsUpgrade -Repository '$repo' -Path '$saved' -TrustRepository
}
finally { Unregister-PSResourceRepository -Name '$repo' }
"@
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output | Should -Contain "found KsUpgrade $script:Version Module"
        $installed = Join-Path $saved "KsUpgrade/$script:Version"
        Join-Path $installed 'KsUpgrade.psd1' | Should -Exist
        Join-Path $installed 'sandbox' | Should -Exist
        $i = Invoke-CleanPwsh "Import-Module '$(Join-Path $installed 'KsUpgrade.psd1')'; (Get-Command -Module KsUpgrade).Name -join ','"
        $i.ExitCode | Should -Be 0
        ($i.Output[-1] -split ',' | Sort-Object) | Should -Be ($script:Cmdlets | Sort-Object)
    }
}
