package batch

import (
	"github.com/transship/transship/targets"
	"github.com/transship/transship/translate"
)

// Verdicts of Features (the shared ones).
const (
	Kept     = targets.Kept
	Degraded = targets.Degraded
	Refused  = targets.Refused
)

// Feature is what the batch target makes of one compose feature. The
// table is what `transship explain --to batch` prints and what the README
// lists; a test keeps it and codes.go in step.
type Feature = targets.Feature

// Features lists every compose feature, in the order of the compose
// reference's service keys, then the top-level ones.
var Features = []Feature{
	{Key: "image", Verdict: Kept, What: "pulled once with `apptainer pull` into TRANSSHIP_IMAGE_CACHE (a SIF), or used from CVMFS unpacked.cern.ch when there; udocker pulls into its repository"},
	{Key: "build", Verdict: Degraded, What: "a batch system cannot build: a service with build: and no image runs <project>-<service>, the name compose tags (--image-prefix REG/PATH puts it under REG/PATH), which must be pushed or pre-loaded; with an image, the image is pulled", Codes: []string{CodeBuilt, CodeBuild}},
	{Key: "entrypoint, command", Verdict: Kept, What: "composed as docker does: entrypoint replaces the image's and drops its CMD (apptainer exec); command alone keeps the image's entrypoint (apptainer run --no-eval); words passed byte-exact. `entrypoint: []` without a command is an error; `command: []` cannot clear the image's CMD; udocker drops empty arguments", Codes: []string{CodeNothing, CodeAssumed, CodeNUL, CodeEmptyArg}},
	{Key: "working_dir", Verdict: Kept, What: "--pwd / -w; without it the image's WORKDIR from transship.lock (Apptainer ignores it otherwise), or / when there is no lock", Codes: []string{CodeAssumed}},
	{Key: "environment, env_file", Verdict: Kept, What: "resolved at convert time as compose does and passed byte-exact as APPTAINERENV_NAME (SINGULARITYENV_) or udocker -e, with --cleanenv: no host variable leaks in", Codes: []string{CodeNUL}},
	{Key: "depends_on", Verdict: Kept, What: "start order; service_healthy runs the healthcheck until healthy; service_completed_successfully waits for exit 0; required: false goes on after a failure", Codes: []string{CodeHealth}},
	{Key: "healthcheck", Verdict: Kept, What: "probed from the host inside the image (apptainer exec / udocker run) with compose's interval, timeout, retries, start_period and start_interval, when a dependent waits for it; NONE/disable gives none"},
	{Key: "volumes (bind)", Verdict: Kept, What: "--bind / -v of the path under the project directory (created if missing); ~ is the home of the user who runs the job; absolute paths must exist on the node; HTCondor transfers the project's top-level entries that hold them (not what is outside the project, nor missing directories) and brings read-write ones back beside job.sub", Codes: []string{CodeHostPath, CodeMountPath, CodeTransfer}},
	{Key: "volumes (named, anonymous)", Verdict: Degraded, What: "a directory per job under TRANSSHIP_VOLUMES (kept after the job); anonymous ones a temporary directory; drivers and external volumes are not kept; DIRAC jobs bring them back as volumes.tar.gz in the output sandbox", Codes: []string{CodeVolume, CodeSandbox}},
	{Key: "read_only, :ro", Verdict: Degraded, What: "Apptainer: read-only SIF and :ro binds; udocker cannot make either read-only", Codes: []string{CodeReadOnly}},
	{Key: "tmpfs", Verdict: Degraded, What: "a per-job directory on the node; size and mode are not kept", Codes: []string{CodeTmpfs}},
	{Key: "secrets, configs", Verdict: Kept, What: "files bound read-only at their target; environment secrets are read when the job starts and never written into run.sh; inline configs written by the job; external ones are not available; uid, gid and mode are the host file's", Codes: []string{CodeExternal, CodeFileMode}},
	{Key: "ports, expose", Verdict: Degraded, What: "every service shares the node's network: a port is reachable on that node only, and cannot be remapped (needs root); two services on one port collide; ports below 1024 need root", Codes: []string{CodePort, CodePortClash, CodePrivPort}},
	{Key: "networks, aliases, links, hostname, extra_hosts, container_name", Verdict: Degraded, What: "no isolation; every name (service, alias, link, hostname, container_name) resolves to 127.0.0.1 through a generated /etc/hosts, extra_hosts are added; fixed addresses are not kept", Codes: []string{CodeNetwork}},
	{Key: "network_mode", Verdict: Degraded, What: "host is what the job does anyway; none is kept by Apptainer only", Codes: []string{CodeNoNetwork}},
	{Key: "user, group_add", Verdict: Degraded, What: "root becomes --fakeroot / --user=root; any other user is the one who submits the job; a volume a root service shares with others may end up unwritable for them", Codes: []string{CodeUser, CodeRootVolume}},
	{Key: "privileged, cap_add, cap_drop, security_opt, sysctls, ulimits, devices, ipc, pid, userns_mode, dns*, domainname, shm_size", Verdict: Degraded, What: "not kept: unprivileged containers share the node's kernel settings", Codes: []string{CodeIsolation}},
	{Key: "deploy.resources, cpus, mem_limit", Verdict: Degraded, What: "summed into the job's request (Slurm --cpus-per-task/--mem, HTCondor request_*, DIRAC NumberOfProcessors), at least the site's minimum; not enforced per service", Codes: []string{CodeResources}},
	{Key: "GPUs (deploy.resources.reservations.devices, gpus)", Verdict: Kept, What: "--nv / udocker --nvidia, and the count in --gres=gpu:N, request_gpus or the GPU tag; device_ids and count: all are approximated", Codes: []string{CodeGPU}},
	{Key: "restart, deploy.restart_policy", Verdict: Degraded, What: "nothing restarts a service: if it exits non-zero while others need it, the job fails", Codes: []string{CodeRestart}},
	{Key: "deploy.replicas, scale, deploy.mode: global", Verdict: Degraded, What: "one instance runs", Codes: []string{CodeReplicas}},
	{Key: "stop_signal, stop_grace_period", Verdict: Kept, What: "on exit or the scheduler's TERM each service gets its stop signal, its grace period (default 10 s), then KILL of its process group, in reverse start order"},
	{Key: "tty, stdin_open", Verdict: Degraded, What: "a batch job has no terminal; services read /dev/null", Codes: []string{CodeTTY}},
	{Key: "labels, container_name", Verdict: Degraded, What: "no meaning in a job (container_name still resolves)", Codes: []string{CodeLabels}},
	{Key: "platform", Verdict: Degraded, What: "the node's architecture runs", Codes: []string{CodePlatform}},
	{Key: "image, npipe, cluster mounts", Verdict: Degraded, What: "left out", Codes: []string{CodeMount}},
	{Key: "profiles", Verdict: Kept, What: "resolved at convert time (--profile)", Codes: []string{CodeNoServices}},
	{Key: "logging, develop, blkio_config, other keys", Verdict: Degraded, What: "ignored, each with a warning", Codes: []string{CodeUnsupported}},
	{Key: "scheduler", Verdict: Degraded, What: "one job on one node; services that must be reached from outside, or run forever, do not suit a batch system; an unknown scheduler or runtime is an error", Codes: []string{CodeScheduler, CodeOptions}},
}

