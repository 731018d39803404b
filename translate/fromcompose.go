package translate

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/transship/transship/diag"
)

// fromProject is the only place (with service.go) that reads compose-go's
// types: it builds the Graph and then no compose-go value travels further.
func fromProject(p *types.Project, ix *posIndex) (*Graph, diag.Diagnostics) {
	c := &converter{p: p, ix: ix, dir: p.WorkingDir}
	ix.relTo = p.WorkingDir
	defer func() { ix.relTo = "" }()
	g := &Graph{Name: p.Name, Dir: p.WorkingDir, Profiles: nonEmpty(p.Profiles)}
	for _, f := range p.ComposeFiles {
		g.Files = append(g.Files, c.rel(stdinName(f)))
	}
	g.Inputs = c.inputs()
	c.projectExt(g)
	c.versionWarnings()
	if ix.has("services") {
		g.ServicesSrc = ix.src("services")
	}
	for _, name := range p.ServiceNames() {
		g.Services = append(g.Services, c.service(p.Services[name]))
	}
	g.Volumes = c.volumes()
	g.Networks = c.networks()
	g.Secrets, g.Configs = c.secrets(), c.configs()
	linkUsers(g)
	for _, name := range sortedKeys(p.Jobs) {
		g.Unmodelled = append(g.Unmodelled, ix.src("jobs."+name))
	}
	for _, name := range sortedKeys(p.Models) {
		g.Unmodelled = append(g.Unmodelled, ix.src("models."+name))
	}
	return g, c.diags
}

type converter struct {
	p     *types.Project
	ix    *posIndex
	dir   string
	diags diag.Diagnostics
}

// rel makes a path the project wrote relative to the project directory,
// with forward slashes, so the Graph holds no host path. A path that
// compose-go made absolute from an absolute one the user wrote (it climbs
// all the way to the root) stays absolute: /var/run/docker.sock is the
// same on every host.
// stdinName is how the Graph and positions name compose-go's "-".
func stdinName(f string) string {
	if f == "-" {
		return diag.Stdin
	}
	return f
}

