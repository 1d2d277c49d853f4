# Failure must fail the job (issue 17, point 6): the README's runbook snippet, run as Azure Automation runs a runbook (a
# job fails only on a terminating error), ends in a failure when the upgrade fails, not as a "Completed" job.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-KsModulePath) -Force
    Use-KsTestHelm
    $script:Root = if ($env:KSUPGRADE_ROOT) { $env:KSUPGRADE_ROOT } else { Join-Path $PSScriptRoot '../..' }
    $script:Fixtures = Join-Path $script:Root 'tests/fixtures'
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-runbook-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path (Join-Path $script:Dir 'charts') -Force | Out-Null
    Copy-Item -Recurse (Join-Path $script:Fixtures 'ks-core') (Join-Path $script:Dir 'charts/ks-core')   # -Chart's default
    Copy-Item (Join-Path $script:Fixtures 'ks-core-values.yaml') $script:Dir
    $script:Sandbox = Start-KsSandbox -Seed ks34-host

    function Get-ReadmeRunbook {
        # the ```powershell block of README.md's Azure Automation section that starts with "# Runbook:"
        $readme = Get-Content -Raw (Join-Path $script:Root 'README.md')
        $m = [regex]::Match($readme, '(?ms)^## Azure Automation.*?^```powershell\r?\n(# Runbook:.*?)^```')
        $m.Success | Should -BeTrue -Because 'README.md keeps its runbook snippet in the Azure Automation section'
        $m.Groups[1].Value
    }
}
AfterAll {
    $script:Sandbox | Stop-KsSandbox -Confirm:$false
    Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue
}

Describe "README's runbook snippet" {
    It 'fails (a terminating error, so the Automation job fails) when the upgrade fails, and changes nothing' {
        # a node NotReady: the pre-flight fails, so the upgrade stops with KsUpgrade.PreflightFailed
        $node = (& kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host get nodes -o 'jsonpath={.items[0].metadata.name}')
        $LASTEXITCODE | Should -Be 0
        Invoke-SandboxControl -Sandbox $script:Sandbox -Method POST -Path 'actions/node-ready' -Body @{ cluster = 'host'; node = $node; ready = $false } | Out-Null

        $runbook = (Get-ReadmeRunbook) -replace 'prod-host', 'host'
        $runbookFile = Join-Path $script:Dir 'runbook.ps1'
        Set-Content -Path $runbookFile -Value $runbook
        # Azure Automation: Get-AutomationVariable gives the kubeconfig; the job fails only when the runbook throws
        $child = @"
Import-Module '$(Get-KsModulePath)'
function Get-AutomationVariable { param([string] `$Name) Get-Content -Raw '$($script:Sandbox.Kubeconfig)' }
Set-Location '$($script:Dir)'
try { & '$runbookFile' 4>`$null; 'JOB: Completed' }
catch { "JOB: Failed `$(`$_.FullyQualifiedErrorId)"; exit 1 }
"@
        $r = Invoke-CleanPwsh $child
        $job = @($r.Output | Where-Object { $_ -like 'JOB: *' })
        $job | Should -HaveCount 1 -Because ($r.Output -join [Environment]::NewLine)
        $job[0] | Should -BeLike 'JOB: Failed KsUpgrade.PreflightFailed,*'
        $r.ExitCode | Should -Not -Be 0
        # nothing changed: no journal was written
        & kubectl --kubeconfig $script:Sandbox.Kubeconfig --context host -n kubesphere-system get configmap ks-upgrade-journal 2>$null | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }
}
