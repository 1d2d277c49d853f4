# Help: every exported cmdlet of both modules has a PlatyPS-schema markdown page that agrees with the cmdlet, and
# Get-Help shows it. KsUpgrade's pages are docs/en-US, KsUpgrade.Sandbox's docs/sandbox/en-US.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $cmdlets = @(
        (Import-PowerShellDataFile (Get-KsModulePath)).CmdletsToExport | ForEach-Object { @{ Name = $_; Module = 'KsUpgrade'; DocsFolder = 'docs/en-US' } }
        (Import-PowerShellDataFile (Get-KsSandboxModulePath)).CmdletsToExport | ForEach-Object { @{ Name = $_; Module = 'KsUpgrade.Sandbox'; DocsFolder = 'docs/sandbox/en-US' } }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-KsModulePath
    Import-Module $script:ModulePath -Force
    $script:Root = if ($env:KSUPGRADE_ROOT) { $env:KSUPGRADE_ROOT } else { Join-Path $PSScriptRoot '../..' }
    $script:Docs = Join-Path $script:Root 'docs/en-US'
    $script:SandboxDocs = Join-Path $script:Root 'docs/sandbox/en-US'
    $script:SandboxModulePath = Get-KsSandboxModulePath
    Import-Module (Join-Path $script:Root 'docs/tools/MarkdownHelp.psm1') -Force

    function Compress-Space([string] $Text) { ($Text -replace '\s+', ' ').Trim() }
    function Get-Pattern([string] $Text) { '*' + [WildcardPattern]::Escape((Compress-Space $Text)) + '*' }

    # Get-Help -Full and -Examples of every exported cmdlet, rendered in a clean pwsh (no wrapping).
    $script:Rendered = @{}
    $r = Invoke-CleanPwsh @"
Import-Module '$script:ModulePath'
Import-Module '$script:SandboxModulePath'
`$out = @{}
foreach (`$c in Get-Command -Module KsUpgrade, KsUpgrade.Sandbox -CommandType Cmdlet) {
    `$out[`$c.Name] = @{
        Full = Get-Help `$c.Name -Full | Out-String -Width 4000
        Examples = Get-Help `$c.Name -Examples | Out-String -Width 4000
        Synopsis = (Get-Help `$c.Name).Synopsis
    }
}
`$out | ConvertTo-Json -Depth 3 -Compress
"@
    $r.ExitCode | Should -Be 0
    $json = $r.Output[-1] | ConvertFrom-Json
    foreach ($p in $json.PSObject.Properties) { $script:Rendered[$p.Name] = $p.Value }
}

Describe 'Help of <Name>' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command -Name $Name -Module $Module
        $docs = Join-Path $script:Root $DocsFolder
        $page = Join-Path $docs "$Name.md"
        $help = if (Test-Path $page) { Read-MarkdownHelp -Path $page } else { $null }
    }

    It 'has a markdown page <DocsFolder>/<Name>.md' {
        $page | Should -Exist
    }

    It 'has every section, none empty, and at least one example with code' {
        foreach ($section in Get-MarkdownHelpSectionNames) {
            $s = @($help.Sections | Where-Object Name -eq $section)
            $s | Should -HaveCount 1 -Because "section $section must be present once"
            ((@($s[0].Lines) + @($s[0].Subsections.Name)) -join '') | Should -Match '\S' -Because "section $section must not be empty"
        }
        $help.Examples.Count | Should -BeGreaterOrEqual 1
        $help.Examples.Code | Should -Not -Contain ''
    }

    It 'has a synopsis of one short line (under 100 characters; the detail is in the description)' {
        $help.Synopsis | Should -Not -Match '\r?\n'
        $help.Synopsis.Length | Should -BeLessThan 100 -Because "the synopsis of $Name is '$($help.Synopsis)'"
    }

    It 'agrees with Get-Command in both directions (syntax, parameters, sets, Required, Position, pipeline input, OutputType)' {
        Test-MarkdownHelp -Command $command -DocsPath $docs | Should -BeNullOrEmpty
    }

    It 'Get-Help shows the authored synopsis, description, parameter descriptions and examples (clean pwsh)' {
        $rendered = $script:Rendered[$Name]
        $rendered | Should -Not -BeNullOrEmpty
        $rendered.Synopsis | Should -Be $help.Synopsis
        $full = Compress-Space $rendered.Full
        $full | Should -BeLike (Get-Pattern $help.Synopsis)
        $firstParagraph = @($help.DescriptionBlocks | Where-Object Kind -eq 'Paragraph')[0].Text
        $full | Should -BeLike (Get-Pattern (ConvertTo-PlainText $firstParagraph))
        foreach ($p in $help.Parameters) {
            $full | Should -BeLike (Get-Pattern $p.Description) -Because "the description of -$($p.Name) is authored"
        }
        $examples = Compress-Space $rendered.Examples
        foreach ($e in $help.Examples) {
            $examples | Should -BeLike (Get-Pattern $e.Code) -Because "example '$($e.Title)' is authored"
        }
    }
}

