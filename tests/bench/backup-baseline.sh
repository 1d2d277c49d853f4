#!/usr/bin/env bash
# upgrade.sh's backup (upgrade-reference §2 step 3), as its plain `kubectl get ... -o yaml` calls, written anew: the
# baseline of `build.ps1 bench`, and the independent statement of upgrade.sh's files that
# tests/KsUpgrade.Tests/Backup/BackupKubectlParityTests.cs compares Backup-KsCluster with.
# Usage: backup-baseline.sh OUTPUT_DIR (KUBECONFIG and KUBECTL from the environment). The files are left in OUTPUT_DIR
# for the caller to inspect and delete.
#
# Like upgrade.sh: kubesphere-devops-worker is added to the system-workspace namespaces whether it exists or not (for a
# namespace that does not exist kubectl prints an empty List); the namespace files and backup-cc.yaml are appended to
# (>>), the others written anew (>); kinds are named in full here where upgrade.sh uses short names (cm, sts, ...).
# Unlike upgrade.sh (set -e), a failing kubectl call does not stop the rest; the exit code is the first failure's.
set -uo pipefail
KUBECTL="${KUBECTL:-kubectl}"
out="${1:?usage: backup-baseline.sh OUTPUT_DIR}"
mkdir -p "$out"
k() { "$KUBECTL" "$@"; }
rc=0
run() { "$@" || { [ "$rc" -ne 0 ] || rc=$?; }; }

namespaces="$(k get namespaces -l kubesphere.io/workspace=system-workspace -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')"
namespaces="$namespaces kubesphere-devops-worker"
for ns in $namespaces; do
  run k get configmaps,secrets,statefulsets.apps,deployments.apps,daemonsets.apps -o yaml -n "$ns" >> "$out/backup-$ns.yaml"
done

run k get clusterconfigurations.installer.kubesphere.io -n kubesphere-system ks-installer -o yaml >> "$out/backup-cc.yaml"

for kind in users globalroles globalrolebindings workspaceroles workspacerolebindings groups groupbindings; do
  run k get "$kind.iam.kubesphere.io" -o yaml > "$out/backup-iam-$kind.yaml"
done
for kind in roles rolebindings; do
  run k get "$kind.rbac.authorization.k8s.io" -A -o yaml > "$out/backup-iam-$kind.yaml"
done
for kind in clusterroles clusterrolebindings; do
  run k get "$kind.rbac.authorization.k8s.io" -o yaml > "$out/backup-iam-$kind.yaml"
done

for kind in workspacetemplates workspaces; do
  run k get "$kind.tenant.kubesphere.io" -o yaml > "$out/backup-tenant-$kind.yaml"
done
run k get namespaces -o yaml > "$out/backup-tenant-namespaces.yaml"
exit "$rc"
