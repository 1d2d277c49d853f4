// Types that break each architecture rule on purpose: ArchitectureTests checks every rule over them and expects it to fail,
// so a rule that cannot fail (a pattern that matches nothing, a selection that is empty) is caught. Nothing uses them.

namespace KsUpgrade.Tests.Architecture.Fixtures.Cyclic.Orders
{
    internal sealed class Order { public Shipping.Parcel? Parcel { get; set; } }
}

namespace KsUpgrade.Tests.Architecture.Fixtures.Cyclic.Billing
{
    internal sealed class Invoice { public Orders.Order? Order { get; set; } }
}

namespace KsUpgrade.Tests.Architecture.Fixtures.Acyclic.Orders
{
    internal sealed class Order { public Billing.Invoice? Invoice { get; set; } }
}

namespace KsUpgrade.Tests.Architecture.Fixtures.Acyclic.Billing
{
    internal sealed class Invoice { public string? Number { get; set; } }
}

namespace System.Management.Automation.ArchitectureFixture
{
    /// <summary>Stands for a PowerShell type (the test project does not reference PowerShell).</summary>
    internal sealed class FakePSObject { }
}

namespace KsUpgrade.Tests.Architecture.Fixtures.UsesPowerShell
{
    internal static class Writer { public static object Wrap() => new System.Management.Automation.ArchitectureFixture.FakePSObject(); }
}

namespace KsUpgrade.Tests.Architecture.Fixtures.UsesSandbox
{
    internal static class Starter { public static string Name() => typeof(KsUpgrade.Sandbox.Hosting.SandboxHost).FullName!; }
}

namespace KsUpgrade.Tests.Architecture.Fixtures.UsesEngineInternals
{
    internal static class Caller { public static string Name() => typeof(KsUpgrade.Engine.Gateways.IngressSnapshot).FullName!; }
}

namespace KsUpgrade.Tests.Architecture.Fixtures.Cyclic.Orders.Shipping
{
    /// <summary>A sub-namespace's dependency is its parent's: Orders -> Billing through Orders.Shipping.</summary>
    internal sealed class Parcel { public Billing.Invoice? Invoice { get; set; } }
}

namespace KsUpgrade.Tests.Architecture.Fixtures.Client.Access
{
    /// <summary>The access layer: it may hold the raw client.</summary>
    internal sealed class Api { public k8s.IKubernetes? Client { get; set; } }
}

namespace KsUpgrade.Tests.Architecture.Fixtures.Client.Elsewhere
{
    /// <summary>Holds the raw client outside the access layer: the rule must name it.</summary>
    internal sealed class Reader { public k8s.IKubernetes? Client { get; set; } }
}
