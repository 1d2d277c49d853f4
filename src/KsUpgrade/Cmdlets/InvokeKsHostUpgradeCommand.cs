using System.Management.Automation;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Upgrades a KubeSphere 3.4 host cluster to 4.1.3: pre-flight, backup, the upgrade.sh steps, the prepare job,
/// CRDs, helm upgrade of ks-core, post-checks. Journaled in the cluster, resumable, previewable with -WhatIf.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "KsHostUpgrade", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsUpgradeResult))]
public sealed class InvokeKsHostUpgradeCommand : KsUpgradeCmdletBase
{
    protected override KsClusterRole Role => KsClusterRole.Host;
}
