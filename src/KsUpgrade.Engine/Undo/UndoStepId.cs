namespace KsUpgrade.Engine.Undo;

/// <summary>Undo-KsUpgrade's steps, in the order they run (their text is what Undo's journal and KsUpgradeStep.Name show).</summary>
public enum UndoStepId
{
    /// <summary>Read-only: the journal, the backup (verified), the members, the plan.</summary>
    Preflight,
    /// <summary>For a member: its Schedulable condition put back on the host (unless still there), before anything else changes.</summary>
    TaintMemberOnHost,
    /// <summary>helm rollback of ks-core to the revision deployed before the upgrade.</summary>
    HelmRollback,
    /// <summary>The KubeSphere CRDs back to their backed-up definitions; the CRDs the upgrade added removed.</summary>
    RestoreCrds,
    /// <summary>The backed-up objects re-created or restored; the objects the upgrade created removed.</summary>
    RestoreObjects,
    /// <summary>KubeSphere's webhook configurations as they were.</summary>
    RestoreWebhooks,
    /// <summary>The upgrade journal and Undo's own journal removed: the cluster is a 3.4 cluster that can be upgraded again.</summary>
    Finish,
}
