# Reads KsUpgrade's help markdown (the PlatyPS schema 2.0.0 layout) and checks it against a command's metadata.
# Used by Convert-MarkdownHelp.ps1 (markdown -> MAML and about_*.help.txt) and by tests/Pester/Help.Tests.ps1.

Set-StrictMode -Version 3.0

# The sections every command page must have, in order, each non-empty.
$script:CommandSections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
$script:YamlKeys = @('Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters')
$script:AllSetsName = '__AllParameterSets'

function Get-MarkdownHelpSectionNames { $script:CommandSections }

function Split-MarkdownBlocks {
    <# Splits markdown body lines into blocks: paragraphs (lines joined), list items, and fenced code. #>
    param([string[]] $Lines)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $para = [System.Collections.Generic.List[string]]::new()
    $code = $null
    $fenceInfo = ''
    $flush = {
        if ($para.Count -gt 0) {
            $blocks.Add([pscustomobject]@{ Kind = 'Paragraph'; Text = ($para -join ' ').Trim(); Language = '' })
            $para.Clear()
        }
    }
    foreach ($line in $Lines) {
        if ($null -ne $code) {
            if ($line -match '^\s*```\s*$') {
                $blocks.Add([pscustomobject]@{ Kind = 'Code'; Text = ($code -join "`n"); Language = $fenceInfo })
                $code = $null
            }
            else { $code.Add($line) }
            continue
        }
        if ($line -match '^\s*```\s*(\S*)\s*$') {
            & $flush
            $fenceInfo = $Matches[1]
            $code = [System.Collections.Generic.List[string]]::new()
            continue
        }
        if ($line -match '^\s*$') { & $flush; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+(.*)$') {
            & $flush
            $para.Add("$($Matches[1]) $($Matches[2])")
            continue
        }
        $para.Add($line.Trim())
    }
    if ($null -ne $code) { $blocks.Add([pscustomobject]@{ Kind = 'Code'; Text = ($code -join "`n"); Language = $fenceInfo }) }
    & $flush
    $blocks.ToArray()
}

function ConvertTo-PlainText {
    <# Inline markdown to plain text: links keep their text, emphasis and code marks are dropped. #>
    param([string] $Text)
    $t = $Text -replace '\[([^\]]+)\]\(([^)]*)\)', '$1'
    $t = $t -replace '\*\*([^*]+)\*\*', '$1' -replace '(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])', '$1'
    $t = $t -replace '`([^`]+)`', '$1'
    $t
}

function Read-MarkdownSections {
    <# Splits a markdown file into front matter, H1 title, and H2 sections each holding H3 subsections. Fences respected. #>
    param([string[]] $Lines)
    $front = [ordered]@{}
    $i = 0
    if ($Lines.Count -gt 0 -and $Lines[0] -match '^---\s*$') {
        $i = 1
        while ($i -lt $Lines.Count -and $Lines[$i] -notmatch '^---\s*$') {
            if ($Lines[$i] -match '^([^:]+):\s*(.*)$') { $front[$Matches[1].Trim()] = $Matches[2].Trim() }
            $i++
        }
        $i++
    }
    $title = $null
    $sections = [System.Collections.Generic.List[object]]::new()
    $section = $null
    $sub = $null
    $inFence = $false
    for (; $i -lt $Lines.Count; $i++) {
        $line = $Lines[$i]
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^(#{1,3})\s+(.*?)\s*$') {
            $level = $Matches[1].Length
            $text = $Matches[2]
            if ($level -eq 1) { $title = $text; continue }
            if ($level -eq 2) {
                $section = [pscustomobject]@{ Name = $text; Lines = [System.Collections.Generic.List[string]]::new(); Subsections = [System.Collections.Generic.List[object]]::new() }
                $sections.Add($section)
                $sub = $null
                continue
            }
            if ($level -eq 3 -and $null -ne $section) {
                $sub = [pscustomobject]@{ Name = $text; Lines = [System.Collections.Generic.List[string]]::new() }
                $section.Subsections.Add($sub)
                continue
            }
        }
        if ($null -ne $sub) { $sub.Lines.Add($line) }
        elseif ($null -ne $section) { $section.Lines.Add($line) }
    }
    [pscustomobject]@{ FrontMatter = $front; Title = $title; Sections = $sections.ToArray() }
}