// Explain returns the Features a service uses, for `transship explain`.
func Explain(s *translate.Service) []Feature {
	used := map[string]bool{
		"image":                          s.Image != "",
		"build":                          s.Build != nil,
		"entrypoint, command":            s.Entrypoint != nil || s.Command != nil,
		"working_dir":                    true, // set or assumed, always said
		"environment, env_file":          len(s.Env) > 0,
		"depends_on":                     len(s.DependsOn) > 0,
		"healthcheck":                    s.Health != nil,
		"ports, expose":                  len(s.Ports) > 0 || len(s.Expose) > 0,
		"user, group_add":                s.User != "" || len(s.GroupAdd) > 0,
		"stop_signal, stop_grace_period": s.StopSignal != "" || s.StopGrace != nil,
		"restart, deploy.restart_policy": s.Restart.Policy != "" && s.Restart.Policy != "no",
		"deploy.replicas, scale, deploy.mode: global": s.Replicas != nil && *s.Replicas != 1 || s.Global,
		"tty, stdin_open":                   s.TTY || s.StdinOpen,
		"labels, container_name":            len(s.Labels) > 0 || s.ContainerName != "",
		"platform":                          s.Platform != "",
		"network_mode":                      s.NetMode != "",
		"read_only, :ro":                    s.Security.ReadOnly,
		"deploy.resources, cpus, mem_limit": s.Resources.CPULimit > 0 || s.Resources.MemLimit > 0 || s.Resources.CPUReserve > 0 || s.Resources.MemReserve > 0,
		"GPUs (deploy.resources.reservations.devices, gpus)":                                                                        len(s.Resources.GPUs) > 0,
		"networks, aliases, links, hostname, extra_hosts, container_name":                                                           len(s.Networks) > 0 || len(s.Links) > 0 || s.Hostname != "" || len(s.ExtraHosts) > 0,
		"privileged, cap_add, cap_drop, security_opt, sysctls, ulimits, devices, ipc, pid, userns_mode, dns*, domainname, shm_size": isolated(s),
		"logging, develop, blkio_config, other keys":                                                                                len(s.Unmodelled) > 0,
	}
	for _, m := range s.Mounts {
		switch m.Kind {
		case translate.MountBind:
			used["volumes (bind)"] = true
		case translate.MountVolume:
			used["volumes (named, anonymous)"] = true
		case translate.MountTmpfs:
			used["tmpfs"] = true
		case translate.MountSecret, translate.MountConfig:
			used["secrets, configs"] = true
		default:
			used["image, npipe, cluster mounts"] = true
		}
		if m.ReadOnly && m.Kind != translate.MountSecret && m.Kind != translate.MountConfig {
			used["read_only, :ro"] = true
		}
	}
	var out []Feature
	for _, f := range Features {
		if used[f.Key] {
			out = append(out, f)
		}
	}
	return out
}

func isolated(s *translate.Service) bool {
	sec := s.Security
	return sec.Privileged || len(sec.CapAdd) > 0 || len(sec.CapDrop) > 0 || len(sec.SecurityOpt) > 0 ||
		sec.IPC != "" || sec.PID != "" || sec.UsernsMode != "" || len(s.Sysctls) > 0 || len(s.Ulimits) > 0 ||
		len(s.Devices) > 0 || len(s.DNS) > 0 || len(s.DNSSearch) > 0 || len(s.DNSOptions) > 0 ||
		s.DomainName != "" || s.ShmSize > 0
}
