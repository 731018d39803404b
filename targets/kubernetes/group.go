package kubernetes

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/transship/transship/translate"
)

// Services that share a network namespace in compose share a pod here:
// `network_mode: service:X` joins X's, and kompose.service.group puts
// every service of the group in one pod, as kompose does. The pod belongs
// to one of them, the primary (X, or the group's first service by name):
// its workload carries every member's container, volumes, init
// containers and network labels, and its Service every member's ports.
// A member keeps a Service of its own name (selecting the shared pod)
// when it has ports or peers wait for it, so that peers reach it under
// the name they use in compose. Containers of one pod reach each other on
// localhost, as services sharing a network namespace do in compose.

// planGroups settles the pods, once every service's ports are known and
// before the workload kinds are: the primary's kind is the pod's.
func (p *planner) planGroups() {
	for _, set := range p.groupSets() {
		primary := p.svc[set[0]]
		primary.own = slices.Clone(primary.ports)
		used := map[string]string{}
		for _, pt := range primary.ports {
			used[portKey(pt)] = primary.s.Name
		}
		for _, name := range set[1:] {
			m := p.svc[name]
			m.pod = primary
			primary.members = append(primary.members, m)
			for _, pt := range m.ports {
				if prev, dup := used[portKey(pt)]; dup {
					p.warn(CodeGroup, pt.src, "services %s and %s share a pod and both listen on %s; the second to start fails", prev, name, portKey(pt))
					continue
				}
				used[portKey(pt)] = name
				primary.ports = append(primary.ports, pt)
			}
		}
		dedupePortNames(primary.ports)
	}
}

// warnServingMembers: a Job (or a CronJob's run) completes when all the
// containers of its pod have exited, so a member that serves ports and
// never exits keeps it from ever completing.
func (p *planner) warnServingMembers() {
	for _, s := range p.g.Services {
		m := p.svc[s.Name]
		if m.pod == nil || (m.kind != kindJob && m.kind != kindCronJob) || len(s.Ports)+len(s.Expose) == 0 {
			continue
		}
		key := "ports"
		if len(s.Ports) == 0 {
			key = "expose"
		}
		p.warn(CodeGroup, sub(s.Src, key), "service %s serves ports but shares the pod of %s, which runs as %s %s; the %s completes only once every container of its pod exits, so it never completes while %s runs", s.Name, m.pod.s.Name, m.kind, m.pod.name, m.kind, s.Name)
	}
}

func portKey(pt port) string { return uitoa(pt.target) + "/" + string(pt.proto) }

// groupSets are the services sharing a pod, primary first, the others by
// name; services alone are left out.
func (p *planner) groupSets() [][]string {
	parent := map[string]string{}
	var find func(string) string
	find = func(n string) string {
		if q, ok := parent[n]; ok && q != n {
			r := find(q)
			parent[n] = r
			return r
		}
		return n
	}
	// The target of a network_mode always stays the root: it is the pod's
	// primary.
	union := func(member, root string) { parent[find(member)] = find(root) }
	groups := map[string]string{}
	targets := map[string]bool{}
	for _, s := range p.g.Services {
		if x, ok := strings.CutPrefix(s.NetMode, "service:"); ok && p.svc[x] != nil {
			union(s.Name, x)
		}
	}
	for _, s := range p.g.Services {
		if x, ok := strings.CutPrefix(s.NetMode, "service:"); ok && p.svc[x] != nil {
			targets[find(x)] = true
		}
	}
	for _, s := range p.g.Services {
		if g := s.Ext.Group; g != "" {
			if first, ok := groups[g]; ok {
				union(s.Name, first)
			} else {
				groups[g] = s.Name
			}
		}
	}
	bySet := map[string][]string{}
	var roots []string
	seen := map[string]bool{}
	for _, s := range p.g.Services { // sorted by name
		r := find(s.Name)
		if !seen[r] {
			seen[r] = true
			roots = append(roots, r)
		}
		if s.Name != r {
			bySet[r] = append(bySet[r], s.Name)
		}
	}
	var out [][]string
	for _, r := range roots {
		if len(bySet[r]) > 0 {
			out = append(out, p.primaryFirst(append([]string{r}, bySet[r]...), targets[r]))
		}
	}
	return out
}

