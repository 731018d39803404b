package translate

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/transship/transship/diag"
)

// compose-go's own consistency check ends with a cycle search that walks
// every path from every service without memoisation: cubic in the length
// of a depends_on chain (100 s for 5,000 services). Load turns it off and
// runs the same checks here in one linear pass, in sorted order, with
// positions, reporting every problem instead of the first one found in
// map order. TestCorpus holds the two to the same verdict on every file.

type checker struct {
	p     *types.Project
	ix    *posIndex
	diags diag.Diagnostics
}

func (c *checker) errorf(code, path string, format string, args ...any) {
	c.diags = append(c.diags, diag.Errorf(code, c.ix.src(path), format, args...))
}

func (c *checker) errorAt(code string, src diag.Src, format string, args ...any) {
	c.diags = append(c.diags, diag.Errorf(code, src, format, args...))
}

// checkConsistency mirrors compose-go v2.16's loader.checkConsistency.
func checkConsistency(p *types.Project, ix *posIndex) diag.Diagnostics {
	c := &checker{p: p, ix: ix}
	for _, name := range p.ServiceNames() {
		c.service(p.Services[name])
	}
	c.jobs()
	for _, name := range sortedKeys(p.Secrets) {
		if s := p.Secrets[name]; !s.External && s.File == "" && s.Environment == "" {
			c.errorf(CodeValue, "secrets."+name, "secret %q must declare either file or environment", name)
		}
	}
	if len(c.diags) == 0 {
		c.cycles()
	}
	return c.diags
}

func (c *checker) service(s types.ServiceConfig) {
	base := "services." + s.Name
	if s.Build == nil && s.Image == "" && s.Provider == nil {
		c.errorf(CodeValue, base, "service has neither an image nor a build context%s", c.overlayHint())
	}
	c.build(base, s)
	if s.NetworkMode != "" && len(s.Networks) > 0 {
		c.errorf(CodeValue, base+".network_mode", "network_mode and networks cannot both be set")
	}
	if target, ok := strings.CutPrefix(s.NetworkMode, types.ServicePrefix); ok {
		if _, err := c.p.GetService(target); err != nil {
			c.errorf(CodeUnknownDep, base+".network_mode", "network_mode refers to service %q, which does not exist", target)
		}
	}
	if h := s.HealthCheck; h != nil && len(h.Test) > 0 && h.Test[0] != "CMD" && h.Test[0] != "CMD-SHELL" && h.Test[0] != "NONE" {
		c.errorf(CodeValue, base+".healthcheck.test", `healthcheck.test must start with "CMD", "CMD-SHELL" or "NONE"`)
	}
	c.references(base, s)
	c.dependencies(base, s)
	c.scale(base, s)
	c.limits(base, s)
	c.mountTargets(base, s)
}

func (c *checker) build(base string, s types.ServiceConfig) {
	b := s.Build
	if b == nil {
		return
	}
	if b.DockerfileInline != "" && b.Dockerfile != "" {
		c.errorf(CodeValue, base+".build", "dockerfile and dockerfile_inline cannot both be set")
	}
	for _, add := range sortedKeys(b.AdditionalContexts) {
		target, ok := strings.CutPrefix(b.AdditionalContexts[add], types.ServicePrefix)
		if !ok {
			continue
		}
		t, known := c.p.AllServices()[target]
		switch {
		case !known:
			c.errorf(CodeUnknownDep, base+".build.additional_contexts."+add, "additional context %s names service %q, which does not exist", add, target)
		case t.Build == nil:
			c.errorf(CodeValue, base+".build.additional_contexts."+add, "additional context %s names service %q, which has no build", add, target)
		}
	}
	if len(b.Platforms) > 0 && s.Platform != "" && !contains(b.Platforms, s.Platform) {
		c.errorf(CodeValue, base+".platform", "build.platforms must include the service's platform %q", s.Platform)
	}
	for _, sec := range b.Secrets {
		if _, ok := c.p.Secrets[sec.Source]; !ok {
			c.errorAt(CodeUndefined, c.ix.refOrList(base+".build.secrets", sec.Source), "build secret %q is not declared in the top-level secrets section", sec.Source)
		}
	}
}

