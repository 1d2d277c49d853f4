using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>
/// IAM and tenancy: users, global roles and bindings (the role-templates ks-installer applies), workspaces and their
/// templates, workspace roles and bindings, groups, user namespaces (projects) with their roles and an app each.
/// </summary>
public static class TenantPart
{
    private const string Iam = "iam.kubesphere.io/v1alpha2";
    private const string Tenant1 = "tenant.kubesphere.io/v1alpha1";
    private const string Tenant2 = "tenant.kubesphere.io/v1alpha2";

    public static readonly string[] BuiltinGlobalRoles =
        { "anonymous", "authenticated", "platform-admin", "platform-regular", "platform-self-provisioner", "pre-registration" };

    public static readonly string[] BuiltinGlobalRoleBindings = { "admin", "anonymous", "authenticated", "pre-registration" };

    public static void Add(SeedContext ctx)
    {
        var p = ctx.Profile;
        AddUsers(ctx);
        AddGlobalRoles(ctx);

        var workspaces = p.Workspaces.ToList();
        var baseCount = workspaces.Sum(w => w.Namespaces.Count);
        if (p.Namespaces is int wanted)
        {
            // Trim or grow the user namespaces to exactly the asked count (10 namespaces per generated workspace).
            if (wanted < baseCount)
            {
                var left = wanted;
                workspaces = workspaces.Select(w =>
                {
                    var take = Math.Min(left, w.Namespaces.Count);
                    left -= take;
                    return w with { Namespaces = w.Namespaces.Take(take).ToList() };
                }).ToList();
            }
            else
            {
                for (var i = 0; i < wanted - baseCount; i += 10)
                {
                    var ws = $"scale-ws-{i / 10 + 1:D4}";
                    var names = Enumerable.Range(i, Math.Min(10, wanted - baseCount - i)).Select(n => $"scale-project-{n + 1:D5}").ToList();
                    workspaces.Add(new WorkspaceSpec(ws, names));
                }
            }
        }

        AddWorkspace(ctx, SystemPart.SystemWorkspace, Array.Empty<string>(), system: true);
        foreach (var ws in workspaces) AddWorkspace(ctx, ws.Name, ws.Namespaces, system: false);

        if (p.RbacObjects is int rbac) AddScaledRbac(ctx, rbac, workspaces);
    }

    private static JsonObject Cr(string apiVersion, string kind, string name, JsonObject? labels = null, JsonObject? annotations = null)
    {
        annotations ??= new JsonObject();
        annotations["kubesphere.io/creator"] ??= "admin";
        return K8s.Object(apiVersion, kind, name, null, labels, annotations, uidKey: $"{kind}/{name}");
    }

    private static JsonObject User(string name, string email, string globalRole, string state = "Active")
    {
        var u = Cr(Iam, "User", name, null, Json.Strings(("iam.kubesphere.io/globalrole", globalRole), ("iam.kubesphere.io/password-encrypted", "true")));
        u["spec"] = new JsonObject { ["email"] = email, ["lang"] = "en", ["password"] = "$2a$10$" + SeedIds.Hex("pw/" + name, 53) };
        u["status"] = new JsonObject { ["state"] = state, ["lastLoginTime"] = SeedIds.Time(60), ["lastTransitionTime"] = SeedIds.Time(10) };
        return u;
    }

    private static void AddUsers(SeedContext ctx)
    {
        var admin = User("admin", "admin@kubesphere.io", "platform-admin");
        K8s.HelmManaged(admin, "ks-core", KubeSpherePart.Ns);
        admin.Annotations()["helm.sh/resource-policy"] = "keep";
        ctx.Add(admin);
        ctx.Add(User("alice", "alice@example.com", "platform-regular"));
        ctx.Add(User("bob", "bob@example.com", "platform-regular"));
        var ldap = User("carol", "carol@example.com", "platform-regular");
        ldap.Labels()["iam.kubesphere.io/identify-provider"] = "ldap";
        ldap.Labels()["iam.kubesphere.io/origin-uid"] = "carol";
        ctx.Add(ldap);
        foreach (var u in new[] { "alice", "bob", "carol" })
        {
            var rec = Cr(Iam, "LoginRecord", $"{u}-{SeedIds.Suffix("login/" + u, 5)}", Json.Strings(("kubesphere.io/user-ref", u)));
            rec["spec"] = new JsonObject { ["type"] = "Token", ["provider"] = "", ["success"] = true, ["sourceIP"] = "10.10.0.1", ["userAgent"] = "Mozilla/5.0", ["reason"] = "" };
            ctx.Add(rec);
        }
    }

