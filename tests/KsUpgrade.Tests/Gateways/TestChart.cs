namespace KsUpgrade.Tests.Gateways;

/// <summary>
/// A minimal chart with the ks-core chart's dynamic-upgrade template contract (gated by upgrade.enabled and upgrade.dynamic;
/// ConfigMap ks-upgrade-dynamic-config from upgrade.config; Job dynamic-upgrade mounting PVC upgrade.persistenceVolume.name),
/// written for these tests from the documented behaviour. Rendered with the real helm.
/// </summary>
internal static class TestChart
{
    public static string Create()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ksupgrade-gw-chart-" + Guid.NewGuid().ToString("N")[..10], "ks-core");
        Directory.CreateDirectory(Path.Combine(dir, "templates"));
        File.WriteAllText(Path.Combine(dir, "Chart.yaml"), "apiVersion: v2\nname: ks-core\nversion: 1.1.5\nappVersion: v4.1.3\n");
        File.WriteAllText(Path.Combine(dir, "values.yaml"), """
            global:
              imageRegistry: docker.io
              tag: v4.1.3
            upgrade:
              enabled: false
              image:
                registry: ""
                repository: kubesphere/ks-upgrade
                tag: ""
                pullPolicy: IfNotPresent
              persistenceVolume:
                name: ks-upgrade
              config: {}
            """);
        File.WriteAllText(Path.Combine(dir, "templates", "dynamic-upgrade-job.yaml"), """
            {{- if and .Values.upgrade.enabled .Values.upgrade.dynamic }}
            {{- $registry := .Values.upgrade.image.registry | default .Values.global.imageRegistry }}
            {{- $tag := .Values.upgrade.image.tag | default .Values.global.tag }}
            {{- if .Values.upgrade.config }}
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: ks-upgrade-dynamic-config
            data:
              config-patch.yaml: |
                {{- toYaml .Values.upgrade.config | nindent 4 }}
            {{- end }}
            ---
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: dynamic-upgrade
            spec:
              template:
                spec:
                  restartPolicy: Never
                  serviceAccountName: kubesphere
                  containers:
                    - name: dynamic-upgrade-job
                      image: {{ printf "%s/%s:%s" $registry .Values.upgrade.image.repository $tag }}
                      imagePullPolicy: {{ .Values.upgrade.image.pullPolicy }}
                      command:
                        - ks-upgrade
                        - dynamic-upgrade
                        - --logtostderr=true
                        - --config=/etc/kubesphere/config.yaml
                        {{- if .Values.upgrade.config }}
                        - --config=/etc/kubesphere/config-patch.yaml
                        {{- end }}
                      volumeMounts:
                        - name: data
                          mountPath: /tmp/ks-upgrade
                        {{- if .Values.upgrade.config }}
                        - name: config
                          mountPath: /etc/kubesphere/config-patch.yaml
                          subPath: config-patch.yaml
                        {{- end }}
                  volumes:
                    - name: data
                      persistentVolumeClaim:
                        claimName: {{ .Values.upgrade.persistenceVolume.name }}
                    {{- if .Values.upgrade.config }}
                    - name: config
                      configMap:
                        name: ks-upgrade-dynamic-config
                        defaultMode: 420
                    {{- end }}
            {{- end }}
            """);
        return dir;
    }

    /// <summary>helm v3 for the tests: KSUPGRADE_HELM3, KSUPGRADE_HELM, the tools cache of get-helm.sh, then PATH.</summary>
    public static string? Helm()
    {
        foreach (var v in new[] { "KSUPGRADE_HELM3", "KSUPGRADE_HELM" })
            if (Environment.GetEnvironmentVariable(v) is { Length: > 0 } p && File.Exists(p)) return p;
        var tools = Environment.GetEnvironmentVariable("KSUPGRADE_TOOLS") is { Length: > 0 } t ? t
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ksupgrade", "tools");
        var cached = Path.Combine(tools, "helm-v3.17.3", "helm");
        if (File.Exists(cached)) return cached;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "helm"))) return Path.Combine(dir, "helm");
        return null;
    }

    public static string RequireHelm() =>
        Helm() ?? throw new InvalidOperationException("These tests need the real helm: run build.ps1 (or /work/wt/get-helm.sh) or set KSUPGRADE_HELM3.");
}
