# Views: KsUpgrade.Format.ps1xml loads, and each type's default table (and list) view shows the agreed columns.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-KsModulePath
    Import-Module $script:ModulePath -Force
    $script:FormatFile = Join-Path (Split-Path $script:ModulePath) 'KsUpgrade.Format.ps1xml'
    $script:Rendering = $PSStyle.OutputRendering
    $PSStyle.OutputRendering = 'PlainText'

    function Get-Headers {
        <# The column headers of the default table view, left to right. #>
        param([Parameter(ValueFromPipeline)] $InputObject)
        end {
            $text = $input | Format-Table -AutoSize | Out-String -Width 400
            $line = @($text -split "\r?\n" | Where-Object { $_ -match '\S' })[0]
            @($line.Trim() -split '\s+')
        }
    }
    function Get-ListLabels {
        param([Parameter(ValueFromPipeline)] $InputObject)
        end {
            $text = $input | Format-List | Out-String -Width 400
            @($text -split "\r?\n" | Where-Object { $_ -match '^(\S+)\s*:' } | ForEach-Object { ($_ -split '\s*:', 2)[0] })
        }
    }
    function New-Typed([string] $TypeName, [hashtable] $Properties) {
        $o = [pscustomobject] $Properties
        $o.PSObject.TypeNames.Insert(0, "KsUpgrade.$TypeName")
        $o
    }

    $script:Cluster = [KsUpgrade.KsCluster]::new('prod-host', 'https://10.0.0.1:6443', [KsUpgrade.KsConnectionSettings]::new())
    $script:Cluster.KubernetesVersion = 'v1.26.15'
    $script:Cluster.KubeSphereVersion = 'v3.4.1'
    $script:Cluster.Role = 'Host'
    $script:Failed = [KsUpgrade.KsCheckResult]@{ Id = 'NodesReady'; Title = 'All nodes Ready'; Status = 'Failed'; Message = 'node-3 is NotReady'; Remedy = 'Fix node-3' }
    $script:Warning = [KsUpgrade.KsCheckResult]@{ Id = 'MembersReady'; Status = 'Warning'; Message = 'member-2 is not Ready' }
    $script:Passed = [KsUpgrade.KsCheckResult]@{ Id = 'DefaultStorageClass'; Status = 'Passed'; Message = 'local-path' }
}
AfterAll { $PSStyle.OutputRendering = $script:Rendering }

Describe 'KsUpgrade.Format.ps1xml' {
    It 'is listed in the manifest and shipped in the built module' {
        (Import-PowerShellDataFile $script:ModulePath).FormatsToProcess | Should -Contain 'KsUpgrade.Format.ps1xml'
        $script:FormatFile | Should -Exist
    }

    It 'loads with Update-FormatData without errors in a clean pwsh' {
        $r = Invoke-CleanPwsh "Update-FormatData -PrependPath '$script:FormatFile' -ErrorAction Stop; 'loaded'"
        $r.ExitCode | Should -Be 0
        $r.Output[-1] | Should -Be 'loaded'
    }

    It 'defines a table view for every KsUpgrade type that is shown' {
        foreach ($t in 'KsCluster', 'KsSandbox', 'KsCheckResult', 'KsClusterReport', 'KsUpgradeStep', 'KsUpgradeResult', 'KsMemberCluster', 'KsGateway', 'KsGatewayUpgradeResult', 'KsBackupCheck', 'KsBackupFileCheck') {
            # (KsLegacyGatewayCleanupResult has a list view only: its properties are lists.)
            $views = @((Get-FormatData -TypeName "KsUpgrade.$t").FormatViewDefinition)
            ($views | ForEach-Object { $_.Control.GetType().Name }) | Should -Contain 'TableControl' -Because "KsUpgrade.$t needs a table view"
        }
    }
}

