package translate

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

func (c *converter) service(s types.ServiceConfig) *Service {
	base := "services." + s.Name
	ext, ds := serviceExt(c.ix, s.Name, s.Labels, s.Extensions)
	c.diags = append(c.diags, ds...)
	out := &Service{
		Name: s.Name, Image: s.Image, PullPolicy: s.PullPolicy, Platform: s.Platform,
		ContainerName: s.ContainerName, Profiles: sortedCopy(s.Profiles),
		Entrypoint: cmdline(s.Entrypoint), Command: cmdline(s.Command),
		WorkingDir: s.WorkingDir, User: s.User, GroupAdd: s.GroupAdd,
		Env: envVars(s.Environment), Labels: kvs(s.Labels),
		Hostname: s.Hostname, DomainName: s.DomainName, ExtraHosts: extraHosts(s.ExtraHosts),
		DNS: s.DNS, DNSSearch: s.DNSSearch, DNSOptions: s.DNSOpts,
		NetMode: s.NetworkMode, Init: s.Init != nil && *s.Init, TTY: s.Tty, StdinOpen: s.StdinOpen,
		ShmSize: int64(s.ShmSize), StopGrace: duration(s.StopGracePeriod), StopSignal: s.StopSignal,
		Links: s.Links, Sysctls: kvs(s.Sysctls), Devices: devices(s.Devices),
		Security: Security{
			Privileged: s.Privileged, ReadOnly: s.ReadOnly, CapAdd: s.CapAdd, CapDrop: s.CapDrop,
			SecurityOpt: s.SecurityOpt, IPC: s.Ipc, PID: s.Pid, UsernsMode: s.UserNSMode,
		},
		Ulimits: ulimits(s.Ulimits), Ext: ext, Src: c.ix.src(base),
	}
	for _, f := range s.EnvFiles {
		out.EnvFiles = append(out.EnvFiles, c.rel(f.Path))
	}
	out.Build = c.build(s.Build)
	out.Ports = c.ports(base+".ports", s.Ports)
	out.Expose = c.expose(base+".expose", s.Expose)
	out.Networks = c.netRefs(base, s.Networks)
	out.Mounts = c.mounts(base, s)
	out.DependsOn = c.deps(base, s.DependsOn)
	out.Health = c.health(base+".healthcheck", s.HealthCheck)
	c.deploy(out, s)
	out.Unmodelled = c.unmodelled(base, s)
	return out
}

// cmdline keeps nil (not set: the image's own applies) apart from empty
// (set to nothing: clears the image's).
func cmdline(sc types.ShellCommand) []string {
	if sc == nil {
		return nil
	}
	return append([]string{}, sc...)
}

func envVars(m types.MappingWithEquals) []EnvVar {
	out := make([]EnvVar, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, EnvVar{Name: k, Value: m[k]})
	}
	return out
}

func extraHosts(h types.HostsList) []HostIP {
	var out []HostIP
	for _, host := range sortedKeys(h) {
		for _, ip := range h[host] {
			out = append(out, HostIP{Host: host, IP: ip})
		}
	}
	return out
}

func duration(d *types.Duration) *Duration {
	if d == nil {
		return nil
	}
	v := Duration(*d)
	return &v
}

func devices(ds []types.DeviceMapping) []string {
	var out []string
	for _, d := range ds {
		s := d.Source + ":" + d.Target
		if d.Permissions != "" {
			s += ":" + d.Permissions
		}
		out = append(out, s)
	}
	return out
}

func ulimits(m map[string]*types.UlimitsConfig) []Ulimit {
	var out []Ulimit
	for _, name := range sortedKeys(m) {
		u := m[name]
		soft, hard := u.Soft, u.Hard
		if u.Single != 0 {
			soft, hard = u.Single, u.Single
		}
		out = append(out, Ulimit{Name: name, Soft: soft, Hard: hard})
	}
	return out
}