// overlayHint suggests loading a lone non-default file with its base: a
// service without an image there is most often an override fragment.
func (c *checker) overlayHint() string {
	if len(c.p.ComposeFiles) != 1 || slices.Contains(cli.DefaultFileNames, filepath.Base(c.p.ComposeFiles[0])) {
		return ""
	}
	return fmt.Sprintf(" (if %s extends another file, pass both: -f <base file> -f %s)",
		filepath.Base(c.p.ComposeFiles[0]), filepath.Base(c.p.ComposeFiles[0]))
}

// references checks that every named network, volume, secret, config and
// model a service uses is declared.
func (c *checker) references(base string, s types.ServiceConfig) {
	for _, n := range sortedKeys(s.Networks) {
		if _, ok := c.p.Networks[n]; !ok {
			c.errorAt(CodeUndefined, c.ix.refOrList(base+".networks", n), "network %q is not declared in the top-level networks section", n)
		}
	}
	for i, v := range s.Volumes {
		if _, ok := c.p.Volumes[v.Source]; v.Type == types.VolumeTypeVolume && v.Source != "" && !ok {
			c.errorAt(CodeUndefined, c.ix.entrySrc(base+".volumes", v.Source, i), "volume %q is not declared in the top-level volumes section", v.Source)
		}
	}
	for i, sec := range s.Secrets {
		if _, ok := c.p.Secrets[sec.Source]; !ok {
			c.errorAt(CodeUndefined, c.ix.entrySrc(base+".secrets", sec.Source, i), "secret %q is not declared in the top-level secrets section", sec.Source)
		}
	}
	for i, cfg := range s.Configs {
		if _, ok := c.p.Configs[cfg.Source]; !ok {
			c.errorAt(CodeUndefined, c.ix.entrySrc(base+".configs", cfg.Source, i), "config %q is not declared in the top-level configs section", cfg.Source)
		}
	}
	for _, m := range sortedKeys(s.Models) {
		if _, ok := c.p.Models[m]; !ok {
			c.errorAt(CodeUndefined, c.ix.refOrList(base+".models", m), "model %q is not declared in the top-level models section", m)
		}
	}
}

func (c *checker) dependencies(base string, s types.ServiceConfig) {
	for _, dep := range sortedKeys(s.DependsOn) {
		_, err := c.p.GetService(dep)
		if err == nil {
			continue
		}
		src := c.ix.refOrList(base+".depends_on", dep)
		if ds, disabled := c.p.DisabledServices[dep]; disabled {
			if s.DependsOn[dep].Required {
				c.errorAt(CodeUnknownDep, src, "depends on service %q, which is not active (enable it with --profile %s)", dep, strings.Join(ds.Profiles, " or --profile "))
			}
			continue
		}
		if _, isJob := c.p.Jobs[dep]; isJob {
			c.errorAt(CodeUnknownDep, src, "depends on job %q: services can only depend on services", dep)
			continue
		}
		c.errorAt(CodeUnknownDep, src, "depends on service %q, which does not exist", dep)
	}
}

func (c *checker) scale(base string, s types.ServiceConfig) {
	if s.Scale != nil && s.Deploy != nil && s.Deploy.Replicas != nil && *s.Scale != *s.Deploy.Replicas {
		c.errorf(CodeValue, base+".scale", "scale and deploy.replicas cannot have different values")
	}
	if s.Scale != nil && *s.Scale < 0 {
		c.errorf(CodeValue, base+".scale", "scale must be greater than or equal to 0")
	}
	if s.Deploy != nil && s.Deploy.Replicas != nil && *s.Deploy.Replicas < 0 {
		c.errorf(CodeValue, base+".deploy.replicas", "deploy.replicas must be greater than or equal to 0")
	}
	if s.GetScale() > 1 && s.ContainerName != "" {
		c.errorf(CodeValue, base+".container_name", "container_name must be unique, so it cannot be set on a service with %d replicas", s.GetScale())
	}
}

// limits refuses the older service-level keys disagreeing with deploy.
func (c *checker) limits(base string, s types.ServiceConfig) {
	if s.Deploy == nil {
		return
	}
	lim, res := s.Deploy.Resources.Limits, s.Deploy.Resources.Reservations
	conflict := func(key, deployKey string) {
		c.errorf(CodeValue, base+"."+key, "%s and deploy.resources.%s cannot have different values", key, deployKey)
	}
	if s.CPUS != 0 && lim != nil && lim.NanoCPUs.Value() != s.CPUS {
		conflict("cpus", "limits.cpus")
	}
	if s.MemLimit != 0 && lim != nil && lim.MemoryBytes != s.MemLimit {
		conflict("mem_limit", "limits.memory")
	}
	if s.MemReservation != 0 && res != nil && res.MemoryBytes != s.MemReservation {
		conflict("mem_reservation", "reservations.memory")
	}
	if s.PidsLimit != 0 && lim != nil && lim.Pids != s.PidsLimit {
		conflict("pids_limit", "limits.pids")
	}
}

