# Helpers of tests/bench/Bench.ps1: the Backup-KsCluster measurements and the 500-gateway seed file.
Import-Module (Join-Path $PSScriptRoot '../Pester/TestHelpers.psm1')

function Get-VmHwmKb {
    <# Peak resident set (VmHWM, KiB) of a process from /proc; $null where /proc is missing. #>
    param([string] $ProcessId = 'self')
    $status = "/proc/$ProcessId/status"
    if (-not (Test-Path $status)) { return $null }
    $line = Select-String -Path $status -Pattern '^VmHWM:\s+(\d+)\s+kB' | Select-Object -First 1
    if ($line) { [long] $line.Matches[0].Groups[1].Value } else { $null }
}

function Invoke-BackupInCleanPwsh {
    <#
    Runs Backup-KsCluster once in a new pwsh process (no JIT or heap carried over from this one) against a sandbox
    cluster and returns what the child measured: the cmdlet's wall time, its object count, and the child's peak
    resident set (VmHWM) after Import-Module and at the end, both read by the child itself from /proc/self/status.
    #>
    param(
        [Parameter(Mandatory)] [string] $ModulePath,
        [Parameter(Mandatory)] [string] $Kubeconfig,
        [Parameter(Mandatory)] [string] $Context,
        [Parameter(Mandatory)] [string] $BackupPath
    )
    $script = @'
$ErrorActionPreference = 'Stop'
function Hwm { $l = Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)\s+kB' | Select-Object -First 1; if ($l) { [long] $l.Matches[0].Groups[1].Value } else { 0 } }
Import-Module '@MODULE@'
$afterImport = Hwm
$sw = [Diagnostics.Stopwatch]::StartNew()
$r = Backup-KsCluster -Kubeconfig '@KUBECONFIG@' -Context '@CONTEXT@' -Path '@PATH@' -WarningAction SilentlyContinue
$seconds = $sw.Elapsed.TotalSeconds
$proc = [Diagnostics.Process]::GetCurrentProcess()
'BENCH-RESULT ' + (@{ seconds = $seconds; objects = $r.ObjectCount; files = $r.Files.Count; hwmAfterImportKb = $afterImport; hwmKb = (Hwm); peakWorkingSet = $proc.PeakWorkingSet64 } | ConvertTo-Json -Compress)
'@
    $quote = { param($s) $s.Replace("'", "''") }
    $script = $script.Replace('@MODULE@', (& $quote $ModulePath)).Replace('@KUBECONFIG@', (& $quote $Kubeconfig)).
        Replace('@CONTEXT@', (& $quote $Context)).Replace('@PATH@', (& $quote $BackupPath))
    $run = Invoke-CleanPwsh $script
    $line = $run.Output | Where-Object { $_.StartsWith('BENCH-RESULT ') } | Select-Object -Last 1
    if ($run.ExitCode -ne 0 -or -not $line) {
        throw "Backup-KsCluster in a clean pwsh failed (exit $($run.ExitCode)): $(($run.Output | Select-Object -Last 5) -join ' | ')"
    }
    $line.Substring('BENCH-RESULT '.Length) | ConvertFrom-Json
}

function Measure-BackupBaseline {
    <# Runs backup-baseline.sh (kubectl get -o yaml, as upgrade.sh backs up) into $OutputDir; returns its seconds and files. #>
    param(
        [Parameter(Mandatory)] [string] $Kubeconfig,
        [Parameter(Mandatory)] [string] $Kubectl,
        [Parameter(Mandatory)] [string] $OutputDir
    )
    $env:KUBECONFIG = $Kubeconfig
    $env:KUBECTL = $Kubectl
    try {
        $seconds = (Measure-Command { bash (Join-Path $PSScriptRoot 'backup-baseline.sh') $OutputDir | Out-Null }).TotalSeconds
    }
    finally { Remove-Item env:KUBECONFIG -ErrorAction SilentlyContinue }
    $files = @(Get-ChildItem $OutputDir -Filter '*.yaml')
    [pscustomobject]@{ Seconds = $seconds; Files = $files.Count; Bytes = ($files | Measure-Object Length -Sum).Sum }
}