function Get-BlockText {
    param([object[]] $Blocks)
    (@($Blocks | Where-Object Kind -ne 'Code' | ForEach-Object { ConvertTo-PlainText $_.Text }) -join "`n`n").Trim()
}

function Read-ParameterYaml {
    param([string] $Text)
    $map = [ordered]@{}
    foreach ($line in $Text -split "`n") {
        if ($line -match '^([^:]+):\s*(.*?)\s*$') { $map[$Matches[1].Trim()] = $Matches[2] }
    }
    $pipeline = if ($map.Contains('Accept pipeline input')) { $map['Accept pipeline input'] } else { '' }
    $sets = @(if ($map.Contains('Parameter Sets')) { $map['Parameter Sets'] -split ',' | ForEach-Object Trim | Where-Object { $_ } })
    $aliases = @(if ($map.Contains('Aliases')) { $map['Aliases'] -split ',' | ForEach-Object Trim | Where-Object { $_ } })
    [pscustomobject]@{
        Keys                   = @($map.Keys)
        Type                   = if ($map.Contains('Type')) { $map['Type'] } else { '' }
        ParameterSets          = $sets
        Aliases                = $aliases
        Required               = ($map.Contains('Required') -and $map['Required'] -eq 'True')
        Position               = if ($map.Contains('Position')) { $map['Position'] } else { '' }
        DefaultValue           = if ($map.Contains('Default value')) { $map['Default value'] } else { '' }
        PipelineInput          = $pipeline
        ByValue                = $pipeline -match '^True\b.*\bByValue\b'
        ByPropertyName         = $pipeline -match '^True\b.*\bByPropertyName\b'
        Globbing               = ($map.Contains('Accept wildcard characters') -and $map['Accept wildcard characters'] -eq 'True')
    }
}

function Read-MarkdownHelp {
    <#
    .SYNOPSIS
        Parses one help markdown file (a command page or an about_ topic) into an object.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)] [Alias('FullName')] [string] $Path)
    process {
        $lines = [IO.File]::ReadAllLines($Path)
        $doc = Read-MarkdownSections $lines
        $byName = [ordered]@{}
        foreach ($s in $doc.Sections) { $byName[$s.Name.ToUpperInvariant()] = $s }
        $isAbout = ([IO.Path]::GetFileNameWithoutExtension($Path) -like 'about_*')
        $result = [ordered]@{
            Path        = $Path
            Kind        = if ($isAbout) { 'About' } else { 'Command' }
            Name        = $doc.Title
            FrontMatter = $doc.FrontMatter
            Sections    = $doc.Sections
        }
        if ($isAbout) { return [pscustomobject]$result }

        $text = {
            param($name)
            if (-not $byName.Contains($name)) { return '' }
            Get-BlockText @(Split-MarkdownBlocks $byName[$name].Lines)
        }
        $result.Synopsis = & $text 'SYNOPSIS'
        $result.DescriptionBlocks = @(if ($byName.Contains('DESCRIPTION')) { Split-MarkdownBlocks $byName['DESCRIPTION'].Lines })
        $result.Description = & $text 'DESCRIPTION'
        $result.Notes = & $text 'NOTES'
        $result.NotesBlocks = @(if ($byName.Contains('NOTES')) { Split-MarkdownBlocks $byName['NOTES'].Lines })

        $result.Syntax = @(if ($byName.Contains('SYNTAX')) {
                foreach ($sub in $byName['SYNTAX'].Subsections) {
                    $isDefault = $sub.Name -match '\s+\(Default\)$'
                    $code = @(Split-MarkdownBlocks $sub.Lines | Where-Object Kind -eq 'Code')
                    [pscustomobject]@{
                        SetName   = ($sub.Name -replace '\s+\(Default\)$', '').Trim()
                        IsDefault = [bool] $isDefault
                        Text      = if ($code.Count -gt 0) { ($code[0].Text -replace '\s+', ' ').Trim() } else { '' }
                    }
                }
            })

        $result.Examples = @(if ($byName.Contains('EXAMPLES')) {
                foreach ($sub in $byName['EXAMPLES'].Subsections) {
                    $blocks = @(Split-MarkdownBlocks $sub.Lines)
                    [pscustomobject]@{
                        Title   = $sub.Name
                        Code    = (@($blocks | Where-Object Kind -eq 'Code' | ForEach-Object Text) -join "`n`n")
                        Remarks = @($blocks | Where-Object Kind -ne 'Code' | ForEach-Object { ConvertTo-PlainText $_.Text })
                    }
                }
            })

        $params = [System.Collections.Generic.List[object]]::new()
        $common = $false
        if ($byName.Contains('PARAMETERS')) {
            foreach ($sub in $byName['PARAMETERS'].Subsections) {
                if ($sub.Name -eq 'CommonParameters') { $common = $true; continue }
                $blocks = @(Split-MarkdownBlocks $sub.Lines)
                $entry = [pscustomobject]@{
                    Name        = $sub.Name.TrimStart('-')
                    Description = Get-BlockText $blocks
                    Blocks      = @($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' } | ForEach-Object { Read-ParameterYaml $_.Text })
                }
                $params.Add($entry)
            }
        }
        $result.Parameters = $params.ToArray()
        $result.CommonParameters = $common

        foreach ($pair in @(@('INPUTS', 'Inputs'), @('OUTPUTS', 'Outputs'))) {
            $result[$pair[1]] = @(if ($byName.Contains($pair[0])) {
                    foreach ($sub in $byName[$pair[0]].Subsections) {
                        [pscustomobject]@{ Type = $sub.Name; Description = Get-BlockText @(Split-MarkdownBlocks $sub.Lines) }
                    }
                })
        }

        $result.RelatedLinks = @(if ($byName.Contains('RELATED LINKS')) {
                foreach ($m in [regex]::Matches(($byName['RELATED LINKS'].Lines -join "`n"), '\[([^\]]+)\]\(([^)]*)\)')) {
                    $uri = $m.Groups[2].Value
                    [pscustomobject]@{ Text = $m.Groups[1].Value; Uri = if ($uri -match '^https?://') { $uri } else { '' } }
                }
            })
        [pscustomobject]$result
    }
}

