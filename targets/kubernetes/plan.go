package kubernetes

import (
	"fmt"
	"strings"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// The emitter works in two steps, as a compiler separates analysis from
// code generation: decide computes a plan, every decision the output
// depends on (names, ports, workload kinds, Services, claims, object
// names, waits), once, for the whole project; then the renderer turns the
// plan into objects, reading it and never changing it. A second renderer
// (a Helm chart) takes the same plan, so the two outputs cannot disagree.

// plan is what decide settled. Only the planner writes it.
type plan struct {
	g  *translate.Graph
	o  Options
	ns string

	svc       map[string]*svcInfo // by compose service name
	claims    map[string]*claim   // by claim key (see storage.go)
	jobWaiter bool                // some pod waits for a Job: emit the RBAC
	names     map[string]string   // "Kind/name" → what owns it (storage.go)
	// fileObj names the objects holding files: "secret:x", "config:x"
	// (secrets.go), "file:SOURCE" for a bind-mounted project file
	// (mounts.go), "policy:KEY" for NetworkPolicies (netpol.go),
	// "envfile:FILE" for an env file read with envFrom (envfile.go).
	fileObj map[string]string
	// secretEnv: the variables some service lists in x-transship.secret_env,
	// which no env file's ConfigMap carries (envfile.go).
	secretEnv map[string]string
}

// planner makes the plan, reporting what it cannot decide exactly.
type planner struct {
	*plan
	diags diag.Diagnostics
	// serviceNames are the Service names in use, so that a network alias
	// never takes another service's name.
	serviceNames map[string]bool
}

// decide makes the plan of g; it is nil when an error stops the
// conversion.
func decide(g *translate.Graph, o Options) (*plan, diag.Diagnostics) {
	p := &planner{plan: &plan{g: g, o: o, ns: o.Namespace, svc: map[string]*svcInfo{},
		claims: map[string]*claim{}, names: map[string]string{}, fileObj: map[string]string{}},
		serviceNames: map[string]bool{}}
	if p.ns == "" {
		p.ns = g.Namespace
	}
	if !p.services() || !p.checkExpose() {
		return nil, p.diags
	}
	p.nameFileObjects()
	p.planEnvFiles()
	p.storage()
	p.nameBoundFiles()
	for _, s := range g.Services {
		si := p.svc[s.Name]
		p.planWaits(si)
		p.planAliases(si)
	}
	p.namePolicies()
	return p.plan, p.diags
}

func (p *planner) warn(code string, src diag.Src, format string, args ...any) {
	p.diags = append(p.diags, diag.Warnf(code, src, format, args...))
}

// services decides what every service becomes: its name, its ports, its
// workload kind and the name peers resolve. All of it is settled for every
// service first, because rendering one service reads these decisions
// about its dependencies (wait.go), whatever order their names sort in. A
// name collision is an error: two compose services would become one
// Kubernetes object.
func (p *planner) services() bool {
	owners := map[string]string{}
	ok := true
	for _, s := range p.g.Services {
		name := kubeName(s)
		if prev, dup := owners[name]; dup {
			p.diags = append(p.diags, diag.Errorf(CodeNameCollision, s.Src, "services %s and %s both become the Kubernetes name %q; rename one", prev, s.Name, name))
			ok = false
			continue
		}
		owners[name] = s.Name
		p.serviceNames[name] = true
		if name != s.Name {
			p.warn(CodeRenamed, s.Src, "service %s is named %s in Kubernetes (%s); peers that connect to %q must use %q", s.Name, name, renameWhy(s), s.Name, name)
		}
		si := &svcInfo{s: s, name: name}
		p.servicePorts(si)
		p.svc[s.Name] = si
	}
	if !ok {
		return false
	}
	p.planGroups()
	completion := p.completionAwaited()
	for _, s := range p.g.Services {
		if si := p.svc[s.Name]; si.pod == nil {
			si.kind = p.workloadKind(si, completion[s.Name])
		}
	}
	for _, s := range p.g.Services {
		if si := p.svc[s.Name]; si.pod != nil {
			si.kind = si.pod.kind
		}
	}
	p.warnServingMembers()
	for _, s := range p.g.Services {
		p.serviceName(p.svc[s.Name])
	}
	p.planPublished()
	for _, s := range p.g.Services {
		p.planKompose(p.svc[s.Name])
		p.planEnvSecret(p.svc[s.Name])
	}
	return true
}

// completionAwaited: the services some other service waits to complete
// (service_completed_successfully).
func (p *plan) completionAwaited() map[string]bool {
	out := map[string]bool{}
	for _, s := range p.g.Services {
		for _, d := range s.DependsOn {
			if d.Condition == "service_completed_successfully" {
				out[d.Service] = true
			}
		}
	}
	return out
}

// checkExpose refuses an Options.Expose name (--expose) that is no
// service of the project: it would expose nothing, in silence.
func (p *planner) checkExpose() bool {
	ok := true
	for _, n := range p.o.Expose {
		if n == "*" || p.svc[n] != nil {
			continue
		}
		var names []string
		for _, s := range p.g.Services {
			names = append(names, s.Name)
		}
		p.diags = append(p.diags, diag.Diagnostic{Severity: diag.Error, Code: CodeNoSuchService, Path: "--expose",
			Message: fmt.Sprintf("the project has no service %s to expose (its services: %s)", n, strings.Join(names, ", "))})
		ok = false
	}
	return ok
}
