# Shared helpers for the Pester suites.

function Get-KsModulePath {
    if ($env:KSUPGRADE_MODULE) { return $env:KSUPGRADE_MODULE }
    Join-Path $PSScriptRoot '../../out/KsUpgrade/KsUpgrade.psd1'
}

function Get-KsSandboxModulePath {
    <# The sandbox module (KsUpgrade.Sandbox: Start-, Stop-, Get-KsSandbox), laid out beside the product module. #>
    if ($env:KSUPGRADE_SANDBOX_MODULE) { return $env:KSUPGRADE_SANDBOX_MODULE }
    Join-Path (Split-Path (Split-Path (Get-KsModulePath))) 'KsUpgrade.Sandbox/KsUpgrade.Sandbox.psd1'
}

# Every Pester file imports this module first, then the product module: make the sandbox cmdlets available to it
# (imported globally, once), and to the clean pwsh processes the tests start (by module auto-loading: the folder
# holding the built modules goes first on PSModulePath).
& {
    $sandboxModule = Get-KsSandboxModulePath
    $modulesFolder = Split-Path (Split-Path $sandboxModule)
    if ((Test-Path $modulesFolder) -and ($env:PSModulePath -split [IO.Path]::PathSeparator) -notcontains $modulesFolder) {
        $env:PSModulePath = $modulesFolder + [IO.Path]::PathSeparator + $env:PSModulePath
    }
    if (-not (Get-Module -Name KsUpgrade.Sandbox)) { Import-Module $sandboxModule -Global -ErrorAction Stop }
}

function Get-KsFixture {
    <# A path under tests/fixtures (the folder itself given no name): Get-KsFixture ks-core, Get-KsFixture ks-core-values.yaml. #>
    param([string] $Name)
    $fixtures = Join-Path (Split-Path $PSScriptRoot) 'fixtures'
    if ($Name) { Join-Path $fixtures $Name } else { $fixtures }
}

function New-KsTestDirectory {
    <# A new, empty folder of this test file's own under the temp folder (ksupgrade-<Name>-<guid>); the caller removes it. #>
    param([Parameter(Mandatory)] [string] $Name)
    $path = Join-Path ([IO.Path]::GetTempPath()) ("ksupgrade-$Name-" + [guid]::NewGuid())
    New-Item -ItemType Directory -Path $path | Out-Null
    $path
}

function Use-KsTestHelm {
    <# The module finds helm through KSUPGRADE_HELM: helm 3 from build.ps1 test's KSUPGRADE_HELM3 when it is set. #>
    if ($env:KSUPGRADE_HELM3) { $env:KSUPGRADE_HELM = $env:KSUPGRADE_HELM3 }
}

