# Packaging: the packaging functions of build.ps1, run on the two built modules (KsUpgrade, the product, and
# KsUpgrade.Sandbox, the rehearsal kit) into a temp folder, make an Azure Automation zip and a .nupkg of each; both
# packages install with PSResourceGet from a local folder repository and rehearse an upgrade with no repository file.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = if ($env:KSUPGRADE_ROOT) { $env:KSUPGRADE_ROOT } else { Join-Path $PSScriptRoot '../..' }
    $script:ModuleDir = Split-Path (Get-KsModulePath)
    $script:SandboxDir = Split-Path (Get-KsSandboxModulePath)
    $script:Manifest = Import-PowerShellDataFile (Get-KsModulePath)
    $script:SandboxManifest = Import-PowerShellDataFile (Get-KsSandboxModulePath)
    $script:Version = $script:Manifest.ModuleVersion
    $script:SandboxVersion = $script:SandboxManifest.ModuleVersion
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
    $script:SandboxZip = New-KsAutomationZip -ModulePath $script:SandboxDir -OutputPath $script:Temp
    $script:Feed = Join-Path $script:Temp 'feed'
    $script:Nupkg = New-KsNupkg -ModulePath $script:ModuleDir -FeedPath $script:Feed
    $script:SandboxNupkg = New-KsNupkg -ModulePath $script:SandboxDir -FeedPath $script:Feed

    function Get-ZipEntries([string] $Path) {
        $z = [IO.Compression.ZipFile]::OpenRead($Path)
        try { @($z.Entries | Where-Object { -not $_.FullName.EndsWith('/') } | ForEach-Object FullName) } finally { $z.Dispose() }
    }
    function Get-ZipText([string] $Path, [string] $Entry) {
        $z = [IO.Compression.ZipFile]::OpenRead($Path)
        try {
            $reader = [IO.StreamReader]::new($z.GetEntry($Entry).Open())
            try { $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally { $z.Dispose() }
    }
    function Get-ModuleFiles([string] $Dir) {
        $base = (Resolve-Path $Dir).Path
        @(Get-ChildItem $base -Recurse -File | ForEach-Object { $_.FullName.Substring($base.Length + 1).Replace('\', '/') })
    }
    # What a package of the product must never hold: the sandbox (its cmdlets, server, rehearsal files), debug symbols, IIS config.
    $script:NotInProduct = '(^|/)(sandbox|server|rehearsal)/|KsUpgrade\.Sandbox|\.pdb$|(^|/)web\.config$|about_KsUpgrade_Sandbox'
}
AfterAll { Remove-Item -Recurse -Force $script:Temp -ErrorAction SilentlyContinue }

Describe 'The licence' {
    It 'is a LICENSE file (Apache 2.0), the licence the manifests name' {
        $license = Join-Path $script:Root 'LICENSE'
        $license | Should -Exist
        $license | Should -FileContentMatch '^\s*Apache License$'
        $license | Should -FileContentMatch 'Version 2\.0, January 2004'
        foreach ($m in $script:Manifest, $script:SandboxManifest) {
            $m.Copyright | Should -Match 'Apache-2\.0'
            $m.PrivateData.PSData.LicenseUri | Should -Match '^https://.+/LICENSE$'
        }
    }

    It 'is in both modules and both kinds of package, byte for byte' {
        $expected = (Get-FileHash (Join-Path $script:Root 'LICENSE')).Hash
        (Get-FileHash (Join-Path $script:ModuleDir 'LICENSE')).Hash | Should -Be $expected
        (Get-FileHash (Join-Path $script:SandboxDir 'LICENSE')).Hash | Should -Be $expected
        $text = Get-Content -Raw (Join-Path $script:Root 'LICENSE')
        Get-ZipText $script:Zip 'KsUpgrade/LICENSE' | Should -BeExactly $text
        Get-ZipText $script:Nupkg 'LICENSE' | Should -BeExactly $text
        Get-ZipText $script:SandboxZip 'KsUpgrade.Sandbox/LICENSE' | Should -BeExactly $text
        Get-ZipText $script:SandboxNupkg 'LICENSE' | Should -BeExactly $text
    }
}

Describe 'The manifests' {
    It 'have ProjectUri, LicenseUri and ReleaseNotes, one project URL for both' {
        foreach ($m in $script:Manifest, $script:SandboxManifest) {
            $m.PrivateData.PSData.ProjectUri | Should -Match '^https://'
            $m.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
            $m.PrivateData.PSData.LicenseUri | Should -BeLike "$($m.PrivateData.PSData.ProjectUri)/*"
        }
        $script:SandboxManifest.PrivateData.PSData.ProjectUri | Should -Be $script:Manifest.PrivateData.PSData.ProjectUri
    }

    It 'tag only the platform CI runs (Linux, PowerShell 7)' {
        foreach ($m in $script:Manifest, $script:SandboxManifest) {
            $m.PrivateData.PSData.Tags | Should -Contain 'Linux'
            $m.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
            $m.PrivateData.PSData.Tags | Should -Not -Contain 'Windows'
            $m.PrivateData.PSData.Tags | Should -Not -Contain 'MacOS'
            $m.PrivateData.PSData.Tags | Should -Not -Contain 'PSEdition_Desktop'
        }
    }
}

Describe 'The Azure Automation zip of KsUpgrade' {
    It 'is named KsUpgrade.zip (the version is in the manifest)' {
        Split-Path $script:Zip -Leaf | Should -Be 'KsUpgrade.zip'
        $script:Zip | Should -Exist
        Get-ZipText $script:Zip 'KsUpgrade/KsUpgrade.psd1' | Should -Match "ModuleVersion\s*=\s*'$([regex]::Escape($script:Version))'"
    }

    It 'holds one root folder KsUpgrade/ with manifest, assemblies, dependencies, format file, help and LICENSE' {
        $entries = Get-ZipEntries $script:Zip
        $entries | Where-Object { $_ -notlike 'KsUpgrade/*' } | Should -BeNullOrEmpty
        foreach ($e in 'KsUpgrade.psd1', 'KsUpgrade.dll', 'KsUpgrade.Model.dll', 'KsUpgrade.Format.ps1xml', 'LICENSE',
            'dependencies/KsUpgrade.Engine.dll', 'dependencies/KubernetesClient.dll', 'dependencies/YamlDotNet.dll',
            'en-US/KsUpgrade.dll-Help.xml', 'en-US/about_KsUpgrade.help.txt') {
            $entries | Should -Contain "KsUpgrade/$e"
        }
    }

    It 'holds every file of the built module, and no sandbox, .pdb or web.config' {
        $entries = Get-ZipEntries $script:Zip
        $entries -match $script:NotInProduct | Should -BeNullOrEmpty
        ($entries -replace '^KsUpgrade/' | Sort-Object) | Should -Be (Get-ModuleFiles $script:ModuleDir | Sort-Object)
    }

    It 'imports in a clean pwsh once extracted, with its cmdlets (no *-KsSandbox) and help' {
        $dest = Join-Path $script:Temp 'automation'
        [IO.Compression.ZipFile]::ExtractToDirectory($script:Zip, $dest)
        $r = Invoke-CleanPwsh "Import-Module '$(Join-Path $dest 'KsUpgrade')'; (Get-Command -Module KsUpgrade).Name -join ','; (Get-Help Connect-KsCluster).Synopsis"
        $r.ExitCode | Should -Be 0
        ($r.Output[-2] -split ',' | Sort-Object) | Should -Be ($script:Cmdlets | Sort-Object)
        $r.Output[-2] -split ',' | Should -Not -BeLike '*-KsSandbox'
        $r.Output[-1] | Should -BeLike 'Connects to a Kubernetes cluster*'
    }
}

Describe 'The NuGet package of KsUpgrade' {
    It 'is out/feed/KsUpgrade.<version>.nupkg' {
        Split-Path $script:Nupkg -Leaf | Should -Be "KsUpgrade.$script:Version.nupkg"
    }

    It 'is a zip with [Content_Types].xml, _rels/.rels, the .nuspec and the module files at its root, and no sandbox, .pdb or web.config' {
        $entries = Get-ZipEntries $script:Nupkg
        foreach ($e in '[Content_Types].xml', '_rels/.rels', 'KsUpgrade.nuspec') { $entries | Should -Contain $e }
        $files = $entries | Where-Object { $_ -notin '[Content_Types].xml', '_rels/.rels', 'KsUpgrade.nuspec' } | Sort-Object
        $files | Should -Be (Get-ModuleFiles $script:ModuleDir | Sort-Object)
        $entries -match $script:NotInProduct | Should -BeNullOrEmpty
    }

    It 'has a .nuspec with id, version, licence, project URL, release notes and the PSModule, PSIncludes_Cmdlet and PSCmdlet_ tags' {
        [xml] $nuspec = Get-ZipText $script:Nupkg 'KsUpgrade.nuspec'
        $m = $nuspec.package.metadata
        $m.id | Should -Be 'KsUpgrade'
        $m.version | Should -Be $script:Version
        $m.description | Should -Be $script:Manifest.Description
        $m.projectUrl | Should -Be $script:Manifest.PrivateData.PSData.ProjectUri
        $m.licenseUrl | Should -Be $script:Manifest.PrivateData.PSData.LicenseUri
        $m.license.type | Should -Be 'file'
        $m.license.'#text' | Should -Be 'LICENSE'
        $m.releaseNotes | Should -Be $script:Manifest.PrivateData.PSData.ReleaseNotes
        $tags = $m.tags -split ' '
        $tags | Should -Contain 'PSModule'
        $tags | Should -Contain 'PSIncludes_Cmdlet'
        foreach ($c in $script:Cmdlets) { $tags | Should -Contain "PSCmdlet_$c" }
        $tags | Should -Not -BeLike 'PSCmdlet_*-KsSandbox'
    }
}

Describe 'The packages of KsUpgrade.Sandbox' {
    It 'are KsUpgrade.Sandbox.zip and KsUpgrade.Sandbox.<version>.nupkg' {
        Split-Path $script:SandboxZip -Leaf | Should -Be 'KsUpgrade.Sandbox.zip'
        Split-Path $script:SandboxNupkg -Leaf | Should -Be "KsUpgrade.Sandbox.$script:SandboxVersion.nupkg"
    }

    It 'hold its manifest, cmdlets, the sandbox server, the rehearsal chart and values file and its help, and no .pdb or web.config' {
        $entries = Get-ZipEntries $script:SandboxZip
        $entries | Where-Object { $_ -notlike 'KsUpgrade.Sandbox/*' } | Should -BeNullOrEmpty
        foreach ($e in 'KsUpgrade.Sandbox.psd1', 'KsUpgrade.Sandbox.PowerShell.dll', 'KsUpgrade.Sandbox.Format.ps1xml', 'LICENSE',
            'server/KsUpgrade.Sandbox.dll', 'server/KsUpgrade.Sandbox.runtimeconfig.json',
            'rehearsal/ks-core/Chart.yaml', 'rehearsal/ks-core/values.yaml', 'rehearsal/ks-core-values.yaml',
            'en-US/KsUpgrade.Sandbox.PowerShell.dll-Help.xml', 'en-US/about_KsUpgrade_Sandbox.help.txt') {
            $entries | Should -Contain "KsUpgrade.Sandbox/$e"
        }
        ($entries -replace '^KsUpgrade\.Sandbox/' | Sort-Object) | Should -Be (Get-ModuleFiles $script:SandboxDir | Sort-Object)
        $entries -match '\.pdb$|(^|/)web\.config$' | Should -BeNullOrEmpty
        Get-ZipEntries $script:SandboxNupkg | Where-Object { $_ -match '\.pdb$|(^|/)web\.config$' } | Should -BeNullOrEmpty
    }

    It 'ship the fixture chart of the suite as the rehearsal chart, file for file' {
        $fixture = Join-Path $script:Root 'tests/fixtures/ks-core'
        $files = Get-ModuleFiles $fixture
        $entries = Get-ZipEntries $script:SandboxNupkg
        foreach ($f in $files) {
            $entries | Should -Contain "rehearsal/ks-core/$f"
            Get-ZipText $script:SandboxNupkg "rehearsal/ks-core/$f" | Should -BeExactly (Get-Content -Raw (Join-Path $fixture $f))
        }
        Get-ZipText $script:SandboxNupkg 'rehearsal/ks-core-values.yaml' | Should -BeExactly (Get-Content -Raw (Join-Path $script:Root 'tests/fixtures/ks-core-values.yaml'))
    }

    It 'has a .nuspec with its own id, licence and the project URL' {
        [xml] $nuspec = Get-ZipText $script:SandboxNupkg 'KsUpgrade.Sandbox.nuspec'
        $m = $nuspec.package.metadata
        $m.id | Should -Be 'KsUpgrade.Sandbox'
        $m.projectUrl | Should -Be $script:Manifest.PrivateData.PSData.ProjectUri
        $m.license.'#text' | Should -Be 'LICENSE'
        foreach ($c in 'Start-KsSandbox', 'Stop-KsSandbox', 'Get-KsSandbox') { $m.tags -split ' ' | Should -Contain "PSCmdlet_$c" }
    }
}

Describe 'Both packages installed with Save-PSResource' {
    It 'rehearse an upgrade from a folder with no repository file: Start-KsSandbox, Invoke-KsHostUpgrade -Chart $s.ChartPath -ValuesPath $s.ValuesPath, Get-KsSandbox, Stop-KsSandbox -All' {
        $env:KSUPGRADE_HELM3 | Should -Not -BeNullOrEmpty -Because 'build.ps1 test sets KSUPGRADE_HELM3'
        $repo = 'ksupgrade-test-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $saved = Join-Path $script:Temp 'saved'
        $work = Join-Path $script:Temp 'rehearsal'
        New-Item -ItemType Directory -Path $saved, $work | Out-Null
        $r = Invoke-CleanPwsh @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name '$repo' -Uri '$script:Feed' -Trusted
try {
    foreach (`$name in 'KsUpgrade', 'KsUpgrade.Sandbox') {
        `$found = Find-PSResource -Name `$name -Repository '$repo'
        "found `$(`$found.Name) `$(`$found.Version) `$(`$found.Type)"
        Save-PSResource -Name `$name -Repository '$repo' -Path '$saved' -TrustRepository
    }
}
finally { Unregister-PSResourceRepository -Name '$repo' }
"@
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output | Should -Contain "found KsUpgrade $script:Version Module"
        $r.Output | Should -Contain "found KsUpgrade.Sandbox $script:SandboxVersion Module"
        Join-Path $saved "KsUpgrade/$script:Version/KsUpgrade.psd1" | Should -Exist
        Join-Path $saved "KsUpgrade.Sandbox/$script:SandboxVersion/KsUpgrade.Sandbox.psd1" | Should -Exist

        # Only the installed modules and PowerShell's own on the module path; the current folder is empty; helm from
        # the tool cache. Both modules load by auto-loading.
        $u = Invoke-CleanPwsh @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = '$saved' + [IO.Path]::PathSeparator + (Join-Path `$PSHOME 'Modules')
`$env:KSUPGRADE_HELM = '$env:KSUPGRADE_HELM3'
Set-Location '$work'
`$s = Start-KsSandbox -Seed ks34-host
try {
    "modules: `$((Get-Module KsUpgrade, KsUpgrade.Sandbox | Sort-Object Name).ModuleBase -join '|')"
    "listed: `$(@(Get-KsSandbox).ProcessId -join ',') of `$(`$s.ProcessId)"
    `$hostCluster = `$s.Clusters | Where-Object Context -eq 'host'
    `$result = `$hostCluster | Invoke-KsHostUpgrade -Chart `$s.ChartPath -ValuesPath `$s.ValuesPath -JobTimeout 2m -Confirm:`$false -WarningAction SilentlyContinue -InformationAction SilentlyContinue
    "result: `$(`$result.FromVersion) -> `$(`$result.ToVersion)"
    "cluster: `$((Connect-KsCluster -Kubeconfig `$s.Kubeconfig -Context host).KubeSphereVersion)"
}
finally {
    Stop-KsSandbox -All -Confirm:`$false
}
"left: `$(@(Get-KsSandbox).Count)"
"running: `$([bool](Get-Process -Id `$s.ProcessId -ErrorAction SilentlyContinue))"
"@
        $u.ExitCode | Should -Be 0 -Because ($u.Output -join "`n")
        $u.Output | Should -Contain ("modules: " + (@((Join-Path $saved "KsUpgrade/$script:Version"), (Join-Path $saved "KsUpgrade.Sandbox/$script:SandboxVersion")) -join '|'))
        ($u.Output | Where-Object { $_ -like 'listed: *' }) | Should -Match '^listed: (\d+) of \1$'
        $u.Output | Should -Contain 'result: v3.4.1 -> v4.1.3'
        $u.Output | Should -Contain 'cluster: v4.1.3'
        $u.Output | Should -Contain 'left: 0'
        $u.Output | Should -Contain 'running: False'
        Get-ChildItem $work -Recurse -File -Filter 'Chart.yaml' | Should -BeNullOrEmpty -Because 'the chart came from the installed sandbox module'
    }
}