function ConvertTo-HelmReleaseSecret {
    <# A helm release storage Secret (type helm.sh/release.v1, data.release = base64(base64(gzip(release JSON)))) as a hashtable. #>
    param([string] $Name, [string] $Namespace, [string] $Chart, [string] $ChartVersion, [string] $AppVersion, [string] $Manifest, [hashtable] $Config)
    $at = '2024-05-01T10:00:00Z'
    $release = [ordered]@{
        name = $Name; namespace = $Namespace; version = 1
        info = [ordered]@{ first_deployed = $at; last_deployed = $at; deleted = ''; description = 'Install complete'; status = 'deployed' }
        chart = [ordered]@{ metadata = [ordered]@{ name = $Chart; version = $ChartVersion; appVersion = $AppVersion; apiVersion = 'v2'; type = 'application' }; templates = @(); values = @{}; files = @() }
        config = $Config; manifest = $Manifest
    }
    $json = [Text.Encoding]::UTF8.GetBytes(($release | ConvertTo-Json -Depth 10 -Compress))
    $ms = [IO.MemoryStream]::new()
    $gz = [IO.Compression.GZipStream]::new($ms, [IO.Compression.CompressionLevel]::Optimal, $true)
    $gz.Write($json, 0, $json.Length); $gz.Dispose()
    $inner = [Convert]::ToBase64String($ms.ToArray())
    @{
        apiVersion = 'v1'; kind = 'Secret'; type = 'helm.sh/release.v1'
        metadata = @{ name = "sh.helm.release.v1.$Name.v1"; namespace = $Namespace
            labels = @{ owner = 'helm'; name = $Name; status = 'deployed'; version = '1'; createdAt = '1714557600' } }
        data = @{ release = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($inner)) }
    }
}

function New-GatewaySeedFile {
    <#
    Writes a seed file (JSON): the ks34-host cluster plus $Count project gateways kubesphere-router-bench-NNNN, each as
    the two helm releases a 3.4 gateway has (G: chart gateway 0.1.0; G-ingress: ingress-nginx 4.2.5 with a Deployment
    and Service in its manifest), i.e. 2 × $Count release Secrets in kubesphere-controls-system.
    #>
    param([Parameter(Mandatory)] [string] $Path, [int] $Count = 500)
    $ns = 'kubesphere-controls-system'
    $objects = [Collections.Generic.List[object]]::new()
    for ($i = 1; $i -le $Count; $i++) {
        $gw = 'kubesphere-router-bench-{0:D4}' -f $i
        $scope = @{ enabled = $true; namespace = ('bench-{0:D4}' -f $i) }
        $nginx = "---`n# Source: gateway/templates/nginx.yaml`napiVersion: gateway.kubesphere.io/v1alpha1`nkind: Nginx`nmetadata:`n  name: $gw-ingress`n  namespace: $ns`nspec:`n  fullnameOverride: $gw`n  controller:`n    ingressClass: nginx`n"
        $objects.Add((ConvertTo-HelmReleaseSecret -Name $gw -Namespace $ns -Chart 'gateway' -ChartVersion '0.1.0' -AppVersion '1.16.0' -Manifest $nginx -Config @{ controller = @{ replicas = 1; scope = $scope } }))
        $controller = "---`n# Source: ingress-nginx/templates/controller-deployment.yaml`napiVersion: apps/v1`nkind: Deployment`nmetadata:`n  name: $gw`n  namespace: $ns`nspec:`n  replicas: 1`n  template:`n    spec:`n      containers:`n      - name: controller`n        image: kubesphere/nginx-ingress-controller:v1.3.1`n        args: [/nginx-ingress-controller, --election-id=ingress-controller-leader-$gw, --ingress-class=nginx]`n---`n# Source: ingress-nginx/templates/controller-service.yaml`napiVersion: v1`nkind: Service`nmetadata:`n  name: $gw`n  namespace: $ns`nspec:`n  type: NodePort`n  ports: [{name: http, port: 80}, {name: https, port: 443}]`n"
        $objects.Add((ConvertTo-HelmReleaseSecret -Name "$gw-ingress" -Namespace $ns -Chart 'ingress-nginx' -ChartVersion '4.2.5' -AppVersion '1.3.1' -Manifest $controller -Config @{ fullnameOverride = $gw; controller = @{ scope = $scope } }))
    }
    @{ clusters = @(@{ name = 'host'; base = 'ks34-host'; objects = $objects }) } | ConvertTo-Json -Depth 12 -Compress | Set-Content -Path $Path -Encoding utf8NoBOM
    $Path
}

Export-ModuleMember -Function Get-VmHwmKb, Invoke-BackupInCleanPwsh, Measure-BackupBaseline, New-GatewaySeedFile
