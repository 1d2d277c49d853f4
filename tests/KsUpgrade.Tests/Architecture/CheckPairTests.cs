using System.Reflection;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Checks.PostUpgrade;
using KsUpgrade.Engine.Checks.Preflight;

namespace KsUpgrade.Tests.Architecture;

/// <summary>
/// The checks that ask one question at two moments (docs/checks.md keeps both Ids) have one body: each pair derives
/// from the shared base and only judges; none reads the cluster on its own.
/// </summary>
public class CheckPairTests
{
    public static TheoryData<Type, Type, Type> Pairs => new()
    {
        { typeof(SystemPodsCheck), typeof(SystemPodsHealthyCheck), typeof(SystemPodsRunningCheck) },
        { typeof(MemberClustersCheck), typeof(MembersReadyCheck), typeof(MembersSchedulableCheck) },
        { typeof(ServerVersionCheck), typeof(KubernetesVersionCheck), typeof(KubernetesVersionSupportedCheck) },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Both_checks_of_a_pair_run_the_one_shared_body(Type body, Type before, Type after)
    {
        foreach (var check in new[] { before, after })
        {
            Assert.Equal(body, check.BaseType);
            Assert.Null(check.GetMethod(nameof(ClusterCheck.RunAsync), BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly));
        }
        var ids = new[] { before, after }.Select(t => ((IClusterCheck)Activator.CreateInstance(t)!).Id).ToList();
        Assert.Equal(2, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Contains(CheckCatalog.All, c => c.Id == id));
    }
}
