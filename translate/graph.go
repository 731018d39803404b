package translate

import (
	"time"

	"github.com/transship/transship/diag"
)

// The Graph is the one intermediate form every target renders. It is plain
// data: no compose-go and no Kubernetes types, every collection sorted by
// name (or kept in the user's order where order has a meaning, like command
// arguments), so that two runs over the same input give the same bytes.
//
// Paths to files of the project (bind mounts, env files, secret and config
// files) are relative to Graph.Dir's project directory and use forward
// slashes; paths outside it keep a "../" prefix. No absolute host path is
// stored, so the JSON form of a Graph is the same on every machine.

// Graph is a loaded compose project.
type Graph struct {
	Name      string     `json:"name"`
	Files     []string   `json:"files"`              // compose files, in merge order, project-relative
	Inputs    []string   `json:"inputs,omitempty"`   // other files read: include and extends targets, sorted
	Profiles  []string   `json:"profiles,omitempty"` // active profiles
	Namespace string     `json:"namespace,omitempty"`
	Services  []*Service `json:"services"`
	// ServicesSrc is where the top-level services: key is, for a target
	// to point at when it has no service to run (not in the graph's JSON).
	ServicesSrc diag.Src   `json:"-"`
	Volumes     []*Volume  `json:"volumes,omitempty"`
	Networks    []*Network `json:"networks,omitempty"`
	Secrets     []*Secret  `json:"secrets,omitempty"`
	Configs     []*Config  `json:"configs,omitempty"`
	// Unmodelled lists top-level entries the Graph does not represent
	// (jobs, models), for targets to warn about.
	Unmodelled []diag.Src `json:"unmodelled,omitempty"`
	// Images are the registries' facts about the services' images (from
	// transship.lock or --resolve-images), sorted by Ref, which is the
	// service's image as the targets write it. Empty when neither was used.
	Images []ImageFacts `json:"images,omitempty"`

	// Compose is the project as `docker compose config` prints it (paths
	// inside the project relative), when translate.Options.Normalized
	// asks for it; not serialised.
	Compose []byte `json:"-"`

	// Dir is the absolute project directory. It is not serialised: it is a
	// host path and only the edges (the CLI, image lookup) may use it.
	Dir string `json:"-"`
}

