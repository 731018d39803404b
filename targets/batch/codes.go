package batch

// Stable diagnostic codes of the batch target. A code never changes
// meaning; new problems get new codes. Errors are BAT0xx, warnings BAT1xx.
const (
	// BAT001 (a build-only service, refused) is retired: it is the warning BAT128 now.
	CodeNUL        = "BAT002" // a value holds a NUL byte, which no argv or environment can carry
	CodeMountPath  = "BAT003" // a mount path with ',' or ':', which the runtimes split on
	CodeNothing    = "BAT004" // entrypoint cleared and no command: nothing to run
	CodeNoServices = "BAT005" // the project has no service (all behind profiles, or none)
	CodeOptions    = "BAT006" // an unknown scheduler or runtime in the options

	CodeUnsupported = "BAT101" // a compose key the batch target has no equivalent for
	CodePort        = "BAT102" // a published port: no remapping, reachable on the node only
	CodePortClash   = "BAT103" // two services listen on the same container port
	CodeNetwork     = "BAT104" // networks do not isolate: every service shares the node's network
	CodeRestart     = "BAT105" // restart policies are not kept: nothing restarts a service
	CodeUser        = "BAT106" // a user other than root: the job runs as the submitting user
	CodeIsolation   = "BAT107" // privileges, capabilities, sysctls, ulimits, devices, DNS...
	CodeResources   = "BAT108" // per-service limits become the job's request, not enforced per service
	CodeReadOnly    = "BAT109" // read-only mount or root file system that udocker cannot enforce
	CodeAssumed     = "BAT110" // image metadata the graph does not have: an assumption is made
	CodeTmpfs       = "BAT111" // tmpfs options that a per-job directory does not keep
	CodeVolume      = "BAT112" // external volume or volume driver: a per-job directory instead
	CodeExternal    = "BAT113" // an external secret or config that the job cannot get
	CodeHostPath    = "BAT114" // an absolute host path, which must exist on the worker node
	CodeHealth      = "BAT115" // service_healthy on a service without a healthcheck
	CodeReplicas    = "BAT116" // replicas or global mode: one instance runs
	CodeGPU         = "BAT117" // a GPU request that --nv cannot express exactly
	CodeTTY         = "BAT118" // tty and stdin_open: a batch job has no terminal
	CodeBuild       = "BAT119" // build: is ignored, the image is pulled
	CodeLabels      = "BAT120" // labels and container_name have no meaning in a job
	CodeMount       = "BAT121" // a mount kind the runtimes cannot express
	CodePlatform    = "BAT122" // platform: the node's architecture runs
	CodeScheduler   = "BAT123" // the scheduler cannot express something (long-running, ports)
	CodeNoNetwork   = "BAT124" // network_mode: none, which udocker cannot keep
	CodeFileMode    = "BAT125" // uid, gid or mode of a secret or config file
	CodePrivPort    = "BAT126" // a container port below 1024, which an unprivileged job cannot listen on
	CodeRootVolume  = "BAT127" // a volume a --fakeroot service shares with services that run as the user
	CodeBuilt       = "BAT128" // build: without image: the name compose would tag, <project>-<service>, is run
	CodeEmptyArg    = "BAT129" // an empty argument, which udocker's command line drops
	CodeSandbox     = "BAT130" // DIRAC: named volumes come back in the output sandbox, as a tarball
	CodeTransfer    = "BAT131" // HTCondor, DIRAC: what the job's file transfer cannot carry, or carries elsewhere
)
