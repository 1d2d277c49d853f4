#!/usr/bin/env bash
# Baseline for `build.ps1 bench`: the backup that upgrade.sh makes, as plain `kubectl get ... -o yaml` calls, written anew
# for the benchmark (upgrade-reference §2 step 3). Usage: backup-baseline.sh OUTPUT_DIR (KUBECONFIG and KUBECTL from the
# environment). Only its wall time counts; the files are left in OUTPUT_DIR for the caller to inspect and delete.
set -uo pipefail
KUBECTL="${KUBECTL:-kubectl}"
out="${1:?usage: backup-baseline.sh OUTPUT_DIR}"
mkdir -p "$out"
k() { "$KUBECTL" "$@"; }

# Workloads and config of the system-workspace namespaces, plus kubesphere-devops-worker when it exists.
namespaces="$(k get namespaces -l kubesphere.io/workspace=system-workspace -o jsonpath='{.items[*].metadata.name}')"
if k get namespace kubesphere-devops-worker >/dev/null 2>&1; then
  namespaces="$namespaces kubesphere-devops-worker"
fi
for ns in $namespaces; do
  k get configmaps,secrets,statefulsets,deployments,daemonsets -n "$ns" -o yaml > "$out/backup-$ns.yaml"
done

# The ClusterConfiguration.
k get clusterconfigurations.installer.kubesphere.io ks-installer -n kubesphere-system -o yaml > "$out/backup-cc.yaml"

# IAM kinds (roles and rolebindings in every namespace).
for kind in users.iam.kubesphere.io globalroles.iam.kubesphere.io globalrolebindings.iam.kubesphere.io \
            workspaceroles.iam.kubesphere.io workspacerolebindings.iam.kubesphere.io \
            clusterroles.rbac.authorization.k8s.io clusterrolebindings.rbac.authorization.k8s.io \
            groups.iam.kubesphere.io groupbindings.iam.kubesphere.io; do
  k get "$kind" -o yaml > "$out/backup-iam-${kind%%.*}.yaml"
done
for kind in roles.rbac.authorization.k8s.io rolebindings.rbac.authorization.k8s.io; do
  k get "$kind" -A -o yaml > "$out/backup-iam-${kind%%.*}.yaml"
done

# Tenant kinds.
for kind in workspacetemplates.tenant.kubesphere.io workspaces.tenant.kubesphere.io namespaces; do
  k get "$kind" -o yaml > "$out/backup-tenant-${kind%%.*}.yaml"
done
exit 0