// primaryFirst picks the pod's primary: the target of a network_mode
// (set[0] then), else the service named like the group, else the first
// (by name) with a published port, else with a port, else the first.
func (p *planner) primaryFirst(set []string, isTarget bool) []string {
	if isTarget {
		return set
	}
	rank := func(n string) int { // lower is better
		si := p.svc[n]
		switch {
		case n == si.s.Ext.Group:
			return 0
		case slices.ContainsFunc(si.ports, func(pt port) bool { return pt.published != "" }):
			return 1
		case len(si.ports) > 0:
			return 2
		}
		return 3
	}
	best := 0
	for i, n := range set {
		if rank(n) < rank(set[best]) {
			best = i
		}
	}
	out := append([]string{set[best]}, slices.Delete(slices.Clone(set), best, best+1)...)
	return out
}

// podOf is the service whose pod runs si's container.
func (si *svcInfo) podOf() *svcInfo {
	if si.pod != nil {
		return si.pod
	}
	return si
}

// containerPorts are the ports si's own container declares.
func (si *svcInfo) containerPortList() []port {
	if si.members != nil {
		return si.own
	}
	return si.ports
}

// samePod: a and b run in one pod, so neither waits for the other (an
// init container waiting for its own pod never ends).
func samePod(a, b *svcInfo) bool { return a.podOf() == b.podOf() }

// memberContainers adds the members' containers to the primary's pod:
// each with its own mounts, the volumes added once, and the members'
// init containers after the primary's, each once.
func (e *emitter) memberContainers(si *svcInfo, spec *corev1.PodSpec, claims []corev1.PersistentVolumeClaim) []corev1.PersistentVolumeClaim {
	for _, m := range si.members {
		c := e.container(m)
		vols, mounts, mclaims := e.mounts(m)
		c.VolumeMounts = mounts
		spec.Containers = append(spec.Containers, c)
		for _, v := range vols {
			if !slices.ContainsFunc(spec.Volumes, func(x corev1.Volume) bool { return x.Name == v.Name }) {
				spec.Volumes = append(spec.Volumes, v)
			}
		}
		for _, cl := range mclaims {
			if !slices.ContainsFunc(claims, func(x corev1.PersistentVolumeClaim) bool { return x.Name == cl.Name }) {
				claims = append(claims, cl)
			}
		}
		for _, ic := range append(e.waits(m, spec), e.initContainer(m)...) {
			if !slices.ContainsFunc(spec.InitContainers, func(x corev1.Container) bool { return x.Name == ic.Name }) {
				spec.InitContainers = append(spec.InitContainers, ic)
			}
		}
		e.memberPodFields(m)
	}
	return claims
}

// memberPodFields warns about what a member sets for its pod: the pod is
// the primary's, so only the primary's pod-level settings apply.
func (e *emitter) memberPodFields(m *svcInfo) {
	s := m.s
	keys := map[string]bool{
		"hostname": s.Hostname != "", "extra_hosts": len(s.ExtraHosts) > 0, "dns": len(s.DNS) > 0,
		"platform": s.Platform != "", "deploy.placement": len(s.Placement) > 0,
		"deploy.replicas": s.Replicas != nil && *s.Replicas != replicas(m.pod.s),
	}
	for _, k := range sortedKeys(keys) {
		if keys[k] {
			e.warn(CodeGroup, sub(s.Src, k), "service %s runs in the pod of %s, whose pod settings apply; its own %s is not used", s.Name, m.pod.s.Name, k)
		}
	}
	// These come from x-transship or kompose labels: the service is named.
	ext := map[string]bool{"service account": s.Ext.ServiceAccount != "", "image pull secret": s.Ext.ImagePullSecret != "", "fsGroup": s.Ext.FSGroup != nil}
	for _, k := range sortedKeys(ext) {
		if ext[k] {
			e.warn(CodeGroup, s.Src, "service %s runs in the pod of %s, whose pod settings apply; its own %s is not used", s.Name, m.pod.s.Name, k)
		}
	}
}

// memberNetworks are the networks of a pod's members, for its labels.
func (si *svcInfo) podNetworks() []translate.NetRef {
	out := slices.Clone(si.s.Networks)
	for _, m := range si.members {
		out = append(out, m.s.Networks...)
	}
	return out
}
