using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Api;

/// <summary>
/// The built-in schemas the sandbox publishes, as a compact table of our own (descriptions are ours and short; field
/// names, types and the definition names follow the Kubernetes API). Format:
/// <c>@package</c> sets the package of the following definitions; a line at column 0 <c>Name: description</c> starts
/// a definition; an indented line <c>field[*] type: description</c> adds a field (<c>*</c> = required). Types:
/// <c>string integer boolean number object time quantity intstr</c>, <c>[]T</c>, <c>map[T]</c>, or a definition name
/// (resolved in the current package, then apimachinery's meta/v1, then any package).
/// </summary>
internal static class BuiltinSchemaTable
{
    private const string Table = """
        @io.k8s.apimachinery.pkg.apis.meta.v1
        ObjectMeta: ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.
          name string: Name must be unique within a namespace. Cannot be updated.
          generateName string: An optional prefix the server uses to generate a unique name when name is not given.
          namespace string: The namespace the object is in; empty for cluster-scoped objects. Cannot be updated.
          uid string: The unique in time and space value for this object, set by the server. Read-only.
          resourceVersion string: An opaque value that represents the internal version of this object, for optimistic concurrency and watches. Read-only.
          generation integer: A sequence number representing a specific generation of the desired state. Read-only.
          creationTimestamp time: The time this object was created, set by the server. Read-only.
          deletionTimestamp time: The time after which this object will be deleted, set by the server when a graceful deletion is requested. Read-only.
          deletionGracePeriodSeconds integer: Seconds allowed for this object to gracefully terminate before it is removed. Read-only.
          labels map[string]: Map of string keys and values that can be used to organize and categorize (scope and select) objects.
          annotations map[string]: Unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.
          ownerReferences []OwnerReference: The objects depended on by this object; when all are deleted, this object is garbage collected.
          finalizers []string: Must be empty before the object is deleted from the registry.
          managedFields []ManagedFieldsEntry: Maps workflow-id and version to the set of fields that are managed by that workflow.
        OwnerReference: OwnerReference contains enough information to let you identify an owning object.
          apiVersion* string: API version of the referent.
          kind* string: Kind of the referent.
          name* string: Name of the referent.
          uid* string: UID of the referent.
          controller boolean: If true, this reference points to the managing controller.
          blockOwnerDeletion boolean: If true, the owner cannot be deleted from the key-value store until this reference is removed (foreground deletion).
        ManagedFieldsEntry: ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.
          manager string: An identifier of the workflow managing these fields.
          operation string: The type of operation which lead to this entry being created: Apply or Update.
          apiVersion string: The version of the resource that this field set applies to.
          time time: When this entry was added or last changed by an Apply.
          fieldsType string: The format of fieldsV1; the only valid value is FieldsV1.
          fieldsV1 object: The field set in FieldsV1 format.
          subresource string: The name of the subresource used to update the object, empty for the main resource.
        LabelSelector: A label selector is a label query over a set of resources; an empty selector matches all objects, a null one none.
          matchLabels map[string]: A map of {key,value} pairs, each equivalent to a matchExpressions element with operator In and that value.
          matchExpressions []LabelSelectorRequirement: A list of label selector requirements. The requirements are ANDed.
        LabelSelectorRequirement: A selector that contains values, a key, and an operator that relates the key and values.
          key* string: The label key that the selector applies to.
          operator* string: The key's relationship to the values: In, NotIn, Exists or DoesNotExist.
          values []string: An array of string values; must be empty for Exists and DoesNotExist.
        Condition: Condition contains details for one aspect of the current state of an API resource.
          type* string: Type of condition in CamelCase.
          status* string: Status of the condition, one of True, False, Unknown.
          observedGeneration integer: The generation the condition was set based upon.
          lastTransitionTime* time: The last time the condition transitioned from one status to another.
          reason* string: A programmatic identifier of the reason for the last transition, in CamelCase.
          message* string: A human readable message with details about the transition.
        @io.k8s.api.core.v1
        Pod: Pod is a collection of containers that can run on a host. Clients create it; the scheduler places it on a node.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec PodSpec: Specification of the desired behavior of the pod.
          status PodStatus: Most recently observed status of the pod. Populated by the system. Read-only.
        PodSpec: PodSpec is a description of a pod.
          containers* []Container: List of containers belonging to the pod. There must be at least one. Cannot be updated.
          initContainers []Container: Containers run in order before the app containers start; each must succeed before the next runs.
          restartPolicy string: Restart policy for all containers within the pod: Always, OnFailure or Never. Default Always.
          terminationGracePeriodSeconds integer: Seconds the pod needs to terminate gracefully. Default 30.
          activeDeadlineSeconds integer: Seconds the pod may be active on a node before the system actively tries to mark it failed.
          dnsPolicy string: DNS policy for the pod: ClusterFirstWithHostNet, ClusterFirst, Default or None. Default ClusterFirst.
          nodeSelector map[string]: A selector which must match a node's labels for the pod to be scheduled on that node.
          serviceAccountName string: The name of the ServiceAccount to use to run this pod.
          automountServiceAccountToken boolean: Whether a service account token should be automatically mounted.
          nodeName string: A request to schedule this pod onto a specific node; set by the scheduler when it binds the pod.
          hostNetwork boolean: Host networking requested for this pod. Default false.
          securityContext PodSecurityContext: Pod-level security attributes and common container settings.
          imagePullSecrets []LocalObjectReference: References to secrets in the same namespace to use for pulling any of the images.
          hostname string: The hostname of the pod; defaults to a system-defined value.
          subdomain string: If set, the fully qualified hostname is <hostname>.<subdomain>.<namespace>.svc.<cluster domain>.
          affinity Affinity: The pod's scheduling constraints.
          schedulerName string: The scheduler that dispatches this pod. Default the default scheduler.
          tolerations []Toleration: The pod's tolerations.
          priorityClassName string: The name of the pod's PriorityClass.
          priority integer: The priority value, populated from priorityClassName by the admission controller.
          volumes []Volume: List of volumes that can be mounted by containers belonging to the pod.
        Container: A single application container that you want to run within a pod.
          name* string: Name of the container, a DNS_LABEL unique within the pod. Cannot be updated.
          image string: Container image name.
          imagePullPolicy string: Image pull policy: Always, Never or IfNotPresent. Defaults to Always for :latest tags, else IfNotPresent.
          command []string: Entrypoint array, run without a shell; the image's ENTRYPOINT when not given. $(VAR) references are expanded.
          args []string: Arguments to the entrypoint; the image's CMD when not given. $(VAR) references are expanded.
          workingDir string: The container's working directory; the image's default when not given.
          ports []ContainerPort: List of ports to expose from the container.
          env []EnvVar: List of environment variables to set in the container.
          envFrom []EnvFromSource: Sources to populate environment variables in the container.
          resources ResourceRequirements: Compute resources required by this container.
          volumeMounts []VolumeMount: Pod volumes to mount into the container's filesystem.
          livenessProbe Probe: Periodic probe of container liveness; the container is restarted if it fails.
          readinessProbe Probe: Periodic probe of container service readiness; the container leaves service endpoints if it fails.
          startupProbe Probe: Indicates that the pod has successfully initialized; other probes wait until it succeeds.
          securityContext SecurityContext: The security options the container should be run with.
          stdin boolean: Whether this container should allocate a buffer for stdin in the container runtime.
          tty boolean: Whether this container should allocate a TTY for itself.
          terminationMessagePath string: Path at which the file to which the container's termination message is written is mounted.
          terminationMessagePolicy string: How the termination message should be populated: File or FallbackToLogsOnError.
        ContainerPort: ContainerPort represents a network port in a single container.
          name string: An IANA_SVC_NAME unique within the pod, referred to by services.
          containerPort* integer: Number of the port to expose on the pod's IP address.
          protocol string: Protocol for the port: UDP, TCP or SCTP. Default TCP.
          hostPort integer: Number of the port to expose on the host.
          hostIP string: The host IP to bind the external port to.
        EnvVar: EnvVar represents an environment variable present in a container.
          name* string: Name of the environment variable.
          value string: The variable's value; $(VAR) references to earlier variables are expanded.
          valueFrom EnvVarSource: Source for the variable's value; cannot be used if value is not empty.
        EnvVarSource: EnvVarSource represents a source for the value of an EnvVar.
          fieldRef ObjectFieldSelector: Selects a field of the pod.
          configMapKeyRef ConfigMapKeySelector: Selects a key of a ConfigMap.
          secretKeyRef SecretKeySelector: Selects a key of a secret in the pod's namespace.
        EnvFromSource: EnvFromSource represents the source of a set of ConfigMaps or Secrets.
          prefix string: An optional identifier to prepend to each key.
          configMapRef ConfigMapEnvSource: The ConfigMap to select from.
          secretRef SecretEnvSource: The Secret to select from.
        ConfigMapEnvSource: Selects a ConfigMap whose keys become environment variables.
          name string: Name of the referent.
          optional boolean: Specify whether the ConfigMap must be defined.
        SecretEnvSource: Selects a Secret whose keys become environment variables.
          name string: Name of the referent.
          optional boolean: Specify whether the Secret must be defined.
        ObjectFieldSelector: ObjectFieldSelector selects an APIVersioned field of an object.
          apiVersion string: Version of the schema the FieldPath is written in terms of, defaults to v1.
          fieldPath* string: Path of the field to select in the specified API version.
        ConfigMapKeySelector: Selects a key from a ConfigMap.
          name string: Name of the referent.
          key* string: The key to select.
          optional boolean: Specify whether the ConfigMap or its key must be defined.
        SecretKeySelector: SecretKeySelector selects a key of a Secret.
          name string: Name of the referent.
          key* string: The key of the secret to select from. Must be a valid secret key.
          optional boolean: Specify whether the Secret or its key must be defined.
        ResourceRequirements: ResourceRequirements describes the compute resource requirements.
          limits map[quantity]: The maximum amount of compute resources allowed.
          requests map[quantity]: The minimum amount of compute resources required; defaults to limits when omitted.
        VolumeMount: VolumeMount describes a mounting of a Volume within a container.
          name* string: This must match the name of a volume.
          mountPath* string: Path within the container at which the volume should be mounted. Must not contain ':'.
          subPath string: Path within the volume from which the container's volume should be mounted. Defaults to the volume's root.
          readOnly boolean: Mounted read-only if true, read-write otherwise. Defaults to false.
        Volume: Volume represents a named volume in a pod that may be accessed by any container in the pod.
          name* string: Name of the volume, a DNS_LABEL unique within the pod.
          configMap ConfigMapVolumeSource: A ConfigMap that should populate this volume.
          secret SecretVolumeSource: A Secret that should populate this volume.
          emptyDir object: A temporary directory that shares a pod's lifetime.
          persistentVolumeClaim PersistentVolumeClaimVolumeSource: A reference to a PersistentVolumeClaim in the same namespace.
          hostPath object: A pre-existing file or directory on the host machine that is directly exposed to the container.
          projected object: Items for all in one resources secrets, configmaps, and downward API.
          downwardAPI object: Downward API about the pod that should populate this volume.
        ConfigMapVolumeSource: Adapts a ConfigMap into a volume: each key becomes a file.
          name string: Name of the referent.
          items []KeyToPath: Which keys to project, and to which paths; all keys when not given.
          defaultMode integer: Mode bits used to set permissions on created files by default. Defaults to 0644.
          optional boolean: Specify whether the ConfigMap or its keys must be defined.
        SecretVolumeSource: Adapts a Secret into a volume: each key becomes a file.
          secretName string: Name of the secret in the pod's namespace to use.
          items []KeyToPath: Which keys to project, and to which paths; all keys when not given.
          defaultMode integer: Mode bits used to set permissions on created files by default. Defaults to 0644.
          optional boolean: Specify whether the Secret or its keys must be defined.
        KeyToPath: Maps a string key to a path within a volume.
          key* string: The key to project.
          path* string: The relative path of the file to map the key to.
          mode integer: Mode bits used to set permissions on this file.
        PersistentVolumeClaimVolumeSource: References the user's PVC in the same namespace.
          claimName* string: The name of a PersistentVolumeClaim in the same namespace as the pod using this volume.
          readOnly boolean: Will force the ReadOnly setting in VolumeMounts. Default false.
        Probe: Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.
          exec object: The command to run inside the container.
          httpGet object: The HTTP request to perform.
          tcpSocket object: The TCP port to connect to.
          initialDelaySeconds integer: Seconds after the container has started before probes are initiated.
          periodSeconds integer: How often (in seconds) to perform the probe. Default 10.
          timeoutSeconds integer: Seconds after which the probe times out. Default 1.
          successThreshold integer: Minimum consecutive successes for the probe to be considered successful after having failed. Default 1.
          failureThreshold integer: Minimum consecutive failures for the probe to be considered failed after having succeeded. Default 3.
        SecurityContext: SecurityContext holds security configuration that will be applied to a container.
          runAsUser integer: The UID to run the entrypoint of the container process.
          runAsGroup integer: The GID to run the entrypoint of the container process.
          runAsNonRoot boolean: Indicates that the container must run as a non-root user.
          privileged boolean: Run container in privileged mode. Default false.
          readOnlyRootFilesystem boolean: Whether this container has a read-only root filesystem. Default false.
          allowPrivilegeEscalation boolean: Whether a process can gain more privileges than its parent process.
        PodSecurityContext: PodSecurityContext holds pod-level security attributes and common container settings.
          runAsUser integer: The UID to run the entrypoint of the container processes.
          runAsGroup integer: The GID to run the entrypoint of the container processes.
          runAsNonRoot boolean: Indicates that the containers must run as a non-root user.
          fsGroup integer: A special supplemental group that applies to all containers in a pod.
        LocalObjectReference: A reference to an object in the same namespace.
          name string: Name of the referent.
        Affinity: Affinity is a group of affinity scheduling rules.
          nodeAffinity object: Node affinity scheduling rules for the pod.
          podAffinity object: Pod affinity scheduling rules (e.g. co-locate this pod in the same node, zone, etc. as some other pods).
          podAntiAffinity object: Pod anti-affinity scheduling rules (e.g. avoid putting this pod in the same node, zone, etc. as some other pods).
        Toleration: The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect>.
          key string: The taint key that the toleration applies to; empty means all taint keys.
          operator string: The key's relationship to the value: Exists or Equal. Defaults to Equal.
          value string: The taint value the toleration matches to.
          effect string: The taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty means all.
          tolerationSeconds integer: How long a NoExecute toleration tolerates the taint; by default forever.
        PodStatus: PodStatus represents information about the status of a pod. It may trail the actual state of a system.
          phase string: The pod's phase in its lifecycle: Pending, Running, Succeeded, Failed or Unknown.
          conditions []PodCondition: Current service state of pod.
          message string: A human readable message indicating details about why the pod is in this condition.
          reason string: A brief CamelCase message indicating details about why the pod is in this state.
          hostIP string: IP address of the host to which the pod is assigned.
          podIP string: IP address allocated to the pod. Routable at least within the cluster.
          podIPs []PodIP: IP addresses allocated to the pod; index 0 must match podIP.
          startTime time: The time the kubelet acknowledged the pod, before any container image was pulled.
          initContainerStatuses []ContainerStatus: The status of each init container, in the order of the pod spec.
          containerStatuses []ContainerStatus: The status of each container, in the order of the pod spec.
          qosClass string: The Quality of Service class assigned to the pod based on resource requirements.
        PodIP: An IP address allocated to the pod.
          ip string: An IP address (IPv4 or IPv6) assigned to the pod.
        PodCondition: PodCondition contains details for the current condition of this pod.
          type* string: Type of the condition: PodScheduled, Initialized, ContainersReady or Ready.
          status* string: Status of the condition: True, False or Unknown.
          lastProbeTime time: Last time we probed the condition.
          lastTransitionTime time: Last time the condition transitioned from one status to another.
          reason string: Unique, one-word, CamelCase reason for the condition's last transition.
          message string: Human-readable message indicating details about last transition.
        ContainerStatus: ContainerStatus contains details for the current status of this container.
          name* string: The name of the container, as in the pod spec.
          state ContainerState: Details about the container's current condition.
          lastState ContainerState: Details about the container's last termination condition.
          ready* boolean: Whether the container is currently passing its readiness check.
          restartCount* integer: The number of times the container has been restarted.
          image* string: The container image the container is running.
          imageID* string: The image ID of the container's image.
          containerID string: The ID of the container in the format '<type>://<container_id>'.
          started boolean: Whether the container has finished its postStart lifecycle hook and passed its startup probe.
        ContainerState: The possible states of a container; only one member may be set, none means waiting.
          waiting ContainerStateWaiting: Details about a waiting container.
          running ContainerStateRunning: Details about a running container.
          terminated ContainerStateTerminated: Details about a terminated container.
        ContainerStateWaiting: A waiting state of a container.
          reason string: (brief) reason the container is not yet running, e.g. ContainerCreating, ErrImagePull.
          message string: Message regarding why the container is not yet running.
        ContainerStateRunning: A running state of a container.
          startedAt time: Time at which the container was last (re-)started.
        ContainerStateTerminated: A terminated state of a container.
          exitCode* integer: Exit status from the last termination of the container.
          signal integer: Signal from the last termination of the container.
          reason string: (brief) reason from the last termination of the container.
          message string: Message regarding the last termination of the container.
          startedAt time: Time at which the previous execution of the container started.
          finishedAt time: Time at which the container last terminated.
          containerID string: Container's ID in the format '<type>://<container_id>'.
        PodTemplateSpec: PodTemplateSpec describes the data a pod should have when created from a template.
          metadata ObjectMeta: Standard object's metadata.
          spec PodSpec: Specification of the desired behavior of the pod.
        Service: Service is a named abstraction of software service (for example, mysql) consisting of local port that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec ServiceSpec: Spec defines the behavior of a service.
          status object: Most recently observed status of the service. Populated by the system. Read-only.
        ServiceSpec: ServiceSpec describes the attributes that a user creates on a service.
          type string: How the Service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName. Defaults to ClusterIP.
          selector map[string]: Routes service traffic to pods with label keys and values matching this selector.
          ports []ServicePort: The list of ports that are exposed by this service.
          clusterIP string: The IP address of the service, usually assigned randomly; None makes a headless service.
          clusterIPs []string: The IP addresses assigned to this service; the first equals clusterIP.
          externalName string: The external reference that discovery mechanisms will return as an alias for this service (type ExternalName).
          sessionAffinity string: ClientIP or None. Defaults to None.
          externalTrafficPolicy string: How nodes distribute service traffic they receive on an externally-facing address: Cluster or Local.
        ServicePort: ServicePort contains information on service's port.
          name string: The name of this port within the service; required when there are several ports.
          protocol string: The IP protocol for this port: TCP, UDP or SCTP. Default TCP.
          port* integer: The port that will be exposed by this service.
          targetPort intstr: Number or name of the port to access on the pods targeted by the service. Defaults to port.
          nodePort integer: The port on each node on which this service is exposed when type is NodePort or LoadBalancer.
        ConfigMap: ConfigMap holds configuration data for pods to consume.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          data map[string]: Configuration data: keys consist of alphanumeric characters, '-', '_' or '.'.
          binaryData map[string]: Binary configuration data (base64 in JSON); keys must not overlap those of data.
          immutable boolean: If true, only metadata can be modified and the data cannot be updated.
        Secret: Secret holds secret data of a certain type. The total bytes of the values in the data field must be less than MaxSecretSize bytes.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          type string: Used to facilitate programmatic handling of secret data, e.g. Opaque or kubernetes.io/tls.
          data map[string]: The secret data, base64-encoded values.
          stringData map[string]: Write-only convenience: plain string values merged into data on write. Never output when reading.
          immutable boolean: If true, only metadata can be modified and the data cannot be updated.
        Namespace: Namespace provides a scope for Names. Use of multiple namespaces is optional.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec NamespaceSpec: Spec defines the behavior of the Namespace.
          status NamespaceStatus: Status describes the current status of a Namespace.
        NamespaceSpec: NamespaceSpec describes the attributes on a Namespace.
          finalizers []string: An opaque list of values that must be empty to permanently remove the object from storage.
        NamespaceStatus: NamespaceStatus is information about the current status of a Namespace.
          phase string: The current lifecycle phase of the namespace: Active or Terminating.
        ServiceAccount: ServiceAccount binds together a name understood by users and perhaps by peripheral systems, for an identity, and a principal that can be authenticated and authorized.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          secrets []ObjectReference: Secrets in the same namespace that pods running using this ServiceAccount are allowed to use.
          imagePullSecrets []LocalObjectReference: Secrets in the same namespace used for pulling images of pods that use this ServiceAccount.
          automountServiceAccountToken boolean: Whether pods running as this service account should have an API token automatically mounted.
        ObjectReference: ObjectReference contains enough information to let you inspect or modify the referred object.
          kind string: Kind of the referent.
          namespace string: Namespace of the referent.
          name string: Name of the referent.
          uid string: UID of the referent.
          apiVersion string: API version of the referent.
          resourceVersion string: Specific resourceVersion to which this reference is made, if any.
          fieldPath string: A part of the object instead of the entire object, e.g. spec.containers{name}.
        Node: Node is a worker node in Kubernetes. Each node has a unique identifier in the cache (i.e. in etcd).
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec NodeSpec: Spec defines the behavior of a node.
          status NodeStatus: Most recently observed status of the node. Populated by the system. Read-only.
        NodeSpec: NodeSpec describes the attributes that a node is created with.
          podCIDR string: The pod IP range assigned to the node.
          providerID string: ID of the node assigned by the cloud provider in the format <ProviderName>://<ProviderSpecificNodeID>.
          taints []Taint: If specified, the node's taints.
          unschedulable boolean: Unschedulable controls node schedulability of new pods. By default, node is schedulable.
        Taint: The node this Taint is attached to has the effect on any pod that does not tolerate the Taint.
          key* string: The taint key to be applied to a node.
          value string: The taint value corresponding to the taint key.
          effect* string: The effect of the taint on pods that do not tolerate it: NoSchedule, PreferNoSchedule or NoExecute.
          timeAdded time: The time at which a NoExecute taint was added.
        NodeStatus: NodeStatus is information about the current status of a node.
          capacity map[quantity]: The total resources of the node.
          allocatable map[quantity]: The resources of a node that are available for scheduling. Defaults to capacity.
          conditions []NodeCondition: Conditions is an array of current observed node conditions.
          addresses []NodeAddress: List of addresses reachable to the node.
          nodeInfo NodeSystemInfo: General information about the node.
        NodeCondition: NodeCondition contains condition information for a node.
          type* string: Type of node condition, e.g. Ready, MemoryPressure, DiskPressure, PIDPressure.
          status* string: Status of the condition: True, False or Unknown.
          lastHeartbeatTime time: Last time we got an update on a given condition.
          lastTransitionTime time: Last time the condition transit from one status to another.
          reason string: (brief) reason for the condition's last transition.
          message string: Human readable message indicating details about last transition.
        NodeAddress: NodeAddress contains information for the node's address.
          type* string: Node address type: Hostname, ExternalIP or InternalIP.
          address* string: The node address.
        NodeSystemInfo: NodeSystemInfo is a set of ids/uuids to uniquely identify the node.
          kubeletVersion* string: Kubelet Version reported by the node.
          osImage* string: OS Image reported by the node from /etc/os-release.
          kernelVersion* string: Kernel Version reported by the node from 'uname -r'.
          containerRuntimeVersion* string: ContainerRuntime Version reported by the node through runtime remote API.
          architecture* string: The Architecture reported by the node.
          operatingSystem* string: The Operating System reported by the node.
        PersistentVolumeClaim: PersistentVolumeClaim is a user's request for and claim to a persistent volume.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec PersistentVolumeClaimSpec: The desired characteristics of a volume requested by a pod author.
          status object: The current information/status of a persistent volume claim. Read-only.
        PersistentVolumeClaimSpec: PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes.
          accessModes []string: The desired access modes the volume should have, e.g. ReadWriteOnce.
          resources ResourceRequirements: The minimum resources the volume should have.
          storageClassName string: Name of the StorageClass required by the claim; the default class when not given.
          volumeName string: The binding reference to the PersistentVolume backing this claim.
          volumeMode string: What type of volume is required by the claim: Filesystem or Block.
          selector LabelSelector: A label query over volumes to consider for binding.
        Event: Event is a report of an event somewhere in the cluster.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata* ObjectMeta: Standard object's metadata.
          involvedObject* ObjectReference: The object that this event is about.
          reason string: A short, machine understandable string that gives the reason for the transition into the object's current status.
          message string: A human-readable description of the status of this operation.
          source EventSource: The component reporting this event.
          firstTimestamp time: The time at which the event was first recorded.
          lastTimestamp time: The time at which the most recent occurrence of this event was recorded.
          count integer: The number of times this event has occurred.
          type string: Type of this event: Normal or Warning.
          eventTime time: Time when this Event was first observed (events.k8s.io recorders).
          action string: What action was taken/failed regarding to the regarding object.
          reportingComponent string: Name of the controller that emitted this Event, e.g. kubernetes.io/kubelet.
          reportingInstance string: ID of the controller instance, e.g. kubelet-xyzf.
        EventSource: EventSource contains information for an event.
          component string: Component from which the event is generated.
          host string: Node name on which the event is generated.
        @io.k8s.api.apps.v1
        Deployment: Deployment enables declarative updates for Pods and ReplicaSets.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object metadata.
          spec DeploymentSpec: Specification of the desired behavior of the Deployment.
          status DeploymentStatus: Most recently observed status of the Deployment.
        DeploymentSpec: DeploymentSpec is the specification of the desired behavior of the Deployment.
          replicas integer: Number of desired pods. Defaults to 1.
          selector* LabelSelector: Label selector for pods; it must match the pod template's labels.
          template* PodTemplateSpec: Template describes the pods that will be created.
          strategy DeploymentStrategy: The deployment strategy to use to replace existing pods with new ones.
          minReadySeconds integer: Minimum seconds a newly created pod should be ready without any of its containers crashing to be considered available. Defaults to 0.
          revisionHistoryLimit integer: The number of old ReplicaSets to retain to allow rollback. Defaults to 10.
          paused boolean: Indicates that the deployment is paused.
          progressDeadlineSeconds integer: Maximum seconds for a deployment to make progress before it is considered failed. Defaults to 600s.
        DeploymentStrategy: DeploymentStrategy describes how to replace existing pods with new ones.
          type string: Type of deployment: Recreate or RollingUpdate. Default RollingUpdate.
          rollingUpdate RollingUpdateDeployment: Rolling update config params, present only if type is RollingUpdate.
        RollingUpdateDeployment: Spec to control the desired behavior of rolling update.
          maxUnavailable intstr: The maximum number (or percentage) of pods that can be unavailable during the update. Defaults to 25%.
          maxSurge intstr: The maximum number (or percentage) of pods that can be scheduled above the desired number. Defaults to 25%.
        DeploymentStatus: DeploymentStatus is the most recently observed status of the Deployment.
          observedGeneration integer: The generation observed by the deployment controller.
          replicas integer: Total number of non-terminated pods targeted by this deployment (their labels match the selector).
          updatedReplicas integer: Total number of non-terminated pods targeted by this deployment that have the desired template spec.
          readyReplicas integer: Number of pods targeted by this Deployment with a Ready Condition.
          availableReplicas integer: Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.
          unavailableReplicas integer: Total number of unavailable pods targeted by this deployment.
          conditions []DeploymentCondition: Represents the latest available observations of a deployment's current state.
        DeploymentCondition: DeploymentCondition describes the state of a deployment at a certain point.
          type* string: Type of deployment condition: Available, Progressing or ReplicaFailure.
          status* string: Status of the condition, one of True, False, Unknown.
          lastUpdateTime time: The last time this condition was updated.
          lastTransitionTime time: Last time the condition transitioned from one status to another.
          reason string: The reason for the condition's last transition.
          message string: A human readable message indicating details about the transition.
        ReplicaSet: ReplicaSet ensures that a specified number of pod replicas are running at any given time.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec ReplicaSetSpec: Spec defines the specification of the desired behavior of the ReplicaSet.
          status object: Status is the most recently observed status of the ReplicaSet. Read-only.
        ReplicaSetSpec: ReplicaSetSpec is the specification of a ReplicaSet.
          replicas integer: Replicas is the number of desired replicas. Defaults to 1.
          selector* LabelSelector: A label query over pods that should match the replica count.
          template PodTemplateSpec: The object that describes the pod that will be created if insufficient replicas are detected.
          minReadySeconds integer: Minimum seconds a newly created pod should be ready to be considered available. Defaults to 0.
        StatefulSet: StatefulSet represents a set of pods with consistent identities: network names and storage.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec StatefulSetSpec: Spec defines the desired identities of pods in this set.
          status object: Status is the current status of Pods in this StatefulSet. Read-only.
        StatefulSetSpec: A StatefulSetSpec is the specification of a StatefulSet.
          replicas integer: The desired number of replicas of the given Template. Defaults to 1.
          selector* LabelSelector: A label query over pods that should match the replica count.
          template* PodTemplateSpec: The object that describes the pod that will be created if insufficient replicas are detected.
          serviceName* string: The name of the service that governs this StatefulSet.
          volumeClaimTemplates []object: Claims that pods are allowed to reference; each pod gets its own claim, named <template>-<pod>.
          podManagementPolicy string: How pods are created during initial scale up and scale down: OrderedReady (default) or Parallel.
          updateStrategy object: The strategy used to update Pods when a revision is made to Template.
          revisionHistoryLimit integer: The maximum number of revisions that will be maintained in the history. Defaults to 10.
        DaemonSet: DaemonSet represents the configuration of a daemon set.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec DaemonSetSpec: The desired behavior of this daemon set.
          status object: The current status of this daemon set. Read-only.
        DaemonSetSpec: DaemonSetSpec is the specification of a daemon set.
          selector* LabelSelector: A label query over pods that are managed by the daemon set.
          template* PodTemplateSpec: An object that describes the pod that will be created on every eligible node.
          updateStrategy object: An update strategy to replace existing DaemonSet pods with new pods.
          minReadySeconds integer: Minimum seconds a newly created pod should be ready to be considered available. Defaults to 0.
          revisionHistoryLimit integer: The number of old history to retain to allow rollback. Defaults to 10.
        @io.k8s.api.batch.v1
        Job: Job represents the configuration of a single job.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec JobSpec: Specification of the desired behavior of a job.
          status JobStatus: Current status of a job. Read-only.
        JobSpec: JobSpec describes how the job execution will look like.
          template* PodTemplateSpec: Describes the pod that will be created when executing a job; restartPolicy must be Never or OnFailure.
          parallelism integer: The maximum desired number of pods the job should run at any given time. Defaults to 1.
          completions integer: The desired number of successfully finished pods the job should be run with. Defaults to 1.
          activeDeadlineSeconds integer: Seconds relative to the startTime that the job may be continuously active before the system tries to terminate it.
          backoffLimit integer: The number of retries before marking this job failed. Defaults to 6.
          ttlSecondsAfterFinished integer: Seconds after the Job finishes (Complete or Failed) before it is eligible to be automatically deleted.
          suspend boolean: Whether the Job controller should create Pods or not. Defaults to false.
          selector LabelSelector: A label query over pods that should match the pod count; normally generated by the system.
          manualSelector boolean: Controls generation of pod labels and pod selectors; leave unset.
          completionMode string: How Pod completions are tracked: NonIndexed (default) or Indexed.
        JobStatus: JobStatus represents the current state of a Job.
          conditions []JobCondition: The latest available observations of an object's current state: Complete or Failed when the job has finished.
          startTime time: When the Job controller started processing the job.
          completionTime time: When the job was completed; set only when it finishes successfully.
          active integer: The number of pending and running pods.
          succeeded integer: The number of pods which reached phase Succeeded.
          failed integer: The number of pods which reached phase Failed.
          ready integer: The number of pods which have a Ready condition.
        JobCondition: JobCondition describes current state of a job.
          type* string: Type of job condition: Complete or Failed.
          status* string: Status of the condition, one of True, False, Unknown.
          lastProbeTime time: Last time the condition was checked.
          lastTransitionTime time: Last time the condition transit from one status to another.
          reason string: (brief) reason for the condition's last transition.
          message string: Human readable message indicating details about last transition.
        CronJob: CronJob represents the configuration of a single cron job.
          apiVersion string: APIVERSION
          kind string: KIND
          metadata ObjectMeta: Standard object's metadata.
          spec CronJobSpec: Specification of the desired behavior of a cron job, including the schedule.
          status object: Current status of a cron job. Read-only.
        CronJobSpec: CronJobSpec describes how the job execution will look like and when it will actually run.
          schedule* string: The schedule in Cron format.
          jobTemplate* object: Specifies the job that will be created when executing a CronJob.
          suspend boolean: Tells the controller to suspend subsequent executions. Defaults to false.
          concurrencyPolicy string: How to treat concurrent executions of a Job: Allow (default), Forbid or Replace.
          successfulJobsHistoryLimit integer: The number of successful finished jobs to retain. Defaults to 3.
          failedJobsHistoryLimit integer: The number of failed finished jobs to retain. Defaults to 1.
        """;

