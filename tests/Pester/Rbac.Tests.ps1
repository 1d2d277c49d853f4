# Least privilege from PowerShell: Test-KsCluster with a read-only ServiceAccount (docs/rbac/ksupgrade-precheck-clusterrole.yaml)
# gives the admin's results; with a narrower role the checks that need the missing reads are Warnings, and nothing errors.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
    $script:Kubectl = if ($env:KSUPGRADE_KUBECTL) { $env:KSUPGRADE_KUBECTL } else { (Get-Command kubectl -ErrorAction SilentlyContinue).Source }
    $script:RoleFile = Join-Path (Get-Item $PSScriptRoot).Parent.Parent.FullName 'docs/rbac/ksupgrade-precheck-clusterrole.yaml'

    function Invoke-AdminKubectl([string] $Stdin, [string[]] $Arguments) {
        $all = @('--kubeconfig', $script:Sandbox.Kubeconfig, '--context', 'host') + $Arguments
        $out = if ($Stdin) { $Stdin | & $script:Kubectl @all 2>&1 } else { & $script:Kubectl @all 2>&1 }
        if ($LASTEXITCODE -ne 0) { throw "kubectl $($Arguments -join ' ') failed: $out" }
        $out
    }

    function Add-BoundServiceAccount([string] $Role, [string] $Identity) {
        # A ServiceAccount ksupgrade/<role>, bound to the ClusterRole, and a sandbox identity (context host-<identity>) for it.
        Invoke-AdminKubectl -Arguments @('-n', 'ksupgrade', 'create', 'serviceaccount', $Role) | Out-Null
        $binding = @{
            apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'ClusterRoleBinding'; metadata = @{ name = $Role }
            roleRef = @{ apiGroup = 'rbac.authorization.k8s.io'; kind = 'ClusterRole'; name = $Role }
            subjects = @(@{ kind = 'ServiceAccount'; name = $Role; namespace = 'ksupgrade' })
        } | ConvertTo-Json -Depth 5
        Invoke-AdminKubectl -Stdin $binding -Arguments @('apply', '-f', '-') | Out-Null
        Invoke-SandboxControl -Sandbox $script:Sandbox -Path identities -Method POST -Body @{ name = $Identity; serviceAccount = "ksupgrade/$Role" }
    }

    function Get-CheckLines($Report) { $Report.Checks | ForEach-Object { "$($_.Id): $($_.Status) $($_.Message)" } }
}

Describe 'Rbac: Test-KsCluster with least privilege' {
    BeforeAll {
        $script:Sandbox = Start-KsSandbox -Seed ks34-host
        Invoke-AdminKubectl -Arguments @('apply', '-f', $script:RoleFile) | Out-Null
        Invoke-AdminKubectl -Arguments @('create', 'namespace', 'ksupgrade') | Out-Null
        $script:Precheck = Add-BoundServiceAccount -Role 'ksupgrade-precheck' -Identity 'precheck'

        # The same role without Secrets (helm release storage).
        $role = Invoke-AdminKubectl -Arguments @('get', 'clusterrole', 'ksupgrade-precheck', '-o', 'json') | Out-String | ConvertFrom-Json
        $rules = foreach ($r in $role.rules) {
            $r.resources = @($r.resources | Where-Object { $_ -ne 'secrets' })
            if ($r.resources.Count -gt 0) { $r }
        }
        $narrow = @{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'ClusterRole'; metadata = @{ name = 'ksupgrade-precheck-no-secrets' }; rules = @($rules) } |
            ConvertTo-Json -Depth 10
        Invoke-AdminKubectl -Stdin $narrow -Arguments @('apply', '-f', '-') | Out-Null
        $script:Narrow = Add-BoundServiceAccount -Role 'ksupgrade-precheck-no-secrets' -Identity 'no-secrets'

        $script:AdminReport = $script:Sandbox.Clusters[0] | Test-KsCluster -Phase Preflight
    }
    AfterAll {
        if ($script:Sandbox) { $script:Sandbox | Stop-KsSandbox -Confirm:$false }
    }

    It 'mints a ServiceAccount identity with a context of its own in the sandbox kubeconfig' {
        $script:Precheck.user | Should -Be 'system:serviceaccount:ksupgrade:ksupgrade-precheck'
        $script:Precheck.contexts | Should -Be @('host-precheck')
        (Invoke-SandboxControl -Sandbox $script:Sandbox -Path identities).identities.name | Should -Contain 'precheck'
        & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host-precheck auth can-i list secrets -A | Should -Be 'yes'
        & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host-precheck auth can-i delete pods -A | Should -Be 'no'
        & $script:Kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host-no-secrets auth can-i list secrets -A | Should -Be 'no'
    }

    It 'Connect-KsCluster | Test-KsCluster as the read-only ServiceAccount gives the admin''s results and no error' {
        $errs = $null
        $cluster = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host-precheck -ErrorVariable errs
        $report = $cluster | Test-KsCluster -Phase Preflight -ErrorVariable +errs
        $errs | Should -BeNullOrEmpty
        $cluster.Role | Should -Be 'Host'
        $cluster.KubeSphereVersion | Should -Be $script:Sandbox.Clusters[0].KubeSphereVersion
        $report | Should -BeOfType ([KsUpgrade.KsClusterReport])
        @(Get-CheckLines $report) | Should -Be @(Get-CheckLines $script:AdminReport)
        $report.Checks.Count | Should -BeGreaterThan 10
        $report.Checks | Where-Object Message -match 'not permitted' | Should -BeNullOrEmpty
    }

    It 'without Secrets, the checks that read Secrets are Warnings that say they were not permitted; the rest is unchanged; no error' {
        $errs = $null
        $report = Connect-KsCluster -Kubeconfig $script:Sandbox.Kubeconfig -Context host-no-secrets |
            Test-KsCluster -Phase Preflight -ErrorVariable errs -WarningAction SilentlyContinue
        $errs | Should -BeNullOrEmpty
        $report.Checks.Id | Should -Be $script:AdminReport.Checks.Id
        $release = $report.Checks | Where-Object Id -eq 'KsCoreReleaseNotPending'
        $release.Status | Should -Be 'Warning'
        $release.Message | Should -Match 'Could not verify: not permitted to read'
        $release.Remedy | Should -Not -BeNullOrEmpty
        $token = $report.Checks | Where-Object Id -eq 'KubeSphereServiceAccountToken'
        $token.Status | Should -Be 'Warning'
        $token.Message | Should -Match 'Could not verify: not permitted to read'
        $changed = Compare-Object @(Get-CheckLines $script:AdminReport) @(Get-CheckLines $report) -PassThru | Where-Object { $_ -notmatch '^(KsCoreReleaseNotPending|KubeSphereServiceAccountToken):' }
        $changed | Should -BeNullOrEmpty
    }
}