// Service is one compose service.
type Service struct {
	Name          string   `json:"name"`
	Image         string   `json:"image,omitempty"`
	Build         *Build   `json:"build,omitempty"`
	BuildSrc      diag.Src `json:"-"` // where build: is written
	PullPolicy    string   `json:"pull_policy,omitempty"`
	Platform      string   `json:"platform,omitempty"`
	ContainerName string   `json:"container_name,omitempty"`
	Profiles      []string `json:"profiles,omitempty"`

	// Entrypoint and Command are nil when not set (the image's own apply)
	// and an empty non-nil slice when set to [] or "" (clearing the image's).
	Entrypoint []string `json:"entrypoint"`
	Command    []string `json:"command"`
	WorkingDir string   `json:"working_dir,omitempty"`
	User       string   `json:"user,omitempty"`
	GroupAdd   []string `json:"group_add,omitempty"`
	Env        []EnvVar `json:"environment,omitempty"`
	EnvFiles   []string `json:"env_files,omitempty"` // already merged into Env; kept for provenance
	Labels     []KV     `json:"labels,omitempty"`

	Hostname   string    `json:"hostname,omitempty"`
	DomainName string    `json:"domainname,omitempty"`
	ExtraHosts []HostIP  `json:"extra_hosts,omitempty"`
	DNS        []string  `json:"dns,omitempty"`
	DNSSearch  []string  `json:"dns_search,omitempty"`
	DNSOptions []string  `json:"dns_opt,omitempty"`
	Ports      []Port    `json:"ports,omitempty"`
	Expose     []Port    `json:"expose,omitempty"`
	Networks   []NetRef  `json:"networks,omitempty"`
	NetMode    string    `json:"network_mode,omitempty"` // "host", "none", "service:x", "container:x", or "" (bridge networks)
	Mounts     []Mount   `json:"mounts,omitempty"`
	DependsOn  []DepEdge `json:"depends_on,omitempty"`
	Health     *Health   `json:"healthcheck,omitempty"`
	Restart    Restart   `json:"restart"`
	Replicas   *int      `json:"replicas,omitempty"` // deploy.replicas or scale; nil = 1
	Global     bool      `json:"global,omitempty"`   // deploy.mode: global
	Update     *Update   `json:"update,omitempty"`
	Placement  []string  `json:"placement,omitempty"` // deploy.placement.constraints
	Resources  Resources `json:"resources,omitzero"`
	Security   Security  `json:"security,omitzero"`
	Ulimits    []Ulimit  `json:"ulimits,omitempty"`
	UlimitsSrc diag.Src  `json:"-"` // where ulimits is written
	// LimitsSrc is where the limits are written: deploy.resources.limits,
	// else cpus, mem_limit or pids_limit (the service when none is).
	LimitsSrc  diag.Src   `json:"-"`
	Sysctls    []KV       `json:"sysctls,omitempty"`
	Devices    []string   `json:"devices,omitempty"` // "host:container[:perms]"
	Init       bool       `json:"init,omitempty"`
	TTY        bool       `json:"tty,omitempty"`
	StdinOpen  bool       `json:"stdin_open,omitempty"`
	ShmSize    int64      `json:"shm_size,omitempty"`          // bytes
	StopGrace  *Duration  `json:"stop_grace_period,omitempty"` // nil = runtime default
	StopSignal string     `json:"stop_signal,omitempty"`
	Links      []string   `json:"links,omitempty"`
	Ext        ServiceExt `json:"x-transship,omitzero"`
	// LabelSrc is where each label is written (a kompose label by the key
	// its aliases map to), for targets to point at the label.
	LabelSrc map[string]diag.Src `json:"-"`

	// Unmodelled lists the keys this service sets that the Graph does not
	// represent (logging, develop, blkio_config, ...). Targets turn each
	// into a warning, so nothing the user wrote disappears silently.
	Unmodelled []diag.Src `json:"unmodelled,omitempty"`

	Src diag.Src `json:"src"`
}

// Build is where an image would be built from. Targets that cannot build
// need Service.Image; the graph keeps the build so they can say why.
type Build struct {
	Context    string `json:"context"`
	Dockerfile string `json:"dockerfile,omitempty"`
	Target     string `json:"target,omitempty"`
	Args       []KV   `json:"args,omitempty"`
	Inline     bool   `json:"dockerfile_inline,omitempty"`
}

// EnvVar is one environment variable. Value is nil when compose left it
// unresolved (`environment: [FOO]` with FOO unset): the container gets no
// such variable.
type EnvVar struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
	// Src is where the variable is set (the service, for one from an
	// env_file); not serialised, so the graph's JSON stays as it was.
	Src diag.Src `json:"-"`
	// EnvFile is the env_file (project-relative) the value comes from,
	// "" when environment: sets it.
	EnvFile string `json:"env_file,omitempty"`
}

// KV is a name and value, for labels, sysctls and build args.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// HostIP is one extra_hosts entry.
type HostIP struct {
	Host string `json:"host"`
	IP   string `json:"ip"`
}

// Port is one container port, published or not. compose-go expands a
// range of container ports into one Port each; a range of host ports
// published for one container port ("8080-8081:80", for replicas) stays
// one Port whose Published is that range.
type Port struct {
	Name        string   `json:"name,omitempty"`
	Target      uint32   `json:"target"`
	Published   string   `json:"published,omitempty"` // host port or range; "" = not published
	HostIP      string   `json:"host_ip,omitempty"`
	Protocol    string   `json:"protocol"` // "tcp" or "udp" (or "sctp")
	AppProtocol string   `json:"app_protocol,omitempty"`
	Mode        string   `json:"mode,omitempty"`
	Src         diag.Src `json:"src"`
}

// NetRef attaches a service to a project network.
type NetRef struct {
	Network     string   `json:"network"` // key under top-level networks
	Aliases     []string `json:"aliases,omitempty"`
	IPv4Address string   `json:"ipv4_address,omitempty"`
	IPv6Address string   `json:"ipv6_address,omitempty"`
	Src         diag.Src `json:"src"`
}

