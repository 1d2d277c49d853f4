@{
    RootModule           = 'KsUpgrade.Sandbox.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '0d7c41a9-3b52-4e8f-a6c1-92e4f5b7d308'
    Author               = 'KsUpgrade contributors'
    CompanyName          = 'KsUpgrade'
    Copyright            = '(c) KsUpgrade contributors. Apache-2.0.'
    Description          = 'A rehearsal kit for KsUpgrade: a simulated Kubernetes API seeded as KubeSphere 3.4 clusters (host and members) that real kubectl, helm and the KsUpgrade cmdlets talk to, with a rehearsal ks-core chart and values file, so an upgrade can be rehearsed with no real cluster and no other files.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('KsUpgrade.Sandbox.Format.ps1xml')
    CmdletsToExport      = @(
        'Start-KsSandbox'
        'Stop-KsSandbox'
        'Get-KsSandbox'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('KubeSphere', 'Kubernetes', 'Sandbox', 'Testing', 'PSEdition_Core', 'Linux')
            ProjectUri   = 'https://github.com/ksupgrade/ksupgrade'
            LicenseUri   = 'https://github.com/ksupgrade/ksupgrade/blob/main/LICENSE'
            ReleaseNotes = 'First release as its own module: Start-KsSandbox (now also returns ChartPath and ValuesPath of the rehearsal chart and values file it ships), Stop-KsSandbox (-All), Get-KsSandbox. Formerly part of the KsUpgrade module.'
        }
    }
}
