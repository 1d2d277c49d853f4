namespace KsUpgrade.Engine.Connection;

/// <summary>Opens connections to clusters. (Being written: see issue 2.)</summary>
public static class ClusterConnector
{
}