// MountKind says what a Mount is backed by.
type MountKind string

// The mount kinds. Secret and config mounts come from a service's
// secrets: and configs: lists, the rest from volumes: and tmpfs:.
const (
	MountBind   MountKind = "bind"
	MountVolume MountKind = "volume"
	MountTmpfs  MountKind = "tmpfs"
	MountSecret MountKind = "secret"
	MountConfig MountKind = "config"
	MountImage  MountKind = "image"
	MountOther  MountKind = "other" // npipe, cluster: kept so targets can refuse them
)

// Mount is an edge from a service to what it mounts.
type Mount struct {
	Kind     MountKind `json:"kind"`
	Source   string    `json:"source,omitempty"` // volume/secret/config key; bind: project-relative or absolute host path; "" = anonymous volume
	Target   string    `json:"target"`
	ReadOnly bool      `json:"read_only,omitempty"`
	SubPath  string    `json:"subpath,omitempty"`
	// Bind mounts: whether Source is a regular file, a directory, or absent
	// (compose creates a missing directory). Stat'ed at translate time.
	SourceKind string   `json:"source_kind,omitempty"` // "file", "dir", "missing"
	TmpfsSize  int64    `json:"tmpfs_size,omitempty"`  // bytes, 0 = unlimited
	Mode       *int     `json:"mode,omitempty"`        // secrets, configs, tmpfs
	UID        string   `json:"uid,omitempty"`
	GID        string   `json:"gid,omitempty"`
	Src        diag.Src `json:"src"`
}

// DepEdge is one depends_on entry.
type DepEdge struct {
	Service   string `json:"service"`
	Condition string `json:"condition"` // service_started, service_healthy, service_completed_successfully
	Required  bool   `json:"required"`
	Restart   bool   `json:"restart,omitempty"`
	// Implicit: compose added it (network_mode, ipc, pid... service:X,
	// links, volumes_from); the file has no depends_on entry for it.
	Implicit bool     `json:"implicit,omitempty"`
	Src      diag.Src `json:"src"`
}

// Health is a healthcheck. Disabled healthchecks (disable: true or test:
// ["NONE"]) keep Disabled so targets can also turn off an image's own.
type Health struct {
	Disabled      bool      `json:"disabled,omitempty"`
	Shell         bool      `json:"shell,omitempty"` // CMD-SHELL: Test[0] is a shell command line
	Test          []string  `json:"test,omitempty"`
	Interval      *Duration `json:"interval,omitempty"`
	Timeout       *Duration `json:"timeout,omitempty"`
	Retries       *uint64   `json:"retries,omitempty"`
	StartPeriod   *Duration `json:"start_period,omitempty"`
	StartInterval *Duration `json:"start_interval,omitempty"`
	Src           diag.Src  `json:"src"`
}

// Duration is a duration in nanoseconds, as compose-go gives it. It reads
// as Go writes durations ("1m30s") in JSON.
type Duration int64

// MarshalText writes d like time.Duration's String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Restart is the restart policy, from restart: or deploy.restart_policy.
// Policy "" means the file sets none: compose then behaves as "no", but a
// target may read an unset policy differently from an explicit "no" (the
// Kubernetes target runs an explicit "no" as a Job).
type Restart struct {
	Policy      string `json:"policy,omitempty"` // "", "no", "always", "on-failure", "unless-stopped"
	MaxAttempts int    `json:"max_attempts,omitempty"`
}

// Update is deploy.update_config.
type Update struct {
	Parallelism *uint64   `json:"parallelism,omitempty"`
	Delay       *Duration `json:"delay,omitempty"`
	Order       string    `json:"order,omitempty"` // "stop-first" or "start-first"
}

// Resources are the merged limits and reservations: deploy.resources
// first, the older service-level keys (cpus, mem_limit...) where deploy
// leaves them unset.
type Resources struct {
	CPULimit    float64 `json:"cpu_limit,omitempty"`          // cores
	CPUReserve  float64 `json:"cpu_reservation,omitempty"`    // cores
	MemLimit    int64   `json:"memory_limit,omitempty"`       // bytes
	MemReserve  int64   `json:"memory_reservation,omitempty"` // bytes
	PidsLimit   int64   `json:"pids_limit,omitempty"`
	GPUs        []GPU   `json:"gpus,omitempty"`
	GenericDevs []KV    `json:"generic_resources,omitempty"`
}

