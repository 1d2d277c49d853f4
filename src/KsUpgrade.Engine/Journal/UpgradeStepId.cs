namespace KsUpgrade.Engine.Journal;

/// <summary>
/// The upgrade's steps, in the order they run. A step is named by this value everywhere in the engine (the step
/// classes, the journal, the checks that read the journal); its text (<c>ToString()</c>) is what the journal and
/// <c>KsUpgradeStep.Name</c> show, so a value is never renamed.
/// </summary>
public enum UpgradeStepId
{
    Preflight,
    Backup,
    StopInstaller,
    EtcdEndpoints,
    RemoveOldRedis,
    RedisFlags,
    PrepareJob,
    ApplyCrds,
    HelmUpgrade,
    PostCheck,
}