    private static JsonObject Rule(string[] groups, string[] resources, string[] verbs) => new()
    {
        ["apiGroups"] = Json.StringArray(groups), ["resources"] = Json.StringArray(resources), ["verbs"] = Json.StringArray(verbs),
    };

    private static void AddGlobalRoles(SeedContext ctx)
    {
        foreach (var name in BuiltinGlobalRoles)
        {
            var gr = Cr(Iam, "GlobalRole", name, null, Json.Strings(("kubesphere.io/description", $"Built-in role {name}")));
            gr["rules"] = name == "platform-admin"
                ? Json.Array(Rule(new[] { "*" }, new[] { "*" }, new[] { "*" }))
                : Json.Array(Rule(new[] { "iam.kubesphere.io" }, new[] { "users" }, new[] { "get", "list" }));
            ctx.Add(gr);
        }
        foreach (var tpl in new[] { "role-template-view-clusters", "role-template-manage-users" })
        {
            var gr = Cr(Iam, "GlobalRole", tpl, Json.Strings(("iam.kubesphere.io/role-template", "true"), ("kubesphere.io/scope", "global")));
            gr["rules"] = Json.Array(Rule(new[] { "cluster.kubesphere.io" }, new[] { "clusters" }, new[] { "get", "list", "watch" }));
            ctx.Add(gr);
        }
        foreach (var name in BuiltinGlobalRoleBindings)
            ctx.Add(GlobalRoleBinding(name, name == "admin" ? "platform-admin" : name, name == "admin" ? "User" : "Group",
                name == "admin" ? "admin" : name == "pre-registration" ? "pre-registration" : $"system:{name}"));
        foreach (var u in new[] { "alice", "bob", "carol" })
            ctx.Add(GlobalRoleBinding($"{u}-platform-regular", "platform-regular", "User", u));
    }

