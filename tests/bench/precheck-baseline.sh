#!/usr/bin/env bash
# Baseline for `build.ps1 bench`: the kubectl invocations that the official pre-check.sh makes (object counts,
# node table, pods per node, unhealthy pods, KubeSphere objects), written anew for the benchmark. Output is discarded;
# only the time and the API requests count.
set -uo pipefail
KUBECTL="${KUBECTL:-kubectl}"
k() { "$KUBECTL" "$@"; }

for kind in deployments services ingresses statefulsets pods daemonsets replicasets storageclasses cronjobs customresourcedefinitions horizontalpodautoscalers persistentvolumes persistentvolumeclaims; do
  k get "$kind" -A --no-headers 2>/dev/null | wc -l >/dev/null
done

k get nodes -o wide >/dev/null
for node in $(k get nodes -o jsonpath='{.items[*].metadata.name}'); do
  k get node "$node" -o jsonpath='{.status.conditions[-1].type} {.status.nodeInfo.kubeletVersion} {.status.nodeInfo.osImage} {.status.nodeInfo.containerRuntimeVersion}' >/dev/null
  k get pods -A --field-selector "spec.nodeName=$node" --no-headers 2>/dev/null | wc -l >/dev/null
done
k get nodes -l node-role.kubernetes.io/master --no-headers 2>/dev/null | wc -l >/dev/null
k get nodes -l node-role.kubernetes.io/control-plane --no-headers 2>/dev/null | wc -l >/dev/null

k get pods -A --no-headers 2>/dev/null | grep -vE 'Running|Completed' >/dev/null

k api-resources --api-group=installer.kubesphere.io >/dev/null 2>&1
k get cc ks-installer -n kubesphere-system -o jsonpath='{.metadata.labels.version}' >/dev/null 2>&1
k get cc ks-installer -n kubesphere-system -o jsonpath='{.status}' >/dev/null 2>&1
k get clusters.cluster.kubesphere.io >/dev/null 2>&1
k get storageclass -o jsonpath='{.items[*].metadata.annotations}' >/dev/null
k version -o json >/dev/null
k get pods -n kubesphere-system -l 'app in (ks-install, ks-installer)' -o jsonpath='{.items[0].metadata.name}' >/dev/null 2>&1
exit 0
