using ArchUnitNET.Domain;
using ArchUnitNET.Fluent;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using Assembly = System.Reflection.Assembly;
using ArchModel = ArchUnitNET.Domain.Architecture;

namespace KsUpgrade.Tests.Architecture;

/// <summary>
/// The rules of README.md's Architecture section, as tests. Each rule is written once, as a function of what it is
/// applied to, and checked twice: over the product (it must hold) and over a fixture in
/// <c>Architecture/Fixtures</c> that breaks it on purpose (it must fail: a rule that cannot fail proves nothing).
/// </summary>
public class ArchitectureTests
{
    private const string Fixtures = "KsUpgrade.Tests.Architecture.Fixtures";

    private static readonly Assembly Model = typeof(KsCluster).Assembly;
    private static readonly Assembly Engine = typeof(KsUpgrade.Engine.Upgrade.ClusterUpgrade).Assembly;
    private static readonly Assembly Sandbox = typeof(KsUpgrade.Sandbox.Hosting.SandboxHost).Assembly;
    private static readonly Assembly Tests = typeof(ArchitectureTests).Assembly;

    /// <summary>The cmdlet assembly, read from its own build output (it is not loaded: it needs PowerShell).</summary>
    private static string CmdletAssemblyPath()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0/
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KsUpgrade.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var path = Path.Combine(dir!.FullName, "src", "KsUpgrade", "bin", configuration, "net8.0", "KsUpgrade.dll");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution first.");
        return path;
    }

    private static readonly Lazy<ArchModel> Product = new(() =>
    {
        var cmdlets = CmdletAssemblyPath();
        return new ArchLoader()
            .LoadAssemblies(Model, Engine, Sandbox)
            .LoadFilteredDirectory(Path.GetDirectoryName(cmdlets)!, Path.GetFileName(cmdlets), SearchOption.TopDirectoryOnly)
            .Build();
    });

    private static readonly Lazy<ArchModel> FixtureArchitecture = new(() =>
        new ArchLoader().LoadNamespacesWithinAssembly(Tests, Fixtures, "System.Management.Automation.ArchitectureFixture").Build());

    /// <summary>The types of one product assembly, by its simple name (never empty: a rule over nothing proves nothing).</summary>
    private static List<IType> InAssembly(string name)
    {
        var types = Product.Value.Types.Where(t => t.Assembly.FullName.Split(',')[0] == name).ToList<IType>();
        Assert.True(types.Count > 10, $"{types.Count} types found in assembly {name}");
        return types;
    }

    // ---- the rules --------------------------------------------------------------------------------------------------

    /// <summary>
    /// The cycles between the namespaces just below <paramref name="root"/>, one line per cycle naming a type dependency
    /// for each edge; a sub-namespace counts as its parent's (Upgrade.Steps is Upgrade). ArchUnitNET's slice rule would
    /// make every sub-namespace a slice of its own, and a namespace and its sub-namespaces may use each other.
    /// </summary>
    internal static List<string> NamespaceCycles(ArchModel architecture, string root)
    {
        string? SliceOf(IType t)
        {
            var ns = t.Namespace.FullName;
            return ns.StartsWith(root + ".", StringComparison.Ordinal) ? ns[(root.Length + 1)..].Split('.')[0] : null;
        }
        var edges = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in architecture.Types)
        {
            if (SliceOf(type) is not { } from) continue;
            if (!edges.TryGetValue(from, out var targets)) edges[from] = targets = new(StringComparer.Ordinal);
            foreach (var dependency in type.Dependencies)
                if (SliceOf(dependency.Target) is { } to && to != from)
                    targets.TryAdd(to, $"{type.FullName} -> {dependency.Target.FullName}");
        }
        // Tarjan's strongly connected components: every component of more than one namespace holds a cycle.
        var index = new Dictionary<string, int>(); var low = new Dictionary<string, int>();
        var stack = new Stack<string>(); var onStack = new HashSet<string>(); var cycles = new List<string>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v); onStack.Add(v);
            foreach (var w in edges.TryGetValue(v, out var t) ? t.Keys : Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new SortedSet<string>(StringComparer.Ordinal);
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            if (component.Count < 2) return;
            var inside = component.SelectMany(a => edges[a].Where(e => component.Contains(e.Key)).Select(e => $"  {a} -> {e.Key}: {e.Value}"));
            cycles.Add($"cycle between {string.Join(", ", component)}:\n{string.Join("\n", inside)}");
        }
        foreach (var v in edges.Keys.ToList()) if (!index.ContainsKey(v)) Visit(v);
        return cycles;
    }

    /// <summary>Nothing in <paramref name="subject"/> uses a type of System.Management.Automation (PowerShell).</summary>
    internal static IArchRule NoPowerShell(IObjectProvider<IType> subject) =>
        Types().That().Are(subject).Should().NotDependOnAnyTypesThat().ResideInNamespaceOrBelow("System.Management.Automation");

    /// <summary>Nothing in <paramref name="subject"/> uses a type of the sandbox.</summary>
    internal static IArchRule NoSandbox(IObjectProvider<IType> subject) =>
        Types().That().Are(subject).Should().NotDependOnAnyTypesThat().ResideInNamespaceOrBelow("KsUpgrade.Sandbox");

    /// <summary><paramref name="subject"/> reaches the engine only through its public types.</summary>
    internal static IArchRule EngineOnlyThroughPublicTypes(IObjectProvider<IType> subject) =>
        Types().That().Are(subject).Should().NotDependOnAny(Types().That().ResideInAssembly(Engine).And().AreNotPublic());

    /// <summary>The raw KubernetesClient types: only the access layer may hold them (one retry policy, one error mapping).</summary>
    internal static readonly string[] RawClient = { "k8s.IKubernetes", "k8s.Kubernetes" };

    /// <summary>
    /// Every dependency of a type of <paramref name="subject"/> outside <paramref name="accessLayer"/> (and below) on a raw
    /// KubernetesClient type, one line each ("type -> k8s.IKubernetes").
    /// </summary>
    internal static List<string> RawClientUsers(IEnumerable<IType> subject, string accessLayer) =>
        subject
            .Where(t => t.Namespace.FullName != accessLayer && !t.Namespace.FullName.StartsWith(accessLayer + ".", StringComparison.Ordinal))
            .SelectMany(t => t.Dependencies.Where(d => RawClient.Contains(d.Target.FullName)).Select(d => $"{t.FullName} -> {d.Target.FullName}"))
            .Distinct().OrderBy(x => x, StringComparer.Ordinal).ToList();

    // ---- over the product -------------------------------------------------------------------------------------------

    [Fact]
    public void The_engine_namespaces_have_no_cycles()
    {
        Assert.True(Product.Value.Types.Count(t => t.Namespace.FullName.StartsWith("KsUpgrade.Engine.", StringComparison.Ordinal)) > 100);
        var cycles = NamespaceCycles(Product.Value, "KsUpgrade.Engine");
        Assert.True(cycles.Count == 0, string.Join("\n", cycles));
    }

    [Fact]
    public void The_engine_and_the_model_never_use_PowerShell()
    {
        NoPowerShell(Types().That().ResideInAssembly(Engine)).Check(Product.Value);
        NoPowerShell(Types().That().ResideInAssembly(Model)).Check(Product.Value);
        foreach (var a in new[] { Engine, Model })
            Assert.DoesNotContain(a.GetReferencedAssemblies(), r => r.Name!.StartsWith("System.Management.Automation", StringComparison.Ordinal));
    }

    [Fact]
    public void The_cmdlets_reach_the_engine_only_through_its_public_types() =>
        EngineOnlyThroughPublicTypes(Types().That().Are(InAssembly("KsUpgrade"))).Check(Product.Value);

    [Fact]
    public void No_product_assembly_references_the_sandbox()
    {
        var product = new[] { "KsUpgrade.Model", "KsUpgrade.Engine", "KsUpgrade" }.SelectMany(InAssembly).ToList();
        NoSandbox(Types().That().Are(product)).Check(Product.Value);
        foreach (var a in new[] { Engine, Model })
            Assert.DoesNotContain(a.GetReferencedAssemblies(), r => r.Name == "KsUpgrade.Sandbox");
    }

    [Fact]
    public void Only_the_Kube_access_layer_holds_a_KubernetesClient()
    {
        var product = new[] { "KsUpgrade.Model", "KsUpgrade.Engine", "KsUpgrade" }.SelectMany(InAssembly).ToList();
        // the rule sees the dependency where it is allowed (else it could never fail)
        Assert.Contains(product.Single(t => t.FullName == "KsUpgrade.Engine.Kube.KubeApi").Dependencies, d => d.Target.FullName == "k8s.IKubernetes");
        var users = RawClientUsers(product, "KsUpgrade.Engine.Kube");
        Assert.True(users.Count == 0, "Reach the cluster through KsUpgrade.Engine.Kube.IKubeApi instead:\n" + string.Join("\n", users));
    }

    // ---- each rule fails on a fixture that breaks it ----------------------------------------------------------------

    [Fact]
    public void The_access_layer_rule_fails_on_a_type_that_holds_a_KubernetesClient()
    {
        var fixtures = FixtureArchitecture.Value.Types.Where(t => t.Namespace.FullName.StartsWith(Fixtures + ".Client", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { Fixtures + ".Client.Elsewhere.Reader -> k8s.IKubernetes" }, RawClientUsers(fixtures, Fixtures + ".Client.Access"));
        Assert.Empty(RawClientUsers(fixtures.Where(t => !t.FullName.Contains(".Elsewhere.", StringComparison.Ordinal)), Fixtures + ".Client.Access"));
    }

    [Fact]
    public void The_cycle_rule_fails_on_a_cycle_and_passes_without_one()
    {
        var cycles = NamespaceCycles(FixtureArchitecture.Value, Fixtures + ".Cyclic");
        Assert.Equal("cycle between Billing, Orders:", Assert.Single(cycles).Split('\n')[0]);
        Assert.Contains("Orders -> Billing: " + Fixtures + ".Cyclic.Orders.Shipping.Parcel -> " + Fixtures + ".Cyclic.Billing.Invoice", cycles[0]);
        Assert.Empty(NamespaceCycles(FixtureArchitecture.Value, Fixtures + ".Acyclic"));
    }

    [Fact]
    public void The_PowerShell_rule_fails_on_a_type_that_uses_PowerShell()
    {
        Assert.False(NoPowerShell(Types().That().ResideInNamespace(Fixtures + ".UsesPowerShell")).HasNoViolations(FixtureArchitecture.Value));
        Assert.True(NoPowerShell(Types().That().ResideInNamespace(Fixtures + ".Acyclic.Orders")).HasNoViolations(FixtureArchitecture.Value));
    }

    [Fact]
    public void The_sandbox_rule_fails_on_a_type_that_uses_the_sandbox()
    {
        var architecture = new ArchLoader().LoadNamespacesWithinAssembly(Tests, Fixtures).LoadAssemblies(Sandbox).Build();
        Assert.False(NoSandbox(Types().That().ResideInNamespace(Fixtures + ".UsesSandbox")).HasNoViolations(architecture));
        Assert.True(NoSandbox(Types().That().ResideInNamespace(Fixtures + ".Acyclic.Orders")).HasNoViolations(architecture));
    }

    [Fact]
    public void The_entry_point_rule_fails_on_a_type_that_uses_an_engine_internal()
    {
        var architecture = new ArchLoader().LoadNamespacesWithinAssembly(Tests, Fixtures).LoadAssemblies(Engine).Build();
        Assert.False(EngineOnlyThroughPublicTypes(Types().That().ResideInNamespace(Fixtures + ".UsesEngineInternals")).HasNoViolations(architecture));
        Assert.True(EngineOnlyThroughPublicTypes(Types().That().ResideInNamespace(Fixtures + ".Acyclic.Orders")).HasNoViolations(architecture));
    }
}