func (c *converter) build(b *types.BuildConfig) *Build {
	if b == nil {
		return nil
	}
	out := &Build{Context: c.rel(b.Context), Dockerfile: b.Dockerfile, Target: b.Target, Inline: b.DockerfileInline != ""}
	for _, k := range sortedKeys(b.Args) {
		v := ""
		if p := b.Args[k]; p != nil {
			v = *p
		}
		out.Args = append(out.Args, KV{Key: k, Value: v})
	}
	return out
}

// ports keeps compose-go's order. A short-syntax range is already expanded
// into one entry per port; those entries share the source position of the
// range that produced them when counts differ.
func (c *converter) ports(base string, ps []types.ServicePortConfig) []Port {
	var out []Port
	for i, p := range ps {
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		out = append(out, Port{
			Name: p.Name, Target: p.Target, Published: p.Published, HostIP: p.HostIP,
			Protocol: proto, AppProtocol: p.AppProtocol, Mode: p.Mode,
			Src: c.portSrc(base, i, p),
		})
	}
	return out
}

// portSrc finds the entry a port came from by the short forms that write
// it, so ports merged from several files keep their own file; long-syntax
// and range entries fall back to the index.
func (c *converter) portSrc(base string, i int, p types.ServicePortConfig) Src {
	t := strconv.FormatUint(uint64(p.Target), 10)
	forms := []string{t}
	if p.Published != "" {
		forms = append(forms, p.Published+":"+t)
		if p.HostIP != "" {
			forms = append(forms, p.HostIP+":"+p.Published+":"+t)
		}
	}
	for _, f := range forms {
		for _, suffix := range []string{"", "/" + p.Protocol} {
			if src, ok := c.ix.valueSrc(base, f+suffix); ok {
				return src
			}
		}
	}
	return c.itemSrc(base, i)
}

// itemSrc is the source of the i-th entry of a list, or of the list when
// merging or expansion made the index unknown to the files.
func (c *converter) itemSrc(base string, i int) Src {
	p := base + "[" + strconv.Itoa(i) + "]"
	if c.ix.has(p) {
		return c.ix.src(p)
	}
	return Src{Pos: c.ix.rel(c.ix.lookup(base)), Path: p}
}

func (c *converter) expose(base string, ex types.StringOrNumberList) []Port {
	var out []Port
	for i, e := range ex {
		port, proto, _ := strings.Cut(e, "/")
		if proto == "" {
			proto = "tcp"
		}
		lo, hi := port, port
		if a, b, ok := strings.Cut(port, "-"); ok {
			lo, hi = a, b
		}
		from, err1 := strconv.ParseUint(lo, 10, 16)
		to, err2 := strconv.ParseUint(hi, 10, 16)
		if err1 != nil || err2 != nil || to < from {
			c.diags = append(c.diags, Errorf(CodeValue, c.itemSrc(base, i), "invalid port %q", e))
			continue
		}
		for n := from; n <= to; n++ {
			out = append(out, Port{Target: uint32(n), Protocol: proto, Src: c.itemSrc(base, i)})
		}
	}
	return out
}

func (c *converter) netRefs(base string, nets map[string]*types.ServiceNetworkConfig) []NetRef {
	var out []NetRef
	for _, name := range sortedKeys(nets) {
		r := NetRef{Network: name, Src: c.refSrc(base+".networks", name)}
		if n := nets[name]; n != nil {
			r.Aliases, r.IPv4Address, r.IPv6Address = sortedCopy(n.Aliases), n.Ipv4Address, n.Ipv6Address
		}
		out = append(out, r)
	}
	return out
}

// refSrc finds an entry of a list-or-map of names (networks, depends_on):
// "base.name" in map form, "base=name" in list form (see posIndex.walk).
func (c *converter) refSrc(base, name string) Src {
	if p := base + "." + name; c.ix.has(p) {
		return c.ix.src(p)
	}
	if src, ok := c.ix.valueSrc(base, name); ok {
		return src
	}
	return c.ix.src(base)
}

// listSrc finds a secrets:/configs: entry: the i-th when it is written in
// the long syntax (a mapping), else by name in the short syntax.
func (c *converter) listSrc(base, name string, i int) Src {
	item := base + "[" + strconv.Itoa(i) + "]"
	if c.ix.has(item + ".source") {
		return c.ix.src(item)
	}
	if src, ok := c.ix.valueSrc(base, name); ok {
		return src
	}
	return c.itemSrc(base, i)
}