Describe 'The help pages' {
    It 'document only exported cmdlets of their own module (no orphan command page)' {
        foreach ($set in @{ Docs = $script:Docs; Module = 'KsUpgrade' }, @{ Docs = $script:SandboxDocs; Module = 'KsUpgrade.Sandbox' }) {
            $exported = (Get-Command -Module $set.Module -CommandType Cmdlet).Name
            $pages = Get-ChildItem $set.Docs -Filter '*.md' | Where-Object Name -notlike 'about_*'
            $pages.BaseName | Where-Object { $_ -notin $exported } | Should -BeNullOrEmpty -Because "$($set.Docs) documents $($set.Module)"
        }
    }

    It 'include the about topics, built into about_*.help.txt in their module' {
        foreach ($t in @{ Topic = 'about_KsUpgrade'; Docs = $script:Docs; Module = $script:ModulePath },
            @{ Topic = 'about_KsUpgrade_Sandbox'; Docs = $script:SandboxDocs; Module = $script:SandboxModulePath }) {
            Join-Path $t.Docs "$($t.Topic).md" | Should -Exist
            $txt = Join-Path (Split-Path $t.Module) "en-US/$($t.Topic).help.txt"
            $txt | Should -Exist
            (Get-Content $txt -Raw) | Should -Match "TOPIC\s+$($t.Topic)"
        }
    }

    It 'name every exported cmdlet in the about topics' {
        $about = (Get-Content (Join-Path $script:Docs 'about_KsUpgrade.md') -Raw) + (Get-Content (Join-Path $script:SandboxDocs 'about_KsUpgrade_Sandbox.md') -Raw)
        (Get-Command -Module KsUpgrade, KsUpgrade.Sandbox -CommandType Cmdlet).Name | Where-Object { $about -notmatch "\b$([regex]::Escape($_))\b" } | Should -BeNullOrEmpty
    }

    It 'Get-Help about_KsUpgrade_Sandbox finds the sandbox topic in a clean pwsh with the sandbox module' {
        $r = Invoke-CleanPwsh "Import-Module '$script:SandboxModulePath'; Get-Help about_KsUpgrade_Sandbox | Out-String -Width 200"
        ($r.Output -join "`n") | Should -Match 'Start-KsSandbox'
    }

    It 'Get-Help about_KsUpgrade finds the runbook topic in a clean pwsh' {
        $r = Invoke-CleanPwsh "Import-Module '$script:ModulePath'; Get-Help about_KsUpgrade | Out-String -Width 200"
        ($r.Output -join "`n") | Should -Match 'Invoke-KsHostUpgrade'
    }
}

