#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Converts KsUpgrade's help markdown (PlatyPS schema 2.0.0) to MAML external help and about_*.help.txt files.
.DESCRIPTION
    Our own converter, used by `build.ps1 docs` / `build.ps1 build` when the PlatyPS module is not installed.
    Every command page (a .md file whose front matter names an "external help file") goes into that MAML file,
    e.g. KsUpgrade.dll-Help.xml; every about_*.md becomes about_*.help.txt. Writes into -OutputPath and returns
    the files it wrote.
.EXAMPLE
    ./docs/tools/Convert-MarkdownHelp.ps1 -Path ./docs/en-US -OutputPath ./out/KsUpgrade/en-US
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'MarkdownHelp.psm1') -Force

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}

function Write-Paras {
    <# One maml:para per paragraph or list item; code blocks keep their line breaks. #>
    param([System.Xml.XmlWriter] $W, [object[]] $Blocks)
    foreach ($b in $Blocks) {
        $text = if ($b.Kind -eq 'Code') { $b.Text } else { ConvertTo-PlainText $b.Text }
        $W.WriteElementString('maml', 'para', $ns.maml, $text)
    }
}

function Write-Description {
    param([System.Xml.XmlWriter] $W, [string] $Prefix, [string] $Uri, [object[]] $Blocks)
    $W.WriteStartElement($Prefix, 'description', $Uri)
    Write-Paras $W $Blocks
    $W.WriteEndElement()
}

function Get-TextBlocks { param([string] $Text) @(Split-MarkdownBlocks @($Text -split "`n")) }

function Write-Parameter {
    param([System.Xml.XmlWriter] $W, $Parameter, $Block)
    $position = if ($Block.Position -match '^\d+$') { $Block.Position } else { 'named' }
    $pipeline = if ($Block.ByValue -and $Block.ByPropertyName) { 'True (ByPropertyName, ByValue)' }
    elseif ($Block.ByValue) { 'True (ByValue)' } elseif ($Block.ByPropertyName) { 'True (ByPropertyName)' } else { 'False' }
    $isSwitch = $Block.Type -in 'SwitchParameter', 'Switch'
    $W.WriteStartElement('command', 'parameter', $ns.command)
    $W.WriteAttributeString('required', $Block.Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', ($Block.Type -like '*`[`]').ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', $Block.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $pipeline)
    $W.WriteAttributeString('position', $position)
    $W.WriteAttributeString('aliases', $(if ($Block.Aliases.Count) { $Block.Aliases -join ', ' } else { 'none' }))
    $W.WriteElementString('maml', 'name', $ns.maml, $Parameter.Name)
    Write-Description $W 'maml' $ns.maml (Get-TextBlocks $Parameter.Description)
    if (-not $isSwitch) {
        $W.WriteStartElement('command', 'parameterValue', $ns.command)
        $W.WriteAttributeString('required', 'true')
        $W.WriteAttributeString('variableLength', 'false')
        $W.WriteString($Block.Type)
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $ns.dev)
    $W.WriteElementString('maml', 'name', $ns.maml, $Block.Type)
    $W.WriteElementString('maml', 'uri', $ns.maml, '')
    $W.WriteEndElement()
    $W.WriteElementString('dev', 'defaultValue', $ns.dev, $(if ($Block.DefaultValue) { $Block.DefaultValue } else { 'None' }))
    $W.WriteEndElement()
}

function Get-BlockForSet {
    param($Parameter, [string] $SetName)
    foreach ($b in $Parameter.Blocks) {
        if ($b.ParameterSets -contains '(All)' -or $b.ParameterSets -contains $SetName) { return $b }
    }
    $null
}