    private static readonly Dictionary<string, JsonObject> Scalars = new()
    {
        ["time"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
    };

    public static Dictionary<string, JsonObject> Parse()
    {
        var defs = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var fieldTypes = new List<(JsonObject Props, string Field, string Type, string Package)>();
        string package = "";
        JsonObject? props = null;
        JsonArray? required = null;
        foreach (var raw in Table.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            if (line.StartsWith('@')) { package = line[1..].Trim(); continue; }
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (!char.IsWhiteSpace(line[0]))
            {
                var name = line[..colon].Trim();
                props = new JsonObject();
                required = new JsonArray();
                var def = new JsonObject { ["description"] = line[(colon + 2)..].Trim(), ["type"] = "object", ["properties"] = props };
                defs[package + "." + name] = def;
                def["required"] = required;
                continue;
            }
            var head = line[..colon].Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            var field = head[0].TrimEnd('*');
            if (head[0].EndsWith('*')) required!.Add(field);
            var description = line[(colon + 2)..].Trim() switch
            {
                "APIVERSION" => OpenApiSchemas.ApiVersionText,
                "KIND" => OpenApiSchemas.KindText,
                var d => d,
            };
            var schema = new JsonObject { ["description"] = description };
            props![field] = schema;
            fieldTypes.Add((schema, field, head[1], package));
        }
        foreach (var def in defs.Values)
            if (def["required"] is JsonArray { Count: 0 }) def.Remove("required");
        foreach (var (schema, _, type, pkg) in fieldTypes)
        {
            var typed = TypeSchema(type, pkg, defs);
            foreach (var (k, v) in typed.ToList())
            {
                typed.Remove(k);
                schema[k] = v;
            }
        }
        defs["io.k8s.apimachinery.pkg.api.resource.Quantity"] = new JsonObject
        {
            ["description"] = "A fixed-point representation of a number, e.g. 500m, 1Gi, 2.5.",
            ["type"] = "string",
        };
        defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = new JsonObject
        {
            ["description"] = "A type that can hold an int32 or a string.",
            ["format"] = "int-or-string", ["type"] = "string",
        };
        return defs;
    }

    private static JsonObject TypeSchema(string type, string package, Dictionary<string, JsonObject> defs)
    {
        if (type.StartsWith("[]", StringComparison.Ordinal))
            return new JsonObject { ["type"] = "array", ["items"] = ItemSchema(type[2..], package, defs) };
        if (type.StartsWith("map[", StringComparison.Ordinal))
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = ItemSchema(type[4..^1], package, defs) };
        switch (type)
        {
            case "string" or "integer" or "boolean" or "number" or "object":
                var o = new JsonObject { ["type"] = type };
                if (type == "integer") o["format"] = "int32";
                return o;
            case "time": return (JsonObject)Scalars["time"].DeepClone();
            case "quantity": return OpenApiSchemas.Ref("io.k8s.apimachinery.pkg.api.resource.Quantity");
            case "intstr": return OpenApiSchemas.Ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
        }
        return OpenApiSchemas.Ref(Resolve(type, package, defs));
    }

    private static JsonObject ItemSchema(string type, string package, Dictionary<string, JsonObject> defs)
    {
        var s = TypeSchema(type, package, defs);
        // scalars inside lists and maps carry a default as the API server publishes them
        if (s["type"] is not null && s["type"]!.GetValue<string>() is "string") s["default"] = "";
        return s;
    }

    private static string Resolve(string shortName, string package, Dictionary<string, JsonObject> defs)
    {
        if (defs.ContainsKey(package + "." + shortName)) return package + "." + shortName;
        if (defs.ContainsKey("io.k8s.apimachinery.pkg.apis.meta.v1." + shortName)) return "io.k8s.apimachinery.pkg.apis.meta.v1." + shortName;
        return defs.Keys.FirstOrDefault(k => k.EndsWith("." + shortName, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"schema table: unknown type {shortName}");
    }
}