func (c *converter) deps(base string, deps types.DependsOnConfig) []DepEdge {
	var out []DepEdge
	for _, name := range sortedKeys(deps) {
		d := deps[name]
		cond := d.Condition
		if cond == "" {
			cond = types.ServiceConditionStarted
		}
		out = append(out, DepEdge{Service: name, Condition: cond, Required: d.Required, Restart: d.Restart,
			Src: c.refSrc(base+".depends_on", name)})
	}
	return out
}

func (c *converter) health(base string, h *types.HealthCheckConfig) *Health {
	if h == nil {
		return nil
	}
	out := &Health{
		Disabled: h.Disable, Interval: duration(h.Interval), Timeout: duration(h.Timeout), Retries: h.Retries,
		StartPeriod: duration(h.StartPeriod), StartInterval: duration(h.StartInterval), Src: c.ix.src(base),
	}
	switch {
	case len(h.Test) == 0:
	case h.Test[0] == "NONE":
		out.Disabled = true
	case h.Test[0] == "CMD-SHELL":
		out.Shell, out.Test = true, []string{strings.Join(h.Test[1:], " ")}
	case h.Test[0] == "CMD":
		out.Test = append([]string{}, h.Test[1:]...)
	default:
		out.Test = append([]string{}, h.Test...)
	}
	if out.Disabled {
		out.Test, out.Shell = nil, false
	}
	return out
}

// deploy reads deploy: and the older service-level keys it supersedes.
func (c *converter) deploy(out *Service, s types.ServiceConfig) {
	out.Restart = restart(s)
	if s.Scale != nil {
		n := *s.Scale
		out.Replicas = &n
	}
	r := &out.Resources
	r.CPULimit, r.MemLimit, r.MemReserve = cpus(s.CPUS), int64(s.MemLimit), int64(s.MemReservation)
	r.PidsLimit = s.PidsLimit
	for i, g := range s.Gpus {
		r.GPUs = append(r.GPUs, gpu(g, c.itemSrc("services."+s.Name+".gpus", i)))
	}
	d := s.Deploy
	if d == nil {
		return
	}
	if d.Replicas != nil {
		n := *d.Replicas
		out.Replicas = &n
	}
	out.Global = d.Mode == "global"
	if u := d.UpdateConfig; u != nil {
		out.Update = &Update{Parallelism: u.Parallelism, Order: u.Order}
		if u.Delay != 0 {
			out.Update.Delay = duration(&u.Delay)
		}
	}
	out.Placement = sortedCopy(d.Placement.Constraints)
	c.resources(r, s.Name, d.Resources)
}

func (c *converter) resources(r *Resources, svc string, res types.Resources) {
	if l := res.Limits; l != nil {
		setNonZero(&r.CPULimit, cpus(float32(l.NanoCPUs)))
		setNonZero(&r.MemLimit, int64(l.MemoryBytes))
		setNonZero(&r.PidsLimit, l.Pids)
	}
	if rv := res.Reservations; rv != nil {
		setNonZero(&r.CPUReserve, cpus(float32(rv.NanoCPUs)))
		setNonZero(&r.MemReserve, int64(rv.MemoryBytes))
		base := "services." + svc + ".deploy.resources.reservations.devices"
		for i, dev := range rv.Devices {
			if isGPU(dev) {
				r.GPUs = append(r.GPUs, gpu(dev, c.itemSrc(base, i)))
			}
		}
		for _, g := range rv.GenericResources {
			if spec := g.DiscreteResourceSpec; spec != nil {
				r.GenericDevs = append(r.GenericDevs, KV{Key: spec.Kind, Value: strconv.FormatInt(spec.Value, 10)})
			}
		}
	}
}

// cpus widens compose-go's float32 CPU count without its binary noise:
// 0.1 stays 0.1, not 0.10000000149011612.
func cpus(f float32) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return v
}

func setNonZero[T int64 | float64](dst *T, v T) {
	if v != 0 {
		*dst = v
	}
}

