namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>Short, plausible logs for simulated pods (our own wording, klog-style where the component uses klog).</summary>
public static class PodLogs
{
    private static string Klog(char level, double minutes, string file, string msg) =>
        $"{level}{Building.SeedIds.InstalledAt.AddMinutes(minutes):MMdd HH:mm:ss.ffffff}       1 {file}] {msg}";

    public static IEnumerable<string> Generic(string component) => new[]
    {
        Klog('I', 2, "main.go:52", $"starting {component}"),
        Klog('I', 2.1, "main.go:88", "configuration loaded"),
        Klog('I', 2.3, "server.go:131", $"{component} is ready"),
    };

    public static IEnumerable<string> KsApiserver(string version) => new[]
    {
        Klog('W', 2, "options.go:210", "ks-apiserver starts without redis provided, it will use in memory cache. This may cause inconsistencies when running ks-apiserver with multiple replicas."),
        Klog('I', 2.1, "apiserver.go:428", $"Start cache objects, version {version}"),
        Klog('I', 2.4, "apiserver.go:623", "Finished caching objects"),
        Klog('I', 2.5, "apiserver.go:246", "Start listening on :9090"),
    };

    public static IEnumerable<string> KsControllerManager() => new[]
    {
        Klog('I', 2, "server.go:211", "setting up manager"),
        Klog('I', 2.1, "leaderelection.go:248", "attempting to acquire leader lease kubesphere-system/ks-controller-manager-leader-election..."),
        Klog('I', 2.2, "leaderelection.go:258", "successfully acquired lease kubesphere-system/ks-controller-manager-leader-election"),
        Klog('I', 2.3, "controller.go:219", "Starting workers"),
    };

    public static IEnumerable<string> KsConsole() => new[]
    {
        "> kubesphere-console@3.4.1 serve /opt/kubesphere/console",
        "> NODE_ENV=production node server/server.js",
        "Dashboard app running at port 8000",
    };

    /// <summary>The ks-installer log of a finished, healthy installation: it ends with the welcome banner.</summary>
    public static IEnumerable<string> KsInstaller(string version, string consoleIp, bool host)
    {
        var lines = new List<string>
        {
            "2025-03-10T08:00:05Z INFO     : shell-operator latest",
            "2025-03-10T08:00:05Z INFO     : Use temporary dir: /tmp/shell-operator",
            "2025-03-10T08:00:06Z INFO     : Initialize hooks manager ...",
            "2025-03-10T08:00:06Z INFO     : Search and load hooks ...",
            "2025-03-10T08:00:07Z INFO     : Load hook config from '/hooks/kubesphere/installRunner.py'",
            "2025-03-10T08:00:07Z INFO     : HTTP SERVER Listening on 0.0.0.0:9115",
            "2025-03-10T08:00:08Z INFO     : Start monitor for kind=ClusterConfiguration",
            "Start installing monitoring",
            "Start installing multicluster",
            "**************************************************",
            "Waiting for all tasks to be completed ...",
            "task network status is successful  (1/4)",
            "task openpitrix status is successful  (2/4)",
            "task multicluster status is successful  (3/4)",
            "task monitoring status is successful  (4/4)",
            "**************************************************",
            "Collecting installation results ...",
            "#####################################################",
            "###              Welcome to KubeSphere!           ###",
            "#####################################################",
            "",
        };
        if (host)
        {
            lines.Add($"Console: http://{consoleIp}:30880");
            lines.Add("Account: admin");
        }
        lines.Add("");
        lines.Add("NOTES：");
        lines.Add("  1. After you log into the console, please check the");
        lines.Add("     monitoring status of service components in");
        lines.Add("     \"Cluster Management\". If any service is not");
        lines.Add("     ready, please wait patiently until all components");
        lines.Add("     are up and running.");
        lines.Add("");
        lines.Add("#####################################################");
        lines.Add($"https://kubesphere.io             {Building.SeedIds.InstalledAt.AddMinutes(12):yyyy-MM-dd HH:mm:ss}");
        lines.Add($"KubeSphere {version} installed.");
        lines.Add("#####################################################");
        return lines;
    }

    public static IEnumerable<string> NginxController(string name) => new[]
    {
        "-------------------------------------------------------------------------------",
        "NGINX Ingress controller",
        "  Release:       v1.3.1",
        "  Repository:    https://github.com/kubernetes/ingress-nginx",
        "-------------------------------------------------------------------------------",
        Klog('I', 4, "main.go:209", "\"Creating API client\" host=\"https://10.233.0.1:443\""),
        Klog('I', 4.1, "leaderelection.go:248", $"attempting to acquire leader lease kubesphere-controls-system/ingress-controller-leader-{name}..."),
        Klog('I', 4.2, "controller.go:168", "\"Configuration changes detected, backend reload required\""),
        Klog('I', 4.3, "controller.go:185", "\"Backend successfully reloaded\""),
    };
}