function Write-Command {
    param([System.Xml.XmlWriter] $W, $Help)
    $verb, $noun = $Help.Name -split '-', 2
    $W.WriteStartElement('command', 'command', $ns.command)
    foreach ($p in 'maml', 'dev', 'MSHelp') { $W.WriteAttributeString('xmlns', $p, $null, $ns[$p]) }

    $W.WriteStartElement('command', 'details', $ns.command)
    $W.WriteElementString('command', 'name', $ns.command, $Help.Name)
    $W.WriteElementString('command', 'verb', $ns.command, $verb)
    $W.WriteElementString('command', 'noun', $ns.command, $noun)
    Write-Description $W 'maml' $ns.maml (Get-TextBlocks $Help.Synopsis)
    $W.WriteEndElement()

    Write-Description $W 'maml' $ns.maml $Help.DescriptionBlocks

    # Syntax: one item per parameter set, the parameters in the order the SYNTAX line names them.
    $W.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $Help.Syntax) {
        $W.WriteStartElement('command', 'syntaxItem', $ns.command)
        $W.WriteElementString('maml', 'name', $ns.maml, $Help.Name)
        $order = @([regex]::Matches($set.Text, '-(\w+)') | ForEach-Object { $_.Groups[1].Value })
        $inSet = @($Help.Parameters | Where-Object { $null -ne (Get-BlockForSet $_ $set.SetName) } |
                Sort-Object { $i = [array]::IndexOf($order, $_.Name); if ($i -lt 0) { [int]::MaxValue } else { $i } })
        foreach ($p in $inSet) { Write-Parameter $W $p (Get-BlockForSet $p $set.SetName) }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in $Help.Parameters) { if ($p.Blocks.Count) { Write-Parameter $W $p $p.Blocks[0] } }
    $W.WriteEndElement()

    foreach ($kind in @(@('inputTypes', 'inputType', 'Inputs'), @('returnValues', 'returnValue', 'Outputs'))) {
        $W.WriteStartElement('command', $kind[0], $ns.command)
        foreach ($io in $Help.($kind[2])) {
            $W.WriteStartElement('command', $kind[1], $ns.command)
            $W.WriteStartElement('dev', 'type', $ns.dev)
            $W.WriteElementString('maml', 'name', $ns.maml, $io.Type)
            $W.WriteEndElement()
            Write-Description $W 'maml' $ns.maml (Get-TextBlocks $io.Description)
            $W.WriteEndElement()
        }
        $W.WriteEndElement()
    }

    $W.WriteStartElement('maml', 'alertSet', $ns.maml)
    $W.WriteStartElement('maml', 'alert', $ns.maml)
    Write-Paras $W $Help.NotesBlocks
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $ns.command)
    foreach ($e in $Help.Examples) {
        $W.WriteStartElement('command', 'example', $ns.command)
        $W.WriteElementString('maml', 'title', $ns.maml, "--------- $($e.Title) ---------")
        $W.WriteElementString('dev', 'code', $ns.dev, $e.Code)
        $W.WriteStartElement('dev', 'remarks', $ns.dev)
        foreach ($r in $e.Remarks) { $W.WriteElementString('maml', 'para', $ns.maml, $r) }
        if ($e.Remarks.Count -eq 0) { $W.WriteElementString('maml', 'para', $ns.maml, '') }
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'relatedLinks', $ns.command)
    $online = if ($Help.FrontMatter.Contains('online version')) { $Help.FrontMatter['online version'] } else { '' }
    if ($online) {
        $W.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $W.WriteElementString('maml', 'linkText', $ns.maml, 'Online Version:')
        $W.WriteElementString('maml', 'uri', $ns.maml, $online)
        $W.WriteEndElement()
    }
    foreach ($l in $Help.RelatedLinks) {
        $W.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $W.WriteElementString('maml', 'linkText', $ns.maml, $l.Text)
        $W.WriteElementString('maml', 'uri', $ns.maml, $l.Uri)
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

function Format-Wrapped {
    <# Wraps text at $Width columns, the first line after $First, the others after $Rest. #>
    param([string] $Text, [string] $First, [string] $Rest, [int] $Width = 80)
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = $First
    $empty = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $empty -and ($line.Length + 1 + $word.Length) -gt $Width) {
            $lines.Add($line)
            $line = $Rest + $word
        }
        else { $line = if ($empty) { $line + $word } else { "$line $word" } }
        $empty = $false
    }
    $lines.Add($line)
    $lines
}

function ConvertTo-AboutText {
    <# An about_ page as help text: TOPIC, upper-case section titles, text indented and wrapped, code kept. #>
    param($Help)
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC')
    $out.Add("    $($Help.Name)")
    $out.Add('')
    $emit = {
        param([string[]] $Lines)
        foreach ($b in @(Split-MarkdownBlocks $Lines)) {
            if ($b.Kind -eq 'Code') { foreach ($l in $b.Text -split "`n") { $out.Add(("        $l").TrimEnd()) } }
            elseif ($b.Text -match '^([-*]|\d+\.) (.*)$') {
                $bullet = if ($Matches[1] -match '\d') { $Matches[1] } else { '-' }
                foreach ($l in Format-Wrapped (ConvertTo-PlainText $Matches[2]) "    $bullet " ('    ' + (' ' * ($bullet.Length + 1)))) { $out.Add($l) }
            }
            else { foreach ($l in Format-Wrapped (ConvertTo-PlainText $b.Text) '    ' '    ') { $out.Add($l) } }
            $out.Add('')
        }
    }
    foreach ($s in $Help.Sections) {
        $out.Add($s.Name.ToUpperInvariant())
        & $emit $s.Lines
        foreach ($sub in $s.Subsections) {
            $out.Add("  $($sub.Name)")
            & $emit $sub.Lines
        }
    }
    ($out -join [Environment]::NewLine).TrimEnd() + [Environment]::NewLine
}

# --- main --------------------------------------------------------------------------------------------------

New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
$pages = @(Get-ChildItem -Path $Path -Filter '*.md' -File | Sort-Object Name | Read-MarkdownHelp)
$written = [System.Collections.Generic.List[string]]::new()

foreach ($about in $pages | Where-Object Kind -eq 'About') {
    $file = Join-Path $OutputPath "$($about.Name).help.txt"
    [IO.File]::WriteAllText($file, (ConvertTo-AboutText $about), [Text.UTF8Encoding]::new($false))
    $written.Add($file)
}

$commands = @($pages | Where-Object { $_.Kind -eq 'Command' -and $_.FrontMatter.Contains('external help file') })
foreach ($group in $commands | Group-Object { $_.FrontMatter['external help file'] }) {
    $file = Join-Path $OutputPath $group.Name
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) }
    $w = [System.Xml.XmlWriter]::Create($file, $settings)
    try {
        $w.WriteStartDocument()
        $w.WriteStartElement('helpItems', 'http://msh')
        $w.WriteAttributeString('schema', 'maml')
        foreach ($help in $group.Group | Sort-Object Name) { Write-Command $w $help }
        $w.WriteEndElement()
        $w.WriteEndDocument()
    }
    finally { $w.Dispose() }
    $written.Add($file)
}

foreach ($f in $written) { Get-Item $f }
