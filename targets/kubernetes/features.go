package kubernetes

import "github.com/transship/transship/targets"

// Features is what the Kubernetes target makes of each compose feature:
// what `transship explain --to kubernetes` prints. Every code of codes.go
// is named by the feature it is given for (features_test.go).
var Features = []targets.Feature{
	{Key: "image", Verdict: targets.Kept, What: "the container's image, as written (or pinned to a digest with --resolve-images)"},
	{Key: "build", Verdict: targets.Degraded, What: "Kubernetes cannot build: a service with build: and no image: runs <project>-<service> (the name compose tags; --image-prefix REG/PATH puts it under REG/PATH), which must be pushed", Codes: []string{CodeBuildOnly}},
	{Key: "entrypoint, command", Verdict: targets.Degraded, What: "command and args; clearing the image's with [] cannot be expressed", Codes: []string{CodeCommand}},
	{Key: "environment, env_file", Verdict: targets.Kept, What: "env of the container, resolved at convert time; variables named like secrets go to a Secret on demand", Codes: []string{CodeSecretEnv}},
	{Key: "user, group_add", Verdict: targets.Degraded, What: "runAsUser/runAsGroup/supplementalGroups when numeric; a name cannot be; an image built for a non-root USER run as root is said", Codes: []string{CodeUser, CodeImageUser}},
	{Key: "ports, expose", Verdict: targets.Degraded, What: "a ClusterIP Service per service; ports compose opens on the host that no Ingress serves get a Service <name>-published, LoadBalancer or NodePort (on the published port) as the site allows; loopback-bound and expose-only ports stay inside the cluster; --expose makes Ingresses; long ranges are cut", Codes: []string{CodeServiceType, CodePortRange, CodeExpose, CodeTLS, CodePublished}},
	{Key: "networks, aliases, links", Verdict: targets.Degraded, What: "NetworkPolicies per compose network; aliases and links become Services where they can; an external network's other members are not let in", Codes: []string{CodeAlias, CodeExternalNet, CodeRenamed}},
	{Key: "network_mode", Verdict: targets.Degraded, What: "host is hostNetwork; service:X shares X's pod; the rest is not kept", Codes: []string{CodeNetworkMode, CodeGroup}},
	{Key: "hostname, domainname, extra_hosts", Verdict: targets.Degraded, What: "the pod's hostname and subdomain, hostAliases for IP entries", Codes: []string{CodeHostname, CodeExtraHost}},
	{Key: "depends_on", Verdict: targets.Degraded, What: "init containers that wait for the dependency's Service, readiness or Job completion", Codes: []string{CodeWait, CodeJobFailure}},
	{Key: "healthcheck", Verdict: targets.Kept, What: "readiness and liveness probes (exec), with compose's timings"},
	{Key: "restart, deploy.restart_policy", Verdict: targets.Degraded, What: "the workload kind and restartPolicy: a Deployment restarts always, a Job on failure", Codes: []string{CodeRestart, CodeWorkloadKind}},
	{Key: "deploy.replicas, scale, deploy.mode", Verdict: targets.Degraded, What: "replicas; global becomes a DaemonSet; replicas with their own volume a StatefulSet", Codes: []string{CodeReplicaData}},
	{Key: "deploy.resources, cpus, mem_limit", Verdict: targets.Kept, What: "resources.limits and requests"},
	{Key: "GPUs (deploy.resources.reservations.devices, gpus)", Verdict: targets.Degraded, What: "nvidia.com/gpu limits; device ids, capabilities and count: all cannot be expressed exactly", Codes: []string{CodeGPU}},
	{Key: "deploy.placement.constraints", Verdict: targets.Degraded, What: "a nodeSelector where a constraint has a node label equivalent", Codes: []string{CodePlacement}},
	{Key: "volumes (named)", Verdict: targets.Degraded, What: "PersistentVolumeClaims of the site's storage class; shared between services they need ReadWriteMany storage", Codes: []string{CodeSharedStorage}},
	{Key: "volumes (bind)", Verdict: targets.Degraded, What: "files under the project become ConfigMaps; directories a PVC whose content is not carried; absolute paths a hostPath", Codes: []string{CodeBindDir, CodeHostPath}},
	{Key: "volumes (other kinds)", Verdict: targets.Degraded, What: "tmpfs is an emptyDir in memory; image and npipe mounts cannot be expressed", Codes: []string{CodeMount}},
	{Key: "secrets, configs", Verdict: targets.Degraded, What: "Secrets and ConfigMaps mounted at their target; external ones, and with --secrets external all, must be created by hand; written secrets are only base64", Codes: []string{CodeNotEmbedded, CodeSecretWritten}},
	{Key: "labels, annotations, x-transship, kompose labels", Verdict: targets.Degraded, What: "labels and annotations where their keys are valid; kompose.* labels honoured with caveats", Codes: []string{CodeLabel, CodeKompose}},
	{Key: "stop_signal, stop_grace_period", Verdict: targets.Degraded, What: "terminationGracePeriodSeconds; the signal is always SIGTERM", Codes: []string{CodeStopSignal}},
	{Key: "ulimits", Verdict: targets.Degraded, What: "no Kubernetes field: the node's defaults apply", Codes: []string{CodeUlimits}},
	{Key: "sysctls", Verdict: targets.Degraded, What: "the pod's sysctls; unsafe ones need the kubelet to allow them", Codes: []string{CodeSysctl}},
	{Key: "devices", Verdict: targets.Degraded, What: "host devices cannot be mapped", Codes: []string{CodeDevices}},
	{Key: "privileged, cap_add, cap_drop, read_only, security_opt", Verdict: targets.Degraded, What: "the container's securityContext; options without a field are said", Codes: []string{CodeSecurity}},
	{Key: "init, logging, develop, blkio_config, other keys", Verdict: targets.Degraded, What: "keys without a Kubernetes equivalent are said and dropped", Codes: []string{CodeUnsupported}},
	{Key: "service and project names", Verdict: targets.Degraded, What: "DNS-1123 names; two compose names that map to one are an error", Codes: []string{CodeNameCollision}},
	{Key: "--expose, --namespace, service accounts (options)", Verdict: targets.Degraded, What: "options naming services must name the project's; a namespace or service account the output does not create must exist", Codes: []string{CodeNoSuchService, CodeNamespace, CodeAccount}},
}