func isGPU(d types.DeviceRequest) bool {
	for _, c := range d.Capabilities {
		if c == "gpu" {
			return true
		}
	}
	return d.Driver == "nvidia" || d.Driver == "amd"
}

func gpu(d types.DeviceRequest, src Src) GPU {
	n := int64(d.Count)
	if n == 0 && len(d.IDs) == 0 {
		n = -1 // compose: no count and no ids means all GPUs
	}
	return GPU{Driver: d.Driver, Count: n, DeviceIDs: d.IDs, Capabilities: sortedCopy(d.Capabilities), Src: src}
}

// restart merges restart: with deploy.restart_policy (which compose uses
// when restart: is absent).
func restart(s types.ServiceConfig) Restart {
	if s.Restart != "" {
		policy, max, _ := strings.Cut(s.Restart, ":")
		r := Restart{Policy: policy}
		r.MaxAttempts, _ = strconv.Atoi(max)
		return r
	}
	if s.Deploy != nil && s.Deploy.RestartPolicy != nil {
		rp := s.Deploy.RestartPolicy
		r := Restart{Policy: map[string]string{"none": "no", "on-failure": "on-failure", "any": "always", "": "always"}[rp.Condition]}
		if r.Policy == "" {
			r.Policy = rp.Condition
		}
		if rp.MaxAttempts != nil {
			r.MaxAttempts = int(*rp.MaxAttempts)
		}
		return r
	}
	return Restart{Policy: "no"}
}

// unmodelled names the keys a service sets that the Graph has no field for.
func (c *converter) unmodelled(base string, s types.ServiceConfig) []Src {
	set := map[string]bool{
		"logging": s.Logging != nil, "develop": s.Develop != nil, "blkio_config": s.BlkioConfig != nil,
		"cpu_shares": s.CPUShares != 0, "cpuset": s.CPUSet != "", "cpu_quota": s.CPUQuota != 0,
		"cpu_period": s.CPUPeriod != 0, "cpu_count": s.CPUCount != 0, "cpu_percent": s.CPUPercent != 0,
		"cpu_rt_period": s.CPURTPeriod != 0, "cpu_rt_runtime": s.CPURTRuntime != 0,
		"cgroup": s.Cgroup != "", "cgroup_parent": s.CgroupParent != "", "mac_address": s.MacAddress != "",
		"runtime": s.Runtime != "", "isolation": s.Isolation != "", "oom_kill_disable": s.OomKillDisable,
		"oom_score_adj": s.OomScoreAdj != 0, "storage_opt": len(s.StorageOpt) > 0,
		"volumes_from": len(s.VolumesFrom) > 0, "external_links": len(s.ExternalLinks) > 0,
		"uts": s.Uts != "", "device_cgroup_rules": len(s.DeviceCgroupRules) > 0,
		"memswap_limit": s.MemSwapLimit != 0, "mem_swappiness": s.MemSwappiness != 0,
		"post_start": len(s.PostStart) > 0, "pre_stop": len(s.PreStop) > 0, "credential_spec": s.CredentialSpec != nil,
		"use_api_socket": s.UseAPISocket, "provider": s.Provider != nil, "models": len(s.Models) > 0,
		"annotations": len(s.Annotations) > 0, "attach": s.Attach != nil,
	}
	if d := s.Deploy; d != nil {
		set["deploy.endpoint_mode"] = d.EndpointMode != ""
		set["deploy.rollback_config"] = d.RollbackConfig != nil
		set["deploy.placement.preferences"] = len(d.Placement.Preferences) > 0
		set["deploy.placement.max_replicas_per_node"] = d.Placement.MaxReplicas != 0
		set["deploy.labels"] = len(d.Labels) > 0
	}
	for k := range s.Extensions {
		set[k] = k != "x-transship"
	}
	var out []Src
	for _, k := range sortedKeys(set) {
		if set[k] {
			out = append(out, c.ix.src(base+"."+k))
		}
	}
	return out
}