Describe 'Table views of the types in the model' {
    It 'KsCluster: Context, Server, KubernetesVersion, KubeSphereVersion, Role' {
        $script:Cluster | Get-Headers | Should -Be @('Context', 'Server', 'KubernetesVersion', 'KubeSphereVersion', 'Role')
        ($script:Cluster | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'prod-host\s+https://10\.0\.0\.1:6443\s+v1\.26\.15\s+v3\.4\.1\s+Host'
    }

    It 'KsSandbox: Seed, ProcessId, Port, Contexts, Running (contexts joined)' {
        $sandbox = [KsUpgrade.KsSandbox]@{ Seed = 'ks34-multicluster'; ProcessId = 4242; Port = 43210; Contexts = @('host', 'member-1') }
        $sandbox | Get-Headers | Should -Be @('Seed', 'ProcessId', 'Port', 'Contexts', 'Running')
        ($sandbox | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'ks34-multicluster\s+4242\s+43210\s+host, member-1\s+False'
        $sandbox | Get-ListLabels | Should -Contain 'Kubeconfig'
    }

    It 'KsCheckResult: Id, Status, Message; the list view adds Title and Remedy' {
        $script:Failed | Get-Headers | Should -Be @('Id', 'Status', 'Message')
        ($script:Failed, $script:Warning | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'NodesReady\s+Failed\s+node-3 is NotReady'
        ($script:Failed, $script:Warning | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'MembersReady\s+Warning\s+member-2 is not Ready'
        $script:Failed | Get-ListLabels | Should -Be @('Id', 'Title', 'Status', 'Message', 'Remedy', 'Data')
    }
}

Describe 'Views of the types other cmdlets add (matched by type name)' {
    It 'KsClusterReport (the model type): Cluster, Phase, Passed, Failed and Warning counts, Duration' {
        $report = [KsUpgrade.KsClusterReport]@{ Cluster = $script:Cluster; Phase = 'Preflight'; Checks = [KsUpgrade.KsCheckResult[]] @($script:Failed, $script:Warning, $script:Passed); Duration = [timespan]::FromSeconds(2.5) }
        $report | Get-Headers | Should -Be @('Cluster', 'Phase', 'Passed', 'Failed', 'Warnings', 'Duration')
        ($report | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'prod-host\s+Preflight\s+False\s+1\s+1\s+00:00:02\.5'
        ($report | Format-List | Out-String) | Should -Match 'Failed\s+:\s+NodesReady'
    }

    It 'KsUpgradeStep: Name, Status, Duration, Detail' {
        $step = New-Typed KsUpgradeStep @{ Name = 'Backup'; Status = 'Succeeded'; Duration = [timespan]::FromSeconds(75); Detail = '12 files' }
        $step | Get-Headers | Should -Be @('Name', 'Status', 'Duration', 'Detail')
        ($step | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'Backup\s+Succeeded\s+00:01:15\.0\s+12 files'
    }

    It 'KsUpgradeResult: a table with the step tally and a list with the backup path' {
        $steps = @(
            New-Typed KsUpgradeStep @{ Name = 'Preflight'; Status = 'Succeeded'; Duration = [timespan]::Zero; Detail = '' }
            New-Typed KsUpgradeStep @{ Name = 'HelmUpgrade'; Status = 'Failed'; Duration = [timespan]::Zero; Detail = 'timeout' }
        )
        $result = New-Typed KsUpgradeResult @{ Cluster = $script:Cluster; Role = 'Host'; FromVersion = 'v3.4.1'; ToVersion = 'v4.1.3'; Steps = $steps; BackupPath = './backup-host'; HelmRevision = 3; Succeeded = $false }
        $result | Get-Headers | Should -Be @('Cluster', 'Role', 'FromVersion', 'ToVersion', 'Succeeded', 'Steps', 'HelmRevision')
        ($result | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'prod-host\s+Host\s+v3\.4\.1\s+v4\.1\.3\s+False\s+1/2\s+3'
        ($result | Format-List | Out-String) | Should -Match 'BackupPath\s+:\s+\./backup-host'
    }

    It 'KsMemberCluster (the model type): Name, Role, Ready, Tainted, AgentsSchedulable, KubernetesVersion, KubeSphereVersion; list adds Conditions' {
        $condition = [KsUpgrade.KsClusterCondition]@{ Type = 'Schedulable'; Status = 'False'; Reason = 'Upgrading' }
        $m = [KsUpgrade.KsMemberCluster]@{ Name = 'member1'; Role = 'Member'; Ready = $true; Tainted = $true; AgentsSchedulable = $false; KubernetesVersion = 'v1.26.15'; KubeSphereVersion = 'v4.1.3'; Conditions = [KsUpgrade.KsClusterCondition[]] @($condition) }
        $m | Get-Headers | Should -Be @('Name', 'Role', 'Ready', 'Tainted', 'AgentsSchedulable', 'KubernetesVersion', 'KubeSphereVersion')
        ($m | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'member1\s+Member\s+True\s+True\s+False\s+v1\.26\.15\s+v4\.1\.3'
        ($m | Format-List | Out-String -Width 400) | Should -Match 'Conditions\s+:\s+Schedulable=False'
        $m.PSObject.Properties.Name | Should -Not -Contain 'Schedulable' # the old name read backwards: True meant not schedulable
    }

    It 'KsBackupResult (the model type): Cluster, Path, Files, Objects, Duration, SecretDataExcluded; list adds each file' {
        $files = [KsUpgrade.KsBackupFile[]] @(
            [KsUpgrade.KsBackupFile]@{ Name = 'backup-secrets.yaml'; Objects = 12; Sha256 = 'ab'; Sensitive = $true }
            [KsUpgrade.KsBackupFile]@{ Name = 'backup-configmaps.yaml'; Objects = 30; Sha256 = 'cd' })
        $b = [KsUpgrade.KsBackupResult]@{ Cluster = 'prod-host'; Path = '/backups/bk-1'; Duration = [timespan]::FromSeconds(2); KubeSphereVersion = 'v3.4.1'; Files = $files }
        $b | Get-Headers | Should -Be @('Cluster', 'Path', 'Files', 'Objects', 'Duration', 'SecretDataExcluded')
        ($b | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'prod-host\s+/backups/bk-1\s+2\s+42\s+00:00:02\s+False'
        $list = $b | Format-List | Out-String -Width 400
        $list | Should -Match 'KubeSphereVersion\s+:\s+v3\.4\.1'
        $list | Should -Match 'Files\s+:\s+backup-secrets\.yaml \(12 objects, Secret data\)'
        $list | Should -Not -Match 'KsUpgrade\.KsBackupFile'
    }

    It 'KsInventory (the model type): a list of counts, nodes, unhealthy pods and KubeSphere clusters, not type names' {
        $inv = [KsUpgrade.KsInventory]@{
            ObjectCounts = [KsUpgrade.KsObjectCount[]] @([KsUpgrade.KsObjectCount]::new('Deployments', 12, $null), [KsUpgrade.KsObjectCount]::new('Ingresses', $null, 'not permitted'))
            Nodes = [KsUpgrade.KsNodeInfo[]] @([KsUpgrade.KsNodeInfo]::new('master1', 'Ready', [string[]] @('control-plane'), 'v1.26.15', 'Ubuntu', 'containerd://1.7', 9))
            UnhealthyPods = [KsUpgrade.KsPodInfo[]] @([KsUpgrade.KsPodInfo]::new('demo', 'web-0', 'CrashLoopBackOff', 'master1', $null))
            KubeSphereClusters = [KsUpgrade.KsClusterInfo[]] @([KsUpgrade.KsClusterInfo]::new('member1', $false, $true, $true, $false, $null, 'v1.26.15', 'v3.4.1'))
            Gaps = [string[]] @('ingresses: not permitted')
        }
        $inv | Get-ListLabels | Should -Be @('Nodes', 'ObjectCounts', 'UnhealthyPods', 'ComponentStatuses', 'KubeSphereClusters', 'Gaps')
        $list = $inv | Format-List | Out-String -Width 400
        $list | Should -Match 'Nodes\s+:\s+1 \(1 control plane, 0 workers\)'
        $list | Should -Match 'ObjectCounts\s+:\s+Deployments=12, Ingresses=\?'
        $list | Should -Match 'UnhealthyPods\s+:\s+demo/web-0 CrashLoopBackOff'
        $list | Should -Match 'KubeSphereClusters\s+:\s+member1 \(Member, Ready, Tainted\)'
        $list | Should -Not -Match 'KsUpgrade\.Ks'
    }

    It 'KsGateway (the model type): Name, Scope, Namespace, Status, ChartVersion, Upgraded; list adds the releases' {
        $release = [KsUpgrade.KsGatewayRelease]@{ Name = 'kubesphere-router-demo-ingress'; Namespace = 'kubesphere-controls-system'; Revision = 2; Status = 'deployed'; ChartName = 'ingress-nginx'; ChartVersion = '4.0.1' }
        $g = [KsUpgrade.KsGateway]@{ Name = 'kubesphere-router-demo'; Scope = 'Project'; Namespace = 'demo'; Status = 'deployed'; ChartVersion = '4.0.1'; Upgraded = $false; Releases = [KsUpgrade.KsGatewayRelease[]] @($release) }
        $g | Get-Headers | Should -Be @('Name', 'Scope', 'Namespace', 'Status', 'ChartVersion', 'Upgraded')
        ($g | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'kubesphere-router-demo\s+Project\s+demo\s+deployed\s+4\.0\.1\s+False'
        ($g | Format-List | Out-String -Width 400) | Should -Match 'Releases\s+:\s+kubesphere-controls-system/kubesphere-router-demo-ingress v2 deployed'
    }

    It 'KsGatewayUpgradeResult (the model type): Gateway, Outcome, Succeeded, Duration, NewIngresses count, Detail' {
        $g = [KsUpgrade.KsGateway]@{ Name = 'kubesphere-router-demo' }
        $r = [KsUpgrade.KsGatewayUpgradeResult]@{ Gateway = $g; Outcome = 'Upgraded'; Succeeded = $true; Duration = [timespan]::FromSeconds(31); NewIngresses = [string[]] @('demo/web', 'demo/api'); Detail = 'upgraded' }
        $r | Get-Headers | Should -Be @('Gateway', 'Outcome', 'Succeeded', 'Duration', 'NewIngresses', 'Detail')
        ($r | Format-Table -AutoSize | Out-String -Width 400) | Should -Match 'kubesphere-router-demo\s+Upgraded\s+True\s+00:00:31\.0\s+2\s+upgraded'
        ($r | Format-List | Out-String -Width 400) | Should -Match 'NewIngresses\s+:\s+demo/web, demo/api'
        $repointed = [KsUpgrade.KsGatewayUpgradeResult]@{ Gateway = $g; Outcome = 'AlreadyUpgraded'; Succeeded = $true; RepointedIngresses = [string[]] @('demo/web'); UnservedIngresses = [string[]] @('demo/api') }
        ($repointed | Format-List | Out-String -Width 400) | Should -Match 'UnservedIngresses\s+:\s+demo/api\s+RepointedIngresses\s+:\s+demo/web'
    }

    It 'KsLegacyGatewayCleanupResult (the model type): a list with the CRD verdict and the objects joined' {
        $c = [KsUpgrade.KsLegacyGatewayCleanupResult]@{ CrdDeleted = $true; FinalizersRemoved = [string[]] @('demo/a', 'demo/b'); NginxObjects = [string[]] @('demo/a', 'demo/b') }
        $c | Get-ListLabels | Should -Be @('CrdDeleted', 'CrdAbsent', 'FinalizersRemoved', 'NginxObjects', 'RemainingV3Gateways')
        ($c | Format-List | Out-String -Width 400) | Should -Match 'FinalizersRemoved\s+:\s+demo/a, demo/b'
    }
}

Describe 'Status colours' {
    It 'never colours when $PSStyle.OutputRendering is PlainText' {
        $PSStyle.OutputRendering = 'PlainText'
        ($script:Failed | Format-Table -AutoSize | Out-String -Width 400) | Should -Not -Match "`e\["
    }

    It 'colours Failed red, Warning yellow, Passed green only when the host supports virtual terminal sequences (clean pwsh, Ansi)' {
        $r = Invoke-CleanPwsh @"
Import-Module '$script:ModulePath'
`$PSStyle.OutputRendering = 'Ansi'
`$checks = @(
    [KsUpgrade.KsCheckResult]@{ Id = 'A'; Status = 'Failed'; Message = 'x' }
    [KsUpgrade.KsCheckResult]@{ Id = 'B'; Status = 'Warning'; Message = 'y' }
    [KsUpgrade.KsCheckResult]@{ Id = 'C'; Status = 'Passed'; Message = 'z' })
`$text = `$checks | Format-Table -AutoSize | Out-String -Width 200
[pscustomobject]@{
    Vt = `$Host.UI.SupportsVirtualTerminal
    Red = `$text.Contains(`$PSStyle.Foreground.Red + 'Failed')
    Yellow = `$text.Contains(`$PSStyle.Foreground.Yellow + 'Warning')
    Green = `$text.Contains(`$PSStyle.Foreground.Green + 'Passed')
    Text = `$text -replace "``e", '<ESC>'
} | ConvertTo-Json -Compress
"@
        $r.ExitCode | Should -Be 0
        $j = $r.Output[-1] | ConvertFrom-Json
        $j.Red | Should -Be $j.Vt -Because $j.Text
        $j.Yellow | Should -Be $j.Vt -Because $j.Text
        $j.Green | Should -Be $j.Vt -Because $j.Text
    }
}
