package kubernetes

// Stable diagnostic codes of the Kubernetes target. A code never changes
// meaning; new problems get new codes. Errors are K8S0xx, warnings K8S1xx.
const (
	CodeNameCollision = "K8S001" // two compose names map to one Kubernetes name
	CodeNoSuchService = "K8S002" // an option names a service the project does not have

	CodeUnsupported   = "K8S101" // a compose key Kubernetes has no equivalent for
	CodeBuildOnly     = "K8S102" // a service is built, not pulled: the image name is assumed
	CodeCommand       = "K8S103" // an entrypoint or command cleared with [] cannot be expressed
	CodeUser          = "K8S104" // user or group_add is a name, not a number
	CodeUlimits       = "K8S105" // ulimits have no Kubernetes field
	CodeSysctl        = "K8S106" // a sysctl Kubernetes does not allow by default
	CodeDevices       = "K8S107" // host devices cannot be mapped
	CodeSecurity      = "K8S108" // a security option without a Kubernetes field
	CodeNetworkMode   = "K8S109" // network_mode other than host
	CodeExtraHost     = "K8S110" // an extra_hosts entry that is not an IP
	CodeGPU           = "K8S111" // a GPU request Kubernetes cannot express exactly
	CodeStopSignal    = "K8S112" // stop_signal is not settable
	CodeBindDir       = "K8S113" // a bind mount whose content is not carried (a PVC instead)
	CodeHostPath      = "K8S114" // an absolute bind mount becomes a hostPath volume
	CodeSharedStorage = "K8S115" // a shared volume needs ReadWriteMany storage the site does not name
	CodeReplicaData   = "K8S116" // replicas get their own volume instead of sharing one
	CodeNotEmbedded   = "K8S117" // a secret or config must be created in the cluster by hand
	CodeWait          = "K8S118" // a depends_on condition that cannot be waited for exactly
	CodeServiceType   = "K8S119" // a Service type the site does not allow
	CodePortRange     = "K8S120" // too many ports: the range is cut
	CodeTLS           = "K8S121" // TLS asked without a host or an issuer
	CodePlacement     = "K8S122" // a placement constraint without a node label equivalent
	CodeRenamed       = "K8S123" // a service is reachable under another DNS name
	CodeAlias         = "K8S124" // a network alias or link cannot become a Service
	CodeHostname      = "K8S125" // hostname or domainname is not a DNS label
	CodeExternalNet   = "K8S126" // an external network's other members are not allowed in
	CodeMount         = "K8S127" // a mount kind Kubernetes cannot express (image, npipe...)
	CodeExpose        = "K8S128" // an Ingress cannot be made as asked
	CodeRestart       = "K8S129" // a restart policy Kubernetes runs differently
	CodeLabel         = "K8S130" // a label or annotation key that is not valid in Kubernetes
	CodeImageUser     = "K8S131" // compose runs as root an image built for a non-root USER
	CodeWorkloadKind  = "K8S132" // the workload kind is a guess that may not match what the service does
	CodeJobFailure    = "K8S133" // a Job's failure holds its dependents in their init phase, where compose would not start them
	CodeKompose       = "K8S150" // a kompose label honoured with a caveat, or ignored because of the rest of the service
	CodeGroup         = "K8S151" // services sharing a pod conflict (ports, a server in a Job's pod) or set pod settings only the primary's apply
	CodeSecretWritten = "K8S152" // a secret's value is written into the output (base64, not encrypted)
	CodeSecretEnv     = "K8S153" // a variable named like a secret is inlined into a workload
	CodeNamespace     = "K8S154" // the namespace is not created by the output and must exist
	CodeAccount       = "K8S155" // a service account the pods run as is not created by the output and must exist
	CodePublished     = "K8S156" // where a published port went (LoadBalancer, Ingress, ClusterIP) when it does not open on the node as compose opens it
)