# --- checking a page against the command -------------------------------------------------------------------

$script:CommonParameterNames = @(
    [System.Management.Automation.PSCmdlet]::CommonParameters
    [System.Management.Automation.PSCmdlet]::OptionalCommonParameters | Where-Object { $_ -notin 'WhatIf', 'Confirm' }
)

function Get-DocumentedParameters {
    <# The parameters a help page must document: all but the common ones (WhatIf and Confirm are documented). #>
    param([System.Management.Automation.CommandInfo] $Command)
    @($Command.Parameters.Values | Where-Object { $_.Name -notin $script:CommonParameterNames })
}

function Get-ParameterSetView {
    <# setName -> @{ Required; Position; ByValue; ByPropertyName } for one parameter of a command. #>
    param([System.Management.Automation.CommandInfo] $Command, [System.Management.Automation.ParameterMetadata] $Parameter)
    $view = [ordered]@{}
    $setNames = @($Command.ParameterSets.Name)
    foreach ($setName in $setNames) {
        $meta = $null
        if ($Parameter.ParameterSets.ContainsKey($setName)) { $meta = $Parameter.ParameterSets[$setName] }
        elseif ($Parameter.ParameterSets.ContainsKey($script:AllSetsName)) { $meta = $Parameter.ParameterSets[$script:AllSetsName] }
        if ($null -eq $meta) { continue }
        $view[$setName] = [pscustomobject]@{
            Required       = $meta.IsMandatory
            Position       = if ($meta.Position -lt 0) { 'Named' } else { "$($meta.Position)" }
            ByValue        = $meta.ValueFromPipeline
            ByPropertyName = $meta.ValueFromPipelineByPropertyName
        }
    }
    $view
}

function Get-HelpTypeName {
    <# The type name a help page shows: Nullable<T> as T. #>
    param([type] $Type)
    $inner = [Nullable]::GetUnderlyingType($Type)
    if ($inner) { $inner.Name } else { $Type.Name }
}

