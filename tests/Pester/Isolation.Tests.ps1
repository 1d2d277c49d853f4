BeforeDiscovery {
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $script:OtherYaml = Join-Path $nugetRoot 'yamldotnet/16.3.0/lib/net8.0/YamlDotNet.dll'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $script:OtherYaml = Join-Path $nugetRoot 'yamldotnet/16.3.0/lib/net8.0/YamlDotNet.dll'
    $script:Module = Get-KsModulePath
    # a chart at hand (ChartAvailable): the run's verdict is about the module's isolation, not a missing chart
    $script:Chart = Join-Path (Get-Item $PSScriptRoot).Parent.FullName 'fixtures/ks-core'
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
}

Describe 'Living beside a module that loads another YamlDotNet' {
    It 'has the other YamlDotNet version restored for the test' {
        $script:OtherYaml | Should -Exist
        [Reflection.AssemblyName]::GetAssemblyName($script:OtherYaml).Version.Major | Should -Be 16
    }

    It 'imports and checks a cluster after YamlDotNet 16 was loaded first' {
        $r = Invoke-CleanPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$script:OtherYaml'
Import-Module '$script:Module'
`$s = Start-KsSandbox -Seed ks34-host
try { `$report = `$s.Clusters[0] | Test-KsCluster -Chart '$script:Chart' -WarningAction SilentlyContinue } finally { `$s | Stop-KsSandbox -Confirm:`$false }
`$default = [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }
`$ours = ([System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'KsUpgrade').Assemblies | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }
'{0}|{1}|{2}|{3}' -f `$report.Passed, `$report.GetType().FullName, `$default.GetName().Version.Major, `$ours.GetName().Version.Major
"@
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output[-1] | Should -Be 'True|KsUpgrade.KsClusterReport|16|18'
    }

    It 'lets another module load YamlDotNet 16 after KsUpgrade ran' {
        $r = Invoke-CleanPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$script:Module'
`$s = Start-KsSandbox -Seed ks34-host
try { `$passed = (`$s.Clusters[0] | Test-KsCluster -Chart '$script:Chart' -WarningAction SilentlyContinue).Passed } finally { `$s | Stop-KsSandbox -Confirm:`$false }
Add-Type -Path '$script:OtherYaml'
`$yaml = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build().Deserialize[hashtable]("a: 1")
'{0}|{1}|{2}' -f `$passed, [YamlDotNet.Serialization.DeserializerBuilder].Assembly.GetName().Version.Major, `$yaml['a']
"@
        $r.ExitCode | Should -Be 0 -Because ($r.Output -join "`n")
        $r.Output[-1] | Should -Be 'True|16|1'
    }

    It 'exposes only default-context types in cmdlet parameters and outputs' {
        Import-Module $script:Module -Force
        $types = foreach ($c in Get-Command -Module KsUpgrade) {
            $c.OutputType.Type
            $c.Parameters.Values.ParameterType
        }
        $foreign = $types | Where-Object { $_ -and [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_.Assembly).Name -eq 'KsUpgrade' }
        $foreign | Should -BeNullOrEmpty
        $types.Assembly.GetName().Name | Should -Not -Contain 'KubernetesClient'
    }
}