// GPU is one device request with the gpu capability. Count -1 means all.
type GPU struct {
	Driver       string   `json:"driver,omitempty"`
	Count        int64    `json:"count"`
	DeviceIDs    []string `json:"device_ids,omitempty"`
	Capabilities []string `json:"capabilities,omitempty"`
	Src          diag.Src `json:"src"`
}

// Security is what becomes a security context.
type Security struct {
	Privileged  bool     `json:"privileged,omitempty"`
	ReadOnly    bool     `json:"read_only,omitempty"`
	CapAdd      []string `json:"cap_add,omitempty"`
	CapDrop     []string `json:"cap_drop,omitempty"`
	SecurityOpt []string `json:"security_opt,omitempty"`
	IPC         string   `json:"ipc,omitempty"`
	PID         string   `json:"pid,omitempty"`
	UsernsMode  string   `json:"userns_mode,omitempty"`
}

// Ulimit is one ulimits entry; Soft == Hard for the single-number form.
type Ulimit struct {
	Name string `json:"name"`
	Soft int    `json:"soft"`
	Hard int    `json:"hard"`
}

// Volume is a top-level named volume.
type Volume struct {
	Name       string `json:"name"`      // key under volumes:
	RealName   string `json:"real_name"` // name: or "<project>_<key>" (external: the name as given)
	External   bool   `json:"external,omitempty"`
	Driver     string `json:"driver,omitempty"`
	DriverOpts []KV   `json:"driver_opts,omitempty"`
	Labels     []KV   `json:"labels,omitempty"`
	// Users are the services mounting it, sorted; a volume used by more
	// than one service (or by a replicated one) must be shareable.
	Users []string  `json:"users,omitempty"`
	Ext   VolumeExt `json:"x-transship,omitzero"`
	Src   diag.Src  `json:"src"`
}

// Network is a top-level network.
type Network struct {
	Name       string   `json:"name"`
	RealName   string   `json:"real_name"`
	External   bool     `json:"external,omitempty"`
	Internal   bool     `json:"internal,omitempty"`
	Driver     string   `json:"driver,omitempty"`
	DriverOpts []KV     `json:"driver_opts,omitempty"`
	Labels     []KV     `json:"labels,omitempty"`
	Subnets    []string `json:"subnets,omitempty"` // ipam.config[].subnet
	IPv6       bool     `json:"enable_ipv6,omitempty"`
	Attachable bool     `json:"attachable,omitempty"`
	Members    []string `json:"members,omitempty"` // attached services, sorted
	Src        diag.Src `json:"src"`
}

// Secret is a top-level secret. File secrets keep the project-relative
// path; the bytes are not read into the Graph (targets that embed them get
// them from the edge, with an explicit flag).
type Secret struct {
	Name     string   `json:"name"`
	RealName string   `json:"real_name"`
	File     string   `json:"file,omitempty"`
	EnvVar   string   `json:"environment,omitempty"` // from the named variable
	External bool     `json:"external,omitempty"`
	Users    []string `json:"users,omitempty"`
	Src      diag.Src `json:"src"`
}

// Config is a top-level config: a file, inline content, or a variable.
// Inline and variable content is resolved at translate time.
type Config struct {
	Name     string   `json:"name"`
	RealName string   `json:"real_name"`
	File     string   `json:"file,omitempty"`
	Content  *string  `json:"content,omitempty"`
	EnvVar   string   `json:"environment,omitempty"`
	External bool     `json:"external,omitempty"`
	Users    []string `json:"users,omitempty"`
	Src      diag.Src `json:"src"`
}

// ImageInfo is what is known of the image ref, or nil.
func (g *Graph) ImageInfo(ref string) *ImageFacts {
	for i := range g.Images {
		if g.Images[i].Ref == ref {
			return &g.Images[i]
		}
	}
	return nil
}