Describe 'The help check fails on a bad page (synthetic cases)' {
    BeforeAll {
        $script:Bad = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-help-" + [guid]::NewGuid())
        New-Item -ItemType Directory -Path $script:Bad | Out-Null
        $script:Good = Get-Content (Join-Path $script:Docs 'Connect-KsCluster.md') -Raw
        $script:Connect = Get-Command Connect-KsCluster -Module KsUpgrade

        function Get-ProblemsOf([string] $Markdown) {
            Set-Content -Path (Join-Path $script:Bad 'Connect-KsCluster.md') -Value $Markdown
            (Test-MarkdownHelp -Command $script:Connect -DocsPath $script:Bad) -join "`n"
        }
        function Remove-ParameterSection([string] $Markdown, [string] $Parameter) {
            [regex]::Replace($Markdown, "(?ms)^### -$Parameter\r?\n.*?(?=^### )", '')
        }
    }
    AfterAll { Remove-Item -Recurse -Force $script:Bad -ErrorAction SilentlyContinue }

    It 'the unmodified page passes (control)' {
        Get-ProblemsOf $script:Good | Should -BeNullOrEmpty
    }

    It 'a cmdlet without a markdown page' {
        function Get-KsSynthetic { [CmdletBinding()] param([Parameter(Mandatory, ValueFromPipeline)] [string] $Name) process { $Name } }
        $problems = Test-MarkdownHelp -Command (Get-Command Get-KsSynthetic) -DocsPath $script:Bad
        ($problems -join "`n") | Should -Match 'Get-KsSynthetic: no help markdown'
    }

    It 'a parameter missing from the markdown' {
        $md = Remove-ParameterSection $script:Good 'Context'
        $md | Should -Not -Match '### -Context'
        Get-ProblemsOf $md | Should -Match '-Context is not documented'
    }

    It 'a documented parameter the cmdlet does not have' {
        $extra = "### -Namespace`nA namespace.`n`n``````yaml`nType: String`nParameter Sets: (All)`nAliases:`n`nRequired: False`nPosition: Named`nDefault value: None`nAccept pipeline input: False`nAccept wildcard characters: False`n```````n`n"
        Get-ProblemsOf ($script:Good -replace '### CommonParameters', "$extra### CommonParameters") | Should -Match '-Namespace is documented but the command has no such parameter'
    }

    It 'a wrong Required' {
        $md = [regex]::Replace($script:Good, '(?ms)(^### -Server\r?\n.*?Required: )True', '${1}False')
        Get-ProblemsOf $md | Should -Match '-Server in set Token: Required'
    }

    It 'a wrong Position' {
        $md = [regex]::Replace($script:Good, '(?ms)(^### -Kubeconfig\r?\n.*?Position: )Named', '${1}0')
        Get-ProblemsOf $md | Should -Match '-Kubeconfig in set Kubeconfig: Position'
    }

    It 'a wrong pipeline binding' {
        $md = $script:Good -replace 'True \(ByPropertyName, ByValue\)', 'True (ByValue)'
        Get-ProblemsOf $md | Should -Match '-Cluster in set Cluster: pipeline input by property name'
    }

    It 'a parameter set missing from a parameter, and a set the parameter is not in' {
        $md = $script:Good -replace 'Parameter Sets: Kubeconfig, KubeconfigContent', 'Parameter Sets: Kubeconfig, Token'
        $problems = Get-ProblemsOf $md
        $problems | Should -Match '-Context is in parameter set KubeconfigContent, which its help does not list'
        $problems | Should -Match '-Context is documented in parameter set Token'
    }

    It 'OUTPUTS that disagree with [OutputType], INPUTS that miss a pipeline type' {
        $md = $script:Good -replace '(?m)^### KsUpgrade\.KsCluster$', '### KsUpgrade.KsSandbox'
        $problems = Get-ProblemsOf $md
        $problems | Should -Match 'OUTPUTS lacks KsUpgrade.KsCluster'
        $problems | Should -Match 'OUTPUTS lists KsUpgrade.KsSandbox'
        $problems | Should -Match 'INPUTS lacks KsUpgrade.KsCluster'
    }

    It 'a SYNTAX block that differs from Get-Command -Syntax' {
        $md = $script:Good -replace '(?m)^Connect-KsCluster -InCluster .*$', 'Connect-KsCluster -InCluster [<CommonParameters>]'
        Get-ProblemsOf $md | Should -Match 'SYNTAX of set InCluster'
    }

    It 'an empty section' {
        $md = [regex]::Replace($script:Good, '(?ms)(^## NOTES\r?\n).*?(?=^## RELATED LINKS)', '$1' + "`n")
        Get-ProblemsOf $md | Should -Match 'section NOTES is empty'
    }

    It 'no example' {
        $md = [regex]::Replace($script:Good, '(?ms)(^## EXAMPLES\r?\n).*?(?=^## PARAMETERS)', '$1' + "`n")
        $problems = Get-ProblemsOf $md
        $problems | Should -Match 'no example'
        $problems | Should -Match 'section EXAMPLES is empty'
    }
}

Describe 'New-MarkdownHelpPage (skeletons for new cmdlets)' {
    It 'writes a page whose syntax and parameters agree with the cmdlet, and whose placeholders the check reports' {
        $dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-skel-" + [guid]::NewGuid())
        New-Item -ItemType Directory -Path $dir | Out-Null
        try {
            foreach ($command in Get-Command -Module KsUpgrade, KsUpgrade.Sandbox -CommandType Cmdlet) {
                $name = $command.Name
                Set-Content -Path (Join-Path $dir "$name.md") -Value (New-MarkdownHelpPage -Command $command)
                $problems = @(Test-MarkdownHelp -Command $command -DocsPath $dir)
                $problems | Should -Not -BeNullOrEmpty
                # Only unwritten text is wrong: syntax, parameter sets, Required, Position and pipeline binding agree.
                $problems | Where-Object { $_ -notmatch 'placeholder left to fill' } | Should -BeNullOrEmpty
            }
        }
        finally { Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue }
    }
}
