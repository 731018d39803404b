package batch

import (
	"slices"
	"strings"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// project is the plan of one job: the services in start order, with their
// specs already rendered, and what the wrappers need.
type project struct {
	g        *translate.Graph
	o        Options
	services []*service // start order
	byName   map[string]*service
	deciders []string          // services nothing depends on: they decide the exit status
	images   []image           // each pulled once
	names    []string          // every name the hosts file maps to 127.0.0.1
	ports    map[string]string // "tcp/80" -> the service listening on it
	diags    diag.Diagnostics
	condor   condorFiles // HTCondor's transfer lists
	dirac    diracFiles  // DIRAC's input sandbox
}

// service is one service's part of run.sh.
type service struct {
	s    *translate.Service
	id   int
	spec []string // lines of its spec, quoted
}

func plan(g *translate.Graph, o Options) *project {
	p := &project{g: g, o: o, byName: map[string]*service{}}
	if len(g.Services) == 0 {
		src := g.ServicesSrc
		if src.Pos.File == "" {
			src = diag.Src{Pos: diag.Pos{File: firstFile(g)}, Path: "services"}
		}
		p.errorf(CodeNoServices, src, "the project has no service to run (are they all behind profiles? --profile selects them)")
		return p
	}
	for _, s := range g.Services {
		p.byName[s.Name] = &service{s: s}
	}
	p.services = p.order()
	for i, sv := range p.services {
		sv.id = i + 1
		sv.spec = p.spec(sv)
	}
	p.deciders = p.sinks()
	p.names = p.hostNames()
	p.projectWarnings()
	p.diags.Sort()
	return p
}

// order is a topological order of the services (dependencies first),
// ties broken by name, so the script reads the same on every run.
func (p *project) order() []*service {
	indeg := map[string]int{}
	users := map[string][]string{}
	for _, s := range p.g.Services {
		for _, d := range s.DependsOn {
			if _, ok := p.byName[d.Service]; ok {
				indeg[s.Name]++
				users[d.Service] = append(users[d.Service], s.Name)
			}
		}
	}
	var ready, out []string
	for _, s := range p.g.Services {
		if indeg[s.Name] == 0 {
			ready = append(ready, s.Name)
		}
	}
	for len(ready) > 0 {
		slices.Sort(ready)
		n := ready[0]
		ready = ready[1:]
		out = append(out, n)
		for _, u := range users[n] {
			if indeg[u]--; indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	// compose-go refuses cycles; anything left is appended, not lost.
	for _, s := range p.g.Services {
		if !slices.Contains(out, s.Name) {
			out = append(out, s.Name)
		}
	}
	res := make([]*service, len(out))
	for i, n := range out {
		res[i] = p.byName[n]
	}
	return res
}

// sinks are the services no other service depends on.
func (p *project) sinks() []string {
	needed := map[string]bool{}
	for _, s := range p.g.Services {
		for _, d := range s.DependsOn {
			needed[d.Service] = true
		}
	}
	var out []string
	for _, sv := range p.services {
		if !needed[sv.s.Name] {
			out = append(out, sv.s.Name)
		}
	}
	return out
}

// hostNames are the names peers may use for a service in compose: its
// name, hostname, container_name, network aliases and link aliases.
func (p *project) hostNames() []string {
	set := map[string]bool{}
	add := func(n string) {
		if n != "" && validHostName(n) {
			set[n] = true
		}
	}
	for _, s := range p.g.Services {
		add(s.Name)
		add(s.Hostname)
		add(s.ContainerName)
		for _, n := range s.Networks {
			for _, a := range n.Aliases {
				add(a)
			}
		}
		for _, l := range s.Links {
			_, alias, _ := strings.Cut(l, ":")
			add(alias)
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// validHostName keeps a hosts file line well-formed.
func validHostName(n string) bool {
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// projectWarnings covers what is not a service's: networks, volumes and
// top-level keys the graph does not model.
func (p *project) projectWarnings() {
	for _, n := range p.g.Networks {
		if n.Name == "default" && !n.External && !n.Internal {
			continue
		}
		p.warn(CodeNetwork, n.Src, "network %s does not isolate anything: every service shares the node's network and reaches the others by name through the generated /etc/hosts", n.Name)
	}
	for _, v := range p.g.Volumes {
		switch {
		case v.External:
			p.warn(CodeVolume, v.Src, "external volume %s cannot be reached from a job: a directory named %s under TRANSSHIP_VOLUMES is used", v.Name, v.Name)
		case v.Driver != "" && v.Driver != "local" || len(v.DriverOpts) > 0:
			p.warn(CodeVolume, v.Src, "volume %s: driver and driver_opts are not kept; it is a directory under TRANSSHIP_VOLUMES", v.Name)
		}
	}
	if se := p.o.Site.DiracOutputSE; p.o.Site.Scheduler == "dirac" && p.usesVolumes() && se != "" {
		for _, v := range p.g.Volumes {
			p.warn(CodeSandbox, v.Src, "volume %s comes back in %s, uploaded to the storage element %s (the site's dirac_output_se; OutputData; dirac-wms-job-get-output-data JOBID), since the worker's scratch is wiped", v.Name, VolumesTarball, se)
		}
	} else if p.o.Site.Scheduler == "dirac" && p.usesVolumes() {
		for _, v := range p.g.Volumes {
			p.warn(CodeSandbox, v.Src, "volume %s comes back in the job's output sandbox, in %s (dirac-wms-job-get-output), since the worker's scratch is wiped; sandboxes are small (a few MB to some 100 MB, by site): name a storage element in the site profile (dirac_output_se) for large data", v.Name, VolumesTarball)
		}
	}
	switch p.o.Site.Scheduler {
	case "htcondor":
		p.condor = p.condorTransfer()
	case "dirac":
		p.dirac = p.diracTransfer()
	}
	if sched := p.o.Site.Scheduler; sched == "htcondor" || sched == "dirac" {
		for _, s := range p.g.Services {
			for _, pt := range s.Ports {
				if pt.Published != "" {
					p.warn(CodeScheduler, pt.Src, "%s runs the job on a worker node that nobody connects to: published ports serve only the project's own services", sched)
					break
				}
			}
		}
	}
	for _, u := range p.g.Unmodelled {
		p.warn(CodeUnsupported, u, "%s has no equivalent in a batch job and is ignored", u.Path)
	}
	p.rootVolumes()
}

func (p *project) warn(code string, src diag.Src, format string, args ...any) {
	p.diags = append(p.diags, diag.Warnf(code, src, format, args...))
}

func (p *project) errorf(code string, src diag.Src, format string, args ...any) {
	p.diags = append(p.diags, diag.Errorf(code, src, format, args...))
}

func firstFile(g *translate.Graph) string {
	if len(g.Files) > 0 {
		return g.Files[0]
	}
	return ""
}