    private static JsonObject GlobalRoleBinding(string name, string role, string subjectKind, string subject)
    {
        var labels = subjectKind == "User" ? Json.Strings(("iam.kubesphere.io/user-ref", subject)) : null;
        var b = Cr(Iam, "GlobalRoleBinding", name, labels);
        b["roleRef"] = new JsonObject { ["apiGroup"] = "iam.kubesphere.io", ["kind"] = "GlobalRole", ["name"] = role };
        b["subjects"] = Json.Array(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = subjectKind, ["name"] = subject });
        return b;
    }

    private static void AddWorkspace(SeedContext ctx, string ws, IReadOnlyList<string> namespaces, bool system)
    {
        var p = ctx.Profile;
        var tpl = Cr(Tenant2, "WorkspaceTemplate", ws, Json.Strings(("kubefed.io/managed", p.IsHost ? "true" : "false")));
        var clusters = p.IsHost ? new[] { p.ClusterName }.Concat(p.Members) : new[] { p.ClusterName };
        tpl["spec"] = new JsonObject
        {
            ["template"] = new JsonObject { ["spec"] = new JsonObject { ["manager"] = "admin", ["networkIsolation"] = ws == "demo-ws" } },
            ["placement"] = system ? new JsonObject() : new JsonObject { ["clusters"] = Json.Array(clusters.Select(c => (JsonNode?)new JsonObject { ["name"] = c })) },
        };
        ctx.Add(tpl);
        var w = Cr(Tenant1, "Workspace", ws, Json.Strings(("kubefed.io/managed", "false")));
        w["metadata"]!["uid"] = SeedIds.Uid("ws/" + ws);
        w["spec"] = new JsonObject { ["manager"] = "admin", ["networkIsolation"] = ws == "demo-ws" };
        K8s.AddOwner(w, tpl);
        ctx.WorkspaceObjects[ws] = w;
        ctx.Add(w);

        foreach (var role in new[] { "admin", "regular", "viewer", "self-provisioner" })
        {
            var wr = Cr(Iam, "WorkspaceRole", $"{ws}-{role}", Json.Strings(("kubesphere.io/workspace", ws)),
                Json.Strings(("kubesphere.io/alias-name", role)));
            wr["rules"] = Json.Array(Rule(new[] { "*" }, new[] { "*" }, role == "admin" ? new[] { "*" } : new[] { "get", "list", "watch" }));
            ctx.Add(wr);
        }
        ctx.Add(WorkspaceRoleBinding(ws, "admin", "admin"));
        if (system) return;

        ctx.Add(WorkspaceRoleBinding(ws, "alice", "regular"));
        var group = Cr(Iam, "Group", $"{ws}-developers", Json.Strings(("kubesphere.io/workspace", ws)),
            Json.Strings(("kubesphere.io/alias-name", "developers")));
        group["spec"] = new JsonObject();
        ctx.Add(group);
        var gb = Cr(Iam, "GroupBinding", $"{ws}-developers-bob", Json.Strings(("iam.kubesphere.io/group-ref", $"{ws}-developers"), ("iam.kubesphere.io/user-ref", "bob")));
        gb["groupRef"] = new JsonObject { ["apiGroup"] = "iam.kubesphere.io", ["kind"] = "Group", ["name"] = $"{ws}-developers" };
        gb["users"] = Json.Array("bob");
        ctx.Add(gb);

        foreach (var ns in namespaces) AddProject(ctx, ws, ns);
    }

    private static JsonObject WorkspaceRoleBinding(string ws, string user, string role)
    {
        var b = Cr(Iam, "WorkspaceRoleBinding", $"{user}-{ws}-{role}",
            Json.Strings(("iam.kubesphere.io/user-ref", user), ("kubesphere.io/workspace", ws)));
        b["roleRef"] = new JsonObject { ["apiGroup"] = "iam.kubesphere.io", ["kind"] = "WorkspaceRole", ["name"] = $"{ws}-{role}" };
        b["subjects"] = Json.Array(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "User", ["name"] = user });
        return b;
    }

    private static void AddProject(SeedContext ctx, string ws, string ns)
    {
        ctx.UserNamespaces[ns] = ws;
        ctx.Add(SystemPart.WorkspaceNamespace(ns, ws, system: false));
        foreach (var role in new[] { "admin", "operator", "viewer" })
        {
            var r = K8s.Object("rbac.authorization.k8s.io/v1", "Role", role, ns, null,
                Json.Strings(("kubesphere.io/creator", "admin"), ("kubesphere.io/alias-name", role)));
            r["rules"] = Json.Array(Rule(new[] { "*" }, new[] { "*" }, role == "admin" ? new[] { "*" } : new[] { "get", "list", "watch" }));
            ctx.Add(r);
        }
        ctx.Add(RoleBinding(ns, "admin-admin", "admin", "admin"));
        var app = ns.StartsWith("scale-") ? "web" : ns.Split('-')[^1] == "project" ? "productpage" : ns.Split('-')[^1];
        var labels = Json.Strings(("app", app), ("version", "v1"));
        var spec = K8s.PodSpec(new[] { K8s.Container(app, $"nginx:1.25-alpine", port: 80) });
        // Pods are added later by the pod-filling part (PodsPerNode); replicas follow.
        var set = Workloads.Deployment(ns, app, spec, Array.Empty<NodeRef>(), (_, _) => 0, labels, selectorLabels: Json.Strings(("app", app)));
        ctx.UserApps.Add(set);
        ctx.Add(K8s.Service(ns, app, Json.Strings(("app", app)), new[] { ("http-80", 80, 80, (int?)null) }, labels: (JsonObject)labels.DeepClone()));
        ctx.Add(K8s.ConfigMap(ns, $"{app}-config", new JsonObject { ["APP_MODE"] = "production" }));
    }

    private static JsonObject RoleBinding(string ns, string name, string role, string user)
    {
        var b = K8s.Object("rbac.authorization.k8s.io/v1", "RoleBinding", name, ns, Json.Strings(("iam.kubesphere.io/user-ref", user)));
        b["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Role", ["name"] = role };
        b["subjects"] = Json.Array(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "User", ["name"] = user });
        return b;
    }

    /// <summary>Adds exactly <paramref name="count"/> objects: users, then their global, workspace and namespace role bindings, in rotation.</summary>
    private static void AddScaledRbac(SeedContext ctx, int count, IReadOnlyList<WorkspaceSpec> workspaces)
    {
        var userWs = workspaces.Where(w => w.Namespaces.Count > 0).ToList();
        var added = 0;
        for (var i = 1; added < count; i++)
        {
            var user = $"scale-user-{i:D5}";
            ctx.Add(User(user, $"{user}@example.com", "platform-regular"));
            if (++added == count) break;
            ctx.Add(GlobalRoleBinding($"{user}-platform-regular", "platform-regular", "User", user));
            if (++added == count) break;
            if (userWs.Count == 0) continue;
            var ws = userWs[i % userWs.Count];
            ctx.Add(WorkspaceRoleBinding(ws.Name, user, "viewer"));
            if (++added == count) break;
            ctx.Add(RoleBinding(ws.Namespaces[i % ws.Namespaces.Count], $"{user}-viewer", "viewer", user));
            ++added;
        }
    }
}