func (c *converter) rel(p string) string {
	if p == "" || !filepath.IsAbs(p) {
		return filepath.ToSlash(p)
	}
	r, err := filepath.Rel(c.dir, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	ups := 0
	for rest := r; rest == ".." || strings.HasPrefix(rest, ".."+string(filepath.Separator)); ups++ {
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, ".."), string(filepath.Separator))
		if rest == "" {
			break
		}
	}
	depth := strings.Count(filepath.Clean(c.dir), string(filepath.Separator))
	if ups >= depth && ups > 0 {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// inputs lists the files read besides the compose files themselves.
func (c *converter) inputs() []string {
	main := map[string]bool{}
	for _, f := range c.p.ComposeFiles {
		main[stdinName(f)] = true
	}
	var out []string
	for _, f := range c.ix.files {
		if !main[f] {
			out = append(out, c.rel(f))
		}
	}
	return sortedCopy(out)
}

func (c *converter) projectExt(g *Graph) {
	raw, ok := c.p.Extensions["x-transship"]
	if !ok {
		return
	}
	var pe projectExt
	if d := decodeExt(c.ix, "x-transship", "project", raw, &pe); d != nil {
		c.diags = append(c.diags, *d)
		return
	}
	g.Namespace = pe.Namespace
}

func (c *converter) versionWarnings() {
	for _, pos := range c.ix.versions {
		c.diags = append(c.diags, diag.Diagnostic{Severity: diag.Warning, Code: CodeObsoleteVersion,
			Pos: c.ix.rel(pos), Path: "version", Message: "the top-level version key is obsolete and ignored"})
	}
}

func (c *converter) volumes() []*Volume {
	var out []*Volume
	for _, name := range sortedKeys(c.p.Volumes) {
		v := c.p.Volumes[name]
		ext, ds := volumeExt(c.ix, name, v.Labels, v.Extensions)
		c.diags = append(c.diags, ds...)
		out = append(out, &Volume{
			Name: name, RealName: v.Name, External: bool(v.External), Driver: v.Driver,
			DriverOpts: kvs(v.DriverOpts), Labels: kvs(v.Labels), Ext: ext,
			Src: c.ix.src("volumes." + name),
		})
	}
	return out
}

func (c *converter) networks() []*Network {
	var out []*Network
	for _, name := range sortedKeys(c.p.Networks) {
		n := c.p.Networks[name]
		net := &Network{
			Name: name, RealName: n.Name, External: bool(n.External), Internal: n.Internal,
			Driver: n.Driver, DriverOpts: kvs(n.DriverOpts), Labels: kvs(n.Labels),
			IPv6: n.EnableIPv6 != nil && *n.EnableIPv6, Attachable: n.Attachable,
			Src: c.ix.src("networks." + name),
		}
		for _, pool := range n.Ipam.Config {
			if pool != nil && pool.Subnet != "" {
				net.Subnets = append(net.Subnets, pool.Subnet)
			}
		}
		out = append(out, net)
	}
	return out
}

func (c *converter) secrets() []*Secret {
	var out []*Secret
	for _, name := range sortedKeys(c.p.Secrets) {
		s := c.p.Secrets[name]
		out = append(out, &Secret{
			Name: name, RealName: s.Name, File: c.rel(s.File), EnvVar: s.Environment,
			External: bool(s.External), Src: c.ix.src("secrets." + name),
		})
	}
	return out
}

func (c *converter) configs() []*Config {
	var out []*Config
	for _, name := range sortedKeys(c.p.Configs) {
		s := c.p.Configs[name]
		cfg := &Config{
			Name: name, RealName: s.Name, File: c.rel(s.File), EnvVar: s.Environment,
			External: bool(s.External), Src: c.ix.src("configs." + name),
		}
		if s.Content != "" || s.Environment != "" {
			content := s.Content
			cfg.Content = &content
		}
		out = append(out, cfg)
	}
	return out
}

// linkUsers fills the reverse edges: which services mount each volume,
// secret and config, and which are attached to each network.
func linkUsers(g *Graph) {
	vols, nets := map[string]*Volume{}, map[string]*Network{}
	secs, cfgs := map[string]*Secret{}, map[string]*Config{}
	for _, v := range g.Volumes {
		vols[v.Name] = v
	}
	for _, n := range g.Networks {
		nets[n.Name] = n
	}
	for _, s := range g.Secrets {
		secs[s.Name] = s
	}
	for _, s := range g.Configs {
		cfgs[s.Name] = s
	}
	for _, s := range g.Services {
		for _, m := range s.Mounts {
			switch m.Kind {
			case MountVolume:
				if v := vols[m.Source]; v != nil {
					v.Users = appendOnce(v.Users, s.Name)
				}
			case MountSecret:
				if v := secs[m.Source]; v != nil {
					v.Users = appendOnce(v.Users, s.Name)
				}
			case MountConfig:
				if v := cfgs[m.Source]; v != nil {
					v.Users = appendOnce(v.Users, s.Name)
				}
			}
		}
		for _, r := range s.Networks {
			if n := nets[r.Network]; n != nil {
				n.Members = appendOnce(n.Members, s.Name)
			}
		}
	}
}

// appendOnce appends name unless it is already last; services are visited
// in sorted order, so the lists come out sorted and unique.
func appendOnce(list []string, name string) []string {
	if len(list) > 0 && list[len(list)-1] == name {
		return list
	}
	return append(list, name)
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// nonEmpty is a sorted copy of s without empty strings (compose-go gives
// [""] when COMPOSE_PROFILES is unset).
func nonEmpty(s []string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return sortedCopy(out)
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func kvs[M ~map[string]string](m M) []KV {
	if len(m) == 0 {
		return nil
	}
	out := make([]KV, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, KV{Key: k, Value: m[k]})
	}
	return out
}

// statKind tells whether a bind source is a file, a directory, or absent.
func statKind(p string) string {
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return "missing"
	case fi.IsDir():
		return "dir"
	default:
		return "file"
	}
}
