namespace KsUpgrade;

/// <summary>The outcome of Undo-KsUpgrade on one cluster.</summary>
public sealed class KsUndoResult
{
    /// <summary>The kubeconfig context of the cluster.</summary>
    public string Cluster { get; init; } = "";
    /// <summary>The backup the cluster was restored from.</summary>
    public string? BackupPath { get; init; }
    /// <summary>The ks-core revision helm rolled back to (null when the upgrade never reached helm upgrade).</summary>
    public int? HelmRevision { get; set; }
    /// <summary>The KubeSphere version the backup was taken of.</summary>
    public string? ToVersion { get; init; }
    /// <summary>Undo's steps (Preflight, HelmRollback, RestoreCrds, RestoreObjects, RestoreWebhooks, Finish).</summary>
    public KsUpgradeStep[] Steps { get; init; } = Array.Empty<KsUpgradeStep>();
    /// <summary>The plan: one line per object re-created, restored or deleted, the helm rollback and the CRD versions restored.</summary>
    public string[] Plan { get; init; } = Array.Empty<string>();
    /// <summary>What Undo cannot give back, each with the reason (PV data, images).</summary>
    public string[] NotRestored { get; init; } = Array.Empty<string>();
    /// <summary>True when every step succeeded or had nothing to do.</summary>
    public bool Succeeded { get; set; }

    public override string ToString() => $"{Cluster} undo to {ToVersion}: {(Succeeded ? "succeeded" : "not completed")}";
}