// mounts lists volumes:, tmpfs:, secrets: and configs: as mount edges.
func (c *converter) mounts(base string, s types.ServiceConfig) []Mount {
	var out []Mount
	for i, v := range s.Volumes {
		out = append(out, c.volumeMount(v, c.itemSrc(base+".volumes", i)))
	}
	for i, t := range s.Tmpfs {
		out = append(out, tmpfsMount(t, c.itemSrc(base+".tmpfs", i)))
	}
	for i, sec := range s.Secrets {
		out = append(out, fileMount(MountSecret, types.FileReferenceConfig(sec), "/run/secrets/", c.listSrc(base+".secrets", sec.Source, i)))
	}
	for i, cfg := range s.Configs {
		out = append(out, fileMount(MountConfig, types.FileReferenceConfig(cfg), "/", c.listSrc(base+".configs", cfg.Source, i)))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}

func (c *converter) volumeMount(v types.ServiceVolumeConfig, src Src) Mount {
	m := Mount{Target: v.Target, ReadOnly: v.ReadOnly, Src: src}
	switch v.Type {
	case types.VolumeTypeBind:
		m.Kind, m.Source, m.SourceKind = MountBind, c.bindSource(v.Source, src.Path), statKind(v.Source)
	case types.VolumeTypeVolume:
		m.Kind, m.Source = MountVolume, v.Source
		if v.Volume != nil {
			m.SubPath = v.Volume.Subpath
		}
	case types.VolumeTypeTmpfs:
		m.Kind = MountTmpfs
		if v.Tmpfs != nil {
			m.TmpfsSize = int64(v.Tmpfs.Size)
			if v.Tmpfs.Mode != 0 {
				mode := int(v.Tmpfs.Mode)
				m.Mode = &mode
			}
		}
	case types.VolumeTypeImage:
		m.Kind, m.Source = MountImage, v.Source
	default:
		m.Kind, m.Source = MountOther, v.Type+":"+v.Source
	}
	return m
}

// bindSource keeps a bind source the user wrote absolute (or from ~)
// as written, and makes one written relative project-relative: compose-go
// has made both absolute, and only the written form tells them apart.
func (c *converter) bindSource(resolved, path string) string {
	written, ok := c.ix.raw[path+".source"]
	if !ok {
		written, _, _ = strings.Cut(c.ix.raw[path], ":")
	}
	switch {
	case strings.HasPrefix(written, "/"):
		return resolved
	case strings.HasPrefix(written, "~"):
		return written
	}
	return c.rel(resolved)
}

// tmpfsMount reads the short tmpfs syntax "/path:size=64m,mode=1777".
func tmpfsMount(t string, src Src) Mount {
	target, opts, _ := strings.Cut(t, ":")
	m := Mount{Kind: MountTmpfs, Target: target, Src: src}
	for _, o := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "size":
			if n, err := parseBytes(v); err == nil {
				m.TmpfsSize = n
			}
		case "mode":
			if n, err := strconv.ParseInt(v, 8, 32); err == nil {
				mode := int(n)
				m.Mode = &mode
			}
		}
	}
	return m
}

// parseBytes reads docker's size syntax: a number with an optional b, k,
// m or g suffix, in powers of 1024.
func parseBytes(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for suffix, m := range map[string]int64{"k": 1 << 10, "m": 1 << 20, "g": 1 << 30} {
		if strings.HasSuffix(s, suffix) || strings.HasSuffix(s, suffix+"b") {
			s = strings.TrimSuffix(strings.TrimSuffix(s, "b"), suffix)
			mult = m
			break
		}
	}
	s = strings.TrimSuffix(s, "b")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}

// fileMount is a secret or config mount; a relative target is under dir,
// as compose does.
func fileMount(kind MountKind, f types.FileReferenceConfig, dir string, src Src) Mount {
	target := f.Target
	if target == "" {
		target = f.Source
	}
	if !path.IsAbs(target) {
		target = dir + target
	}
	m := Mount{Kind: kind, Source: f.Source, Target: target, ReadOnly: true, UID: f.UID, GID: f.GID, Src: src}
	if f.Mode != nil {
		mode := int(*f.Mode)
		m.Mode = &mode
	}
	return m
}