function Invoke-CleanPwsh {
    <# Runs a script in a new pwsh process (same pwsh as this one) and returns its stdout lines. #>
    param([Parameter(Mandatory)] [string] $Script)
    $self = [Environment]::ProcessPath
    [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
    $output = & $self @prefix -NoProfile -NonInteractive -Command $Script 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function New-TestKubeconfig {
    <# Writes a kubeconfig with one context pointing at $Server with a bearer token. #>
    param([string] $Path, [string] $Server, [string] $Token = 'not-a-real-token', [string] $Context = 'test', [switch] $Insecure)
    $cluster = if ($Insecure) { "    insecure-skip-tls-verify: true" } else { "    certificate-authority-data: ''" }
    @"
apiVersion: v1
kind: Config
clusters:
- name: $Context
  cluster:
    server: $Server
$cluster
users:
- name: $Context
  user:
    token: $Token
contexts:
- name: $Context
  context:
    cluster: $Context
    user: $Context
current-context: $Context
"@ | Set-Content -Path $Path
    $Path
}


function Invoke-SandboxControl {
    <# Calls the sandbox's control endpoint (fault plan, actions, state) with the token from its kubeconfig. #>
    param(
        [Parameter(Mandatory)] $Sandbox,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'GET',
        [hashtable] $Body,
        # the answer as the sandbox sent it (JSON text), not parsed
        [switch] $Raw
    )
    $token = (Select-String -Path $Sandbox.Kubeconfig -Pattern '^\s*token:\s*"?([^"\s]+)' | Select-Object -First 1).Matches[0].Groups[1].Value
    $uri = $Sandbox.ControlUrl.TrimEnd('/') + '/' + $Path.TrimStart('/')
    $params = @{ Uri = $uri; Method = $Method; Headers = @{ Authorization = "Bearer $token" }; SkipCertificateCheck = $true; ContentType = 'application/json' }
    if ($Body) { $params.Body = $Body | ConvertTo-Json -Depth 10 }
    if ($Raw) { return (Invoke-WebRequest @params).Content }
    Invoke-RestMethod @params
}

function Get-SandboxStateText {
    <#
    The whole state of one simulated cluster, as JSON text (for read-only comparisons), without what the running
    cluster writes on its own: the values StateNormaliser.Volatile declares (tests/KsUpgrade.Tests/Reliability/
    StateNormaliser.cs, the one declaration; mirrored here): Events left out, node Leases' renewTime and nodes'
    condition lastHeartbeatTime masked, with those objects' resourceVersions and the state's current resourceVersion.
    #>
    param([Parameter(Mandatory)] $Sandbox, [string] $Cluster = 'host')
    # The text is a function of the state, and the state, so masked, changes only with a write the sandbox counts
    # (GET /_sandbox/clusters/<name>/changes: every write but Events and the kubelets' pure heartbeats, exactly what is
    # masked here; StateChangesTests proves it). While that count is the one of last time (nothing was written since,
    # which is what most callers check), the text made last time is returned without reading the whole state again
    # (reading, ConvertFrom-Json and ConvertTo-Json of a whole cluster are most of the cost of a read-only check). The
    # count is read before the state: a write in between makes the next call read the state again.
    $changes = (Invoke-SandboxControl -Sandbox $Sandbox -Path "clusters/$Cluster/changes").changes
    $key = "$($Sandbox.Kubeconfig)|$($Sandbox.ControlUrl)|$Cluster"
    $last = $script:StateTexts[$key]
    if ($last -and $last.Changes -eq $changes) { return $last.Text }
    $raw = Invoke-SandboxControl -Sandbox $Sandbox -Path "clusters/$Cluster/state" -Raw
    $mask = '<written by the running cluster>'
    $state = $raw | ConvertFrom-Json
    $state.resourceVersion = $mask
    $state.objects = @($state.objects | Where-Object { -not ($_.kind -eq 'Event' -and $_.apiVersion -in 'v1', 'events.k8s.io/v1') })
    foreach ($o in $state.objects) {
        if ($o.kind -eq 'Lease' -and $o.apiVersion -eq 'coordination.k8s.io/v1' -and $o.metadata.namespace -eq 'kube-node-lease') {
            if ($o.spec.PSObject.Properties['renewTime']) { $o.spec.renewTime = $mask }
            $o.metadata.resourceVersion = $mask
        }
        elseif ($o.kind -eq 'Node' -and $o.apiVersion -eq 'v1') {
            foreach ($c in @($o.status.conditions)) { if ($c -and $c.PSObject.Properties['lastHeartbeatTime']) { $c.lastHeartbeatTime = $mask } }
            $o.metadata.resourceVersion = $mask
        }
    }
    $text = $state | ConvertTo-Json -Depth 50 -Compress
    $script:StateTexts[$key] = @{ Changes = $changes; Text = $text }
    $text
}

# Get-SandboxStateText's last answer per sandbox and cluster: the sandbox's count of writes then and the text.
$script:StateTexts = @{}

function Wait-SandboxSettled {
    <#
    The state text of one simulated cluster once its simulated controllers have nothing left to write (two reads
    2.5 s apart are equal; KubeSphere's cluster controller resyncs every second): the baseline for "nothing changed"
    right after an upgrade. Fails after 60 s.
    #>
    param([Parameter(Mandatory)] $Sandbox, [string] $Cluster = 'host')
    $deadline = (Get-Date).AddSeconds(60)
    $last = Get-SandboxStateText -Sandbox $Sandbox -Cluster $Cluster
    while ((Get-Date) -lt $deadline) {
        Start-Sleep -Milliseconds 2500
        $now = Get-SandboxStateText -Sandbox $Sandbox -Cluster $Cluster
        if ($now -eq $last) { return $now }
        $last = $now
    }
    throw "The sandbox cluster '$Cluster' kept changing for 60 s."
}

Export-ModuleMember -Function *
