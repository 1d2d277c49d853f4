#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Writes docs/en-US/<Cmdlet>.md skeletons for exported cmdlets that have no page yet.
.DESCRIPTION
    SYNTAX and the PARAMETERS yaml blocks come from Get-Command on the built module, so they already agree with the
    cmdlet; every text is a {{ placeholder }} that tests/Pester/Help.Tests.ps1 reports until someone writes it.
    Existing pages are never overwritten.
.EXAMPLE
    ./build.ps1 build; ./docs/tools/New-MarkdownHelpPage.ps1
.EXAMPLE
    ./docs/tools/New-MarkdownHelpPage.ps1 -Name Test-KsCluster -ModulePath ./out/KsUpgrade/KsUpgrade.psd1
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string[]] $Name,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/KsUpgrade/KsUpgrade.psd1'),
    [string] $DocsPath = (Join-Path $PSScriptRoot '../en-US')
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'MarkdownHelp.psm1') -Force
$module = Import-Module $ModulePath -PassThru -Force
$commands = Get-Command -Module $module.Name -CommandType Cmdlet | Where-Object { -not $Name -or $_.Name -in $Name }
foreach ($c in $commands) {
    $file = Join-Path $DocsPath "$($c.Name).md"
    if (Test-Path $file) { Write-Verbose "$file exists; left alone."; continue }
    if ($PSCmdlet.ShouldProcess($file, 'Create help page skeleton')) {
        [IO.File]::WriteAllText($file, (New-MarkdownHelpPage -Command $c), [Text.UTF8Encoding]::new($false))
        Get-Item $file
    }
}
