package translate

import (
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/transship/transship/diag"
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
		LabelSrc: labelSrcs(c.ix, s.Name, s.Labels),
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
	if out.Build != nil {
		out.BuildSrc = c.keySrc(base, "build")
	}
	out.UlimitsSrc = c.keySrc(base, "ulimits")
	out.Ports = c.ports(base+".ports", s.Ports)
	out.Expose = c.expose(base+".expose", s.Expose)
	out.Networks = c.netRefs(base, s.Networks)
	out.Mounts = c.mounts(base, s)
	out.DependsOn = c.deps(base, s.DependsOn)
	out.Health = c.health(base+".healthcheck", s.HealthCheck)
	c.deploy(out, s)
	c.envSources(base, out, envFilePaths(s))
	if s.Deploy != nil {
		c.diags = append(c.diags, komposeDeployLabels(c.ix, s.Name, s.Deploy.Labels, &out.Ext)...)
	}
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
func (c *converter) portSrc(base string, i int, p types.ServicePortConfig) diag.Src {
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
	if src, ok := c.rangeSrc(base, p); ok {
		return src
	}
	return c.itemSrc(base, i)
}

// rangeSrc finds the range entry ("8000-8002:80-82/udp") of base that
// expanded into p: compose-go gives each port of a range its own entry,
// so p's index is not the written one.
func (c *converter) rangeSrc(base string, p types.ServicePortConfig) (diag.Src, bool) {
	for j := 0; ; j++ {
		path := base + "[" + strconv.Itoa(j) + "]"
		if !c.ix.has(path) {
			return diag.Src{}, false
		}
		v, ok := c.ix.raw[path]
		if !ok {
			continue
		}
		v, proto, _ := strings.Cut(v, "/")
		if proto == "" {
			proto = "tcp"
		}
		lo, hi, ok := portRange(v[strings.LastIndexByte(v, ':')+1:])
		if ok && proto == p.Protocol && lo <= uint64(p.Target) && uint64(p.Target) <= hi {
			return c.ix.src(path), true
		}
	}
}

// portRange parses "80" or "80-82".
func portRange(s string) (lo, hi uint64, ok bool) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err1 := strconv.ParseUint(a, 10, 16)
	hi, err2 := lo, error(nil)
	if isRange {
		hi, err2 = strconv.ParseUint(b, 10, 16)
	}
	return lo, hi, err1 == nil && err2 == nil
}

// keySrc is the source of the first of keys (below base) that a file
// writes, or base's own position with the first key's path.
func (c *converter) keySrc(base string, keys ...string) diag.Src {
	for _, k := range keys {
		if p := base + "." + k; c.ix.has(p) {
			return c.ix.src(p)
		}
	}
	return diag.Src{Pos: c.ix.rel(c.ix.lookup(base)), Path: base + "." + keys[0]}
}

// itemSrc is the source of the i-th entry of a list, or of the list when
// merging or expansion made the index unknown to the files.
func (c *converter) itemSrc(base string, i int) diag.Src {
	p := base + "[" + strconv.Itoa(i) + "]"
	if c.ix.has(p) {
		return c.ix.src(p)
	}
	return diag.Src{Pos: c.ix.rel(c.ix.lookup(base)), Path: p}
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
			c.diags = append(c.diags, diag.Errorf(CodeValue, c.itemSrc(base, i), "invalid port %q", e))
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
func (c *converter) refSrc(base, name string) diag.Src {
	if p := base + "." + name; c.ix.has(p) {
		return c.ix.src(p)
	}
	if src, ok := c.ix.valueSrc(base, name); ok {
		return src
	}
	return c.ix.src(base)
}

func (c *converter) deps(base string, deps types.DependsOnConfig) []DepEdge {
	var out []DepEdge
	for _, name := range sortedKeys(deps) {
		d := deps[name]
		cond := d.Condition
		if cond == "" {
			cond = types.ServiceConditionStarted
		}
		_, listed := c.ix.valueSrc(base+".depends_on", name)
		listed = listed || c.ix.has(base+".depends_on."+name)
		out = append(out, DepEdge{Service: name, Condition: cond, Required: d.Required, Restart: d.Restart,
			Implicit: !listed, Src: c.refSrc(base+".depends_on", name)})
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

// envSources places every variable, and checks that the ones
// x-transship.secret_env names are set: a name that is not would make a
// Secret key nobody reads, in silence.
func (c *converter) envSources(base string, out *Service, files []string) {
	set := map[string]bool{}
	fromFile := c.envFileKeys(files)
	for i := range out.Env {
		v := &out.Env[i]
		// environment: as a list (NAME=value, or NAME alone), else as a map.
		src, listed := c.ix.valueSrc(base+".environment", v.Name+"="+deref(v.Value))
		if !listed {
			src, listed = c.ix.valueSrc(base+".environment", v.Name)
		}
		if !listed {
			src = c.ix.src(base + ".environment." + v.Name)
		}
		if !listed && !c.ix.has(base+".environment."+v.Name) {
			v.EnvFile = fromFile[v.Name] // not in environment:, so from a file
		}
		v.Src = src
		set[v.Name] = v.Value != nil
	}
	for i, n := range out.Ext.SecretEnv {
		if !set[n] {
			c.diags = append(c.diags, diag.Errorf(CodeExtension, c.ix.src(base+".x-transship.secret_env["+strconv.Itoa(i)+"]"),
				"%s is not set in the environment of service %s; only a variable with a value can go into a Secret", n, out.Name))
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func envFilePaths(s types.ServiceConfig) []string {
	var out []string
	for _, f := range s.EnvFiles {
		out = append(out, f.Path)
	}
	return out
}

// envFileKeys maps each variable the env files set to the last file
// setting it (project-relative), as compose reads them in order. A file
// that cannot be read was already reported by the loader.
func (c *converter) envFileKeys(files []string) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		vars, err := dotenv.GetEnvFromFile(map[string]string{}, []string{f})
		if err != nil {
			continue
		}
		for k := range vars {
			out[k] = c.rel(f)
		}
	}
	return out
}