function Test-TypeName {
    param([string] $Documented, [type] $Actual)
    $inner = [Nullable]::GetUnderlyingType($Actual)
    if ($inner) { $Actual = $inner }
    $names = @($Actual.Name, $Actual.FullName)
    if ($Actual -eq [System.Management.Automation.SwitchParameter]) { $names += 'Switch' }
    $Documented -in $names
}

function Compare-MarkdownHelp {
    <#
    .SYNOPSIS
        Lists every disagreement between a command and its help page (an empty result means they agree).
    .DESCRIPTION
        Checks the front matter; that every section is present and non-empty; that there is at least one example
        with code; that SYNTAX has one block per parameter set, matching Get-Command -Syntax and the default set;
        and that the documented parameters and the command's parameters agree in both directions: names, types,
        aliases, parameter sets, Required, Position and pipeline input by value / by property name.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command,
        [AllowNull()] $Help
    )
    $problems = [System.Collections.Generic.List[string]]::new()
    $name = $Command.Name
    if ($null -eq $Help) { $problems.Add("${name}: no help markdown"); return , $problems.ToArray() }

    foreach ($key in 'external help file', 'Module Name', 'online version', 'schema') {
        if (-not $Help.FrontMatter.Contains($key)) { $problems.Add("${name}: front matter lacks '$key'") }
    }
    if ($Help.FrontMatter.Contains('schema') -and $Help.FrontMatter['schema'] -ne '2.0.0') { $problems.Add("${name}: schema is not 2.0.0") }
    if ($Help.Name -ne $name) { $problems.Add("${name}: the page's title is '$($Help.Name)'") }
    $placeholders = @([IO.File]::ReadAllLines($Help.Path) | Where-Object { $_ -match '\{\{.*\}\}' })
    foreach ($p in $placeholders) { $problems.Add("${name}: placeholder left to fill: $($p.Trim())") }

    $present = @($Help.Sections | ForEach-Object { $_.Name.ToUpperInvariant() })
    foreach ($section in $script:CommandSections) {
        $s = @($Help.Sections | Where-Object { $_.Name -eq $section })
        if ($s.Count -eq 0) { $problems.Add("${name}: section $section is missing"); continue }
        $content = (@($s[0].Lines) + @($s[0].Subsections | ForEach-Object { $_.Name; $_.Lines })) -join "`n"
        if ($content -notmatch '\S') { $problems.Add("${name}: section $section is empty") }
    }
    foreach ($extra in $present | Where-Object { $_ -notin $script:CommandSections }) { $problems.Add("${name}: unknown section $extra") }
    if ([string]::IsNullOrWhiteSpace($Help.Synopsis)) { $problems.Add("${name}: the synopsis is empty") }
    if ([string]::IsNullOrWhiteSpace($Help.Description)) { $problems.Add("${name}: the description is empty") }
    if ([string]::IsNullOrWhiteSpace($Help.Notes)) { $problems.Add("${name}: the notes are empty") }

    if ($Help.Examples.Count -eq 0) { $problems.Add("${name}: no example") }
    foreach ($e in $Help.Examples) {
        if ([string]::IsNullOrWhiteSpace($e.Code)) { $problems.Add("${name}: example '$($e.Title)' has no code") }
        elseif ($e.Code -notmatch [regex]::Escape($name)) { $problems.Add("${name}: example '$($e.Title)' does not use $name") }
    }
    foreach ($io in @($Help.Inputs) + @($Help.Outputs)) {
        if ([string]::IsNullOrWhiteSpace($io.Description)) { $problems.Add("${name}: INPUTS/OUTPUTS entry '$($io.Type)' has no description") }
    }
    if ($Help.Inputs.Count -eq 0) { $problems.Add("${name}: INPUTS lists no type (write '### None' when there is none)") }
    if ($Help.Outputs.Count -eq 0) { $problems.Add("${name}: OUTPUTS lists no type (write '### None' when there is none)") }
    # OUTPUTS agree with [OutputType] (System.Void or none documented as 'None'); INPUTS list every by-value pipeline type.
    $declared = @($Command.OutputType | ForEach-Object { if ($_.Name -eq 'System.Void') { 'None' } else { $_.Name } } | Sort-Object -Unique)
    if ($declared.Count -eq 0) { $problems.Add("${name}: the cmdlet declares no [OutputType]") }
    $documentedOutputs = @($Help.Outputs | ForEach-Object Type | Sort-Object -Unique)
    foreach ($t in $declared | Where-Object { $_ -notin $documentedOutputs }) { $problems.Add("${name}: OUTPUTS lacks $t, which [OutputType] declares") }
    foreach ($t in $documentedOutputs | Where-Object { $_ -notin $declared }) { $problems.Add("${name}: OUTPUTS lists $t, which [OutputType] does not declare") }
    $byValue = @($Command.Parameters.Values | Where-Object { $_.Name -notin $script:CommonParameterNames } | Where-Object {
            @($_.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0 } | ForEach-Object { $_.ParameterType.FullName } | Sort-Object -Unique)
    $documentedInputs = @($Help.Inputs | ForEach-Object Type)
    foreach ($t in $byValue | Where-Object { $_ -notin $documentedInputs }) { $problems.Add("${name}: INPUTS lacks $t, which a parameter takes from the pipeline by value") }
    if ($byValue.Count -eq 0 -and @($Command.Parameters.Values | Where-Object { @($_.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count -gt 0 }).Count -eq 0 -and $documentedInputs -notcontains 'None') {
        $problems.Add("${name}: INPUTS should say None: no parameter takes pipeline input")
    }
    if (-not $Help.CommonParameters -and $Command.CmdletBinding) { $problems.Add("${name}: PARAMETERS lacks the CommonParameters entry") }

    # SYNTAX: one block per parameter set, same text as Get-Command -Syntax, same default set.
    $sets = @($Command.ParameterSets)
    $documentedSets = @($Help.Syntax | ForEach-Object SetName)
    foreach ($set in $sets) {
        $doc = @($Help.Syntax | Where-Object SetName -eq $set.Name)
        if ($doc.Count -eq 0) { $problems.Add("${name}: SYNTAX lacks parameter set $($set.Name)"); continue }
        $expected = ("$name $set" -replace '\s+', ' ').Trim()
        if ($doc[0].Text -ne $expected) { $problems.Add("${name}: SYNTAX of set $($set.Name) is '$($doc[0].Text)', Get-Command says '$expected'") }
        if ($sets.Count -gt 1 -and $doc[0].IsDefault -ne $set.IsDefault) { $problems.Add("${name}: SYNTAX marks the default set wrongly at $($set.Name)") }
    }
    foreach ($extra in $documentedSets | Where-Object { $_ -notin $sets.Name }) { $problems.Add("${name}: SYNTAX documents parameter set $extra, which the command does not have") }

    # PARAMETERS, both directions.
    $actual = Get-DocumentedParameters $Command
    foreach ($p in $Help.Parameters) {
        if ($p.Name -notin $actual.Name) { $problems.Add("${name}: -$($p.Name) is documented but the command has no such parameter") }
    }
    foreach ($param in $actual) {
        $pn = $param.Name
        $doc = @($Help.Parameters | Where-Object Name -eq $pn)
        if ($doc.Count -eq 0) { $problems.Add("${name}: -$pn is not documented"); continue }
        $doc = $doc[0]
        if ([string]::IsNullOrWhiteSpace($doc.Description)) { $problems.Add("${name}: -$pn has no description") }
        if ($doc.Blocks.Count -eq 0) { $problems.Add("${name}: -$pn has no yaml block"); continue }
        foreach ($b in $doc.Blocks) {
            foreach ($key in $script:YamlKeys) { if ($key -notin $b.Keys) { $problems.Add("${name}: -$pn's yaml lacks '$key'") } }
            if (-not (Test-TypeName $b.Type $param.ParameterType)) { $problems.Add("${name}: -$pn's Type is '$($b.Type)', the command says '$(Get-HelpTypeName $param.ParameterType)'") }
            $wildcards = @($param.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
            if ($b.Globbing -ne $wildcards) { $problems.Add("${name}: -$pn's Accept wildcard characters is $($b.Globbing), the command says $wildcards") }
            $aliases = @($param.Aliases | Sort-Object)
            if ((@($b.Aliases | Sort-Object) -join ',') -ne ($aliases -join ',')) { $problems.Add("${name}: -$pn's Aliases are '$($b.Aliases -join ',')', the command says '$($aliases -join ',')'") }
        }
        $view = Get-ParameterSetView $Command $param
        # Expand the markdown blocks to set -> block; '(All)' means every set the parameter is in.
        $docView = [ordered]@{}
        foreach ($b in $doc.Blocks) {
            $targets = if ($b.ParameterSets -contains '(All)') {
                if (@($view.Keys).Count -ne $sets.Count) { $problems.Add("${name}: -$pn says Parameter Sets: (All), but it is only in $(@($view.Keys) -join ', ')") }
                @($view.Keys)
            }
            else { $b.ParameterSets }
            foreach ($t in $targets) {
                if ($docView.Contains($t)) { $problems.Add("${name}: -$pn documents parameter set $t twice") }
                $docView[$t] = $b
            }
        }
        foreach ($setName in $docView.Keys) {
            if (-not $view.Contains($setName)) { $problems.Add("${name}: -$pn is documented in parameter set $setName, but the command does not put it there") }
        }
        foreach ($setName in $view.Keys) {
            if (-not $docView.Contains($setName)) {
                if ($setName -ne $script:AllSetsName -or $sets.Count -gt 1) { $problems.Add("${name}: -$pn is in parameter set $setName, which its help does not list") }
                elseif (-not $docView.Contains('(All)')) { $problems.Add("${name}: -$pn lacks Parameter Sets: (All)") }
                continue
            }
            $a = $view[$setName]; $d = $docView[$setName]
            if ($a.Required -ne $d.Required) { $problems.Add("${name}: -$pn in set ${setName}: Required is $($d.Required) in help, $($a.Required) in the command") }
            if ($a.Position -ne $d.Position) { $problems.Add("${name}: -$pn in set ${setName}: Position is '$($d.Position)' in help, '$($a.Position)' in the command") }
            if ($a.ByValue -ne $d.ByValue) { $problems.Add("${name}: -$pn in set ${setName}: pipeline input by value is $($d.ByValue) in help, $($a.ByValue) in the command") }
            if ($a.ByPropertyName -ne $d.ByPropertyName) { $problems.Add("${name}: -$pn in set ${setName}: pipeline input by property name is $($d.ByPropertyName) in help, $($a.ByPropertyName) in the command") }
        }
    }
    , $problems.ToArray()
}

function Test-MarkdownHelp {
    <#
    .SYNOPSIS
        The problems of one command's help page in a docs folder: a missing page, or every disagreement Compare-MarkdownHelp finds.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command,
        [Parameter(Mandatory)] [string] $DocsPath
    )
    $file = Join-Path $DocsPath "$($Command.Name).md"
    $help = if (Test-Path -LiteralPath $file) { Read-MarkdownHelp -Path $file } else { $null }
    Compare-MarkdownHelp -Command $Command -Help $help
}

function New-MarkdownHelpPage {
    <#
    .SYNOPSIS
        A new help page for a command, in the PlatyPS schema: SYNTAX and the PARAMETERS yaml blocks taken from
        Get-Command, every text a {{ placeholder }} that Compare-MarkdownHelp reports until it is written.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    $name = $Command.Name
    $moduleName = if ($Command.ModuleName) { $Command.ModuleName } else { 'KsUpgrade' }
    $sb = [System.Text.StringBuilder]::new()
    $line = { param($t) [void] $sb.Append($t).Append("`n") }
    & $line '---'
    # PowerShell finds a binary cmdlet's help in <its assembly's file name>-Help.xml (KsUpgrade.Sandbox's cmdlets live in
    # KsUpgrade.Sandbox.PowerShell.dll).
    $helpFile = if ($Command -is [System.Management.Automation.CmdletInfo] -and $Command.DLL) { [IO.Path]::GetFileName($Command.DLL) + '-Help.xml' } else { "$moduleName.dll-Help.xml" }
    & $line "external help file: $helpFile"
    & $line "Module Name: $moduleName"
    & $line 'online version:'
    & $line 'schema: 2.0.0'
    & $line '---'
    & $line ''
    & $line "# $name"
    & $line ''
    & $line '## SYNOPSIS'
    & $line '{{ One sentence: what the cmdlet does. }}'
    & $line ''
    & $line '## SYNTAX'
    foreach ($set in $Command.ParameterSets) {
        & $line ''
        & $line ("### $($set.Name)" + $(if ($set.IsDefault -and @($Command.ParameterSets).Count -gt 1) { ' (Default)' } else { '' }))
        & $line '```'
        & $line ("$name $set" -replace '\s+', ' ').Trim()
        & $line '```'
    }
    & $line ''
    & $line '## DESCRIPTION'
    & $line '{{ What it does, step by step; what it changes; its ErrorIds. }}'
    & $line ''
    & $line '## EXAMPLES'
    & $line ''
    & $line '### Example 1: {{ title }}'
    & $line '```powershell'
    & $line "$name {{ a real pipeline }}"
    & $line '```'
    & $line ''
    & $line '{{ What the example does. }}'
    & $line ''
    & $line '## PARAMETERS'
    foreach ($param in Get-DocumentedParameters $Command | Sort-Object Name) {
        $view = Get-ParameterSetView $Command $param
        # One yaml block per distinct (Required, Position, pipeline) combination, naming its sets.
        $groups = @($view.Keys | Group-Object { $v = $view[$_]; "$($v.Required)|$($v.Position)|$($v.ByValue)|$($v.ByPropertyName)" })
        & $line ''
        & $line "### -$($param.Name)"
        & $line "{{ What -$($param.Name) means. }}"
        foreach ($g in $groups) {
            $v = $view[$g.Group[0]]
            $sets = if ($g.Count -eq @($Command.ParameterSets).Count) { '(All)' } else { $g.Group -join ', ' }
            $pipeline = if ($v.ByValue -and $v.ByPropertyName) { 'True (ByPropertyName, ByValue)' }
            elseif ($v.ByValue) { 'True (ByValue)' } elseif ($v.ByPropertyName) { 'True (ByPropertyName)' } else { 'False' }
            & $line ''
            & $line '```yaml'
            & $line "Type: $(Get-HelpTypeName $param.ParameterType)"
            & $line "Parameter Sets: $sets"
            & $line "Aliases: $(@($param.Aliases) -join ', ')"
            & $line ''
            & $line "Required: $($v.Required)"
            & $line "Position: $($v.Position)"
            & $line 'Default value: None'
            & $line "Accept pipeline input: $pipeline"
            & $line "Accept wildcard characters: $(@($param.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0)"
            & $line '```'
        }
    }
    & $line ''
    & $line '### CommonParameters'
    & $line 'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see about_CommonParameters.'
    & $line ''
    & $line '## INPUTS'
    $inputs = @($Command.Parameters.Values | Where-Object { $_.Name -notin $script:CommonParameterNames -and @($_.ParameterSets.Values | Where-Object ValueFromPipeline).Count } | ForEach-Object { $_.ParameterType.FullName } | Sort-Object -Unique)
    if ($inputs.Count -eq 0) { $inputs = @('None') }
    foreach ($t in $inputs) { & $line ''; & $line "### $t"; & $line '{{ What is taken from the pipeline. }}' }
    & $line ''
    & $line '## OUTPUTS'
    $outputs = @($Command.OutputType | ForEach-Object { if ($_.Name -eq 'System.Void') { 'None' } else { $_.Name } } | Sort-Object -Unique)
    if ($outputs.Count -eq 0) { $outputs = @('None') }
    foreach ($t in $outputs) { & $line ''; & $line "### $t"; & $line '{{ What is returned. }}' }
    & $line ''
    & $line '## NOTES'
    & $line '{{ Where it runs (Azure Automation, Hybrid Worker), what it needs (helm), caveats. }}'
    & $line ''
    & $line '## RELATED LINKS'
    & $line ''
    & $line '[about_KsUpgrade](about_KsUpgrade.md)'
    $sb.ToString()
}

Export-ModuleMember -Function New-MarkdownHelpPage, Read-MarkdownHelp, Compare-MarkdownHelp, Test-MarkdownHelp, Split-MarkdownBlocks, ConvertTo-PlainText, Get-MarkdownHelpSectionNames
