@{
    RootModule           = 'KsUpgrade.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3c2e-8a41-4d6e-9f0a-3c7e2b91d4a6'
    Author               = 'KsUpgrade contributors'
    CompanyName          = 'KsUpgrade'
    Copyright            = '(c) KsUpgrade contributors. Apache-2.0.'
    Description          = 'Upgrades KubeSphere clusters from v3.4.x to v4.1.3: pre-flight checks, host and member upgrades, member taints and gateways, as cmdlets that return typed objects and run unattended.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredAssemblies   = @('KsUpgrade.Model.dll')
    FormatsToProcess     = @('KsUpgrade.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-KsCluster'
        'Get-KsCluster'
        'Disconnect-KsCluster'
        'Test-KsCluster'
        'Backup-KsCluster'
        'Test-KsBackup'
        'Invoke-KsHostUpgrade'
        'Invoke-KsMemberUpgrade'
        'Invoke-KsUpgrade'
        'Undo-KsUpgrade'
        'Complete-KsUpgrade'
        'Get-KsMemberCluster'
        'Remove-KsMemberTaint'
        'Get-KsGateway'
        'Update-KsGateway'
        'Remove-KsLegacyGateway'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            # Only the platforms CI runs the suite on (Linux, PowerShell 7 on .NET).
            Tags         = @('KubeSphere', 'Kubernetes', 'Upgrade', 'Helm', 'PSEdition_Core', 'Linux')
            ProjectUri   = 'https://github.com/ksupgrade/ksupgrade'
            LicenseUri   = 'https://github.com/ksupgrade/ksupgrade/blob/main/LICENSE'
            ReleaseNotes = 'The sandbox (Start-KsSandbox, Stop-KsSandbox) moved to its own module, KsUpgrade.Sandbox; this module no longer ships it. The Azure Automation zip is KsUpgrade.zip.'
        }
    }
}