// mountTargets refuses two mounts at one path (tmpfs, then volumes).
func (c *checker) mountTargets(base string, s types.ServiceConfig) {
	seen := map[string]string{}
	add := func(target, loc string, src diag.Src) {
		if prev, ok := seen[target]; ok {
			c.errorAt(CodeValue, src, "%s is already mounted by %s", target, prev)
			return
		}
		seen[target] = loc
	}
	for i, t := range s.Tmpfs {
		target, _, _ := strings.Cut(t, ":")
		loc := base + ".tmpfs[" + strconv.Itoa(i) + "]"
		add(target, loc, c.ix.src(loc))
	}
	for i, v := range s.Volumes {
		loc := base + ".volumes[" + strconv.Itoa(i) + "]"
		add(v.Target, loc, c.ix.src(loc))
	}
	if s.Develop != nil {
		for _, w := range s.Develop.Watch {
			if w.Target == "" && w.Action != types.WatchActionRebuild && w.Action != types.WatchActionRestart {
				c.errorf(CodeValue, base+".develop.watch", "develop.watch: target is required for action %s", w.Action)
			}
		}
	}
}

func (c *checker) jobs() {
	all := c.p.AllServices()
	for _, name := range sortedKeys(c.p.AllJobs()) {
		if _, ok := all[name]; ok {
			c.errorf(CodeValue, "jobs."+name, "%q is both a service and a job; names must be unique", name)
		}
	}
	for _, name := range sortedKeys(c.p.Jobs) {
		for _, dep := range sortedKeys(c.p.Jobs[name].DependsOn) {
			if _, isJob := c.p.Jobs[dep]; isJob {
				continue
			}
			_, err := c.p.GetService(dep)
			if _, disabled := c.p.DisabledServices[dep]; err == nil || disabled && !c.p.Jobs[name].DependsOn[dep].Required {
				continue
			}
			c.errorAt(CodeUnknownDep, c.ix.refOrList("jobs."+name+".depends_on", dep), "depends on %q, which is neither a service nor a job", dep)
		}
	}
}

// cycles finds a depends_on cycle with one depth-first search over
// services in name order (children in name order too), so the cycle
// reported is the one compose-go would name, at linear cost.
func (c *checker) cycles() {
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		state[name] = open
		path = append(path, name)
		for _, dep := range sortedKeys(c.p.Services[name].DependsOn) {
			if _, active := c.p.Services[dep]; !active {
				continue
			}
			switch state[dep] {
			case open:
				i := indexOf(path, dep)
				return append(append([]string{}, path[i:]...), dep)
			case unseen:
				if cyc := visit(dep); cyc != nil {
					return cyc
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		return nil
	}
	for _, name := range c.p.ServiceNames() {
		if state[name] != unseen {
			continue
		}
		if cyc := visit(name); cyc != nil {
			src := c.ix.refOrList("services."+cyc[0]+".depends_on", cyc[1])
			c.errorAt(CodeCycle, src, "depends_on forms a cycle: %s", strings.Join(cyc, " -> "))
			return
		}
	}
}

// refOrList finds a reference written as a map key or a list entry.
func (ix *posIndex) refOrList(base, name string) diag.Src {
	if p := base + "." + name; ix.has(p) {
		return ix.src(p)
	}
	if src, ok := ix.valueSrc(base, name); ok {
		return src
	}
	return ix.src(base)
}

// entrySrc finds the i-th entry of a volumes/secrets/configs list that
// names name: short syntax by value, long syntax by index, else a search.
func (ix *posIndex) entrySrc(base, name string, i int) diag.Src {
	if src, ok := ix.valueSrc(base, name); ok {
		return src
	}
	if item := base + "[" + strconv.Itoa(i) + "].source"; ix.has(item) {
		return ix.src(item)
	}
	return ix.findRef(base, name)
}

func contains(list []string, v string) bool { return indexOf(list, v) >= 0 }

func indexOf(list []string, v string) int {
	for i, s := range list {
		if s == v {
			return i
		}
	}
	return -1
}
