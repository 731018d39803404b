package helm

import (
	"fmt"
	"strings"

	"github.com/transship/transship/targets/kubernetes"
)

// workload reads a service's image, replicas, resources and extra
// environment from the values, and its claim templates' storage.
func (c *chart) workload(t *tpl) {
	o := t.obj
	svc := c.owner(o)
	c.podSecurity(o)
	spec, _ := mapAt(o.Tree, "spec")
	if _, ok := spec["replicas"]; ok && (o.Kind == "Deployment" || o.Kind == "StatefulSet") {
		c.vals.set([]string{"services", svc, "replicas"}, "count", number(spec["replicas"]), "Number of pods.")
		spec["replicas"] = kubernetes.Raw("{{ $v.replicas }}")
	}
	if o.Kind == "Job" {
		c.jobReplicas(svc, spec)
	} else if job, ok := mapAt(spec, "jobTemplate", "spec"); ok {
		c.jobReplicas(svc, job)
	}
	if tpls, ok := spec["volumeClaimTemplates"].([]any); ok {
		var names []string
		for _, e := range tpls {
			if m, ok := e.(map[string]any); ok {
				name, _ := mapAt(m, "metadata")
				n, _ := name["name"].(string)
				// Helm's managed-by, as every other object; not helm.sh/chart,
				// whose version would change the claim templates, which a
				// StatefulSet refuses on upgrade.
				if l, ok := name["labels"].(map[string]any); ok {
					l["app.kubernetes.io/managed-by"] = kubernetes.Raw("{{ $.Release.Service | quote }}")
				}
				c.claim(t, m, n, false)
				names = append(names, n)
			}
		}
		c.retention(spec, names)
	}
	// The service's container reads $v; one of another service merged
	// into this pod (network_mode: service:X) reads that service's values.
	containers, _ := podSpec(o.Tree)["containers"].([]any)
	for i, e := range containers {
		m, _ := e.(map[string]any)
		name, _ := m["name"].(string)
		switch _, other := c.svcs[name]; {
		case name == svc:
			c.container(svc, "$v", m)
		case other:
			v := fmt.Sprintf("$v%d", i)
			t.prelude = append(t.prelude, fmt.Sprintf("{{- %s := index .Values.services %q }}", v, name))
			c.container(name, v, m)
			// Disabling the member drops its container, not the pod.
			c.vals.set([]string{"services", name, "enabled"}, "boolean", true, "Render this service's objects at all.")
			containers[i] = gated(v+".enabled", m)
		}
	}
	c.waitsFollowEnabled(svc, podSpec(o.Tree))
}

// retention: a StatefulSet's claims follow persistence.<claim>.keep on
// uninstall through its persistentVolumeClaimRetentionPolicy, which an
// upgrade may change (the claim templates it may not). The policy is the
// StatefulSet's, for all its claims: keep values that differ are refused
// rather than one of them ignored.
func (c *chart) retention(spec map[string]any, claims []string) {
	policy, _ := spec["persistentVolumeClaimRetentionPolicy"].(map[string]any)
	if policy == nil || len(claims) == 0 {
		return
	}
	keep := func(n string) string { return fmt.Sprintf("(index $.Values.persistence %q).keep", n) }
	var expr strings.Builder
	for _, n := range claims[1:] {
		fmt.Fprintf(&expr, "{{ if ne %s %s }}{{ fail %q }}{{ end }}", keep(claims[0]), keep(n),
			fmt.Sprintf("persistence.%s.keep and persistence.%s.keep differ: a StatefulSet keeps or deletes all its claims together", claims[0], n))
	}
	fmt.Fprintf(&expr, "{{ if %s }}Retain{{ else }}Delete{{ end }}", keep(claims[0]))
	policy["whenDeleted"] = kubernetes.Raw(expr.String())
}

// jobReplicas makes a Job's runs a value too, as deploy.replicas of a
// one-shot service is for --to kubernetes: that many pods run to
// completion at once (parallelism and completions, both left out at 1,
// as the manifests leave them).
func (c *chart) jobReplicas(svc string, spec map[string]any) {
	n := any(int64(1))
	if p, ok := spec["parallelism"]; ok {
		n = number(p)
	}
	c.vals.set([]string{"services", svc, "replicas"}, "count", n, "Pods run to completion, at once (the Job's parallelism and completions).")
	delete(spec, "completions")
	spec["parallelism"] = block("{{- if ne (int $v.replicas) 1 }}", "parallelism: {{ $v.replicas }}", "completions: {{ $v.replicas }}", "{{- end }}")
}

// waitsFollowEnabled: a disabled dependency is not waited for, else the
// pod would wait forever for a workload the chart does not render (the
// user provides it, or goes without it; the chart's README says so).
func (c *chart) waitsFollowEnabled(svc string, pod map[string]any) {
	inits, _ := pod["initContainers"].([]any)
	for i, e := range inits {
		m, _ := e.(map[string]any)
		name, _ := m["name"].(string)
		for _, prefix := range []string{"wait-for-", "succeeded-"} {
			dep, ok := strings.CutPrefix(name, prefix)
			if _, known := c.svcs[dep]; ok && known && dep != svc {
				inits[i] = gated(fmt.Sprintf("(index $.Values.services %q).enabled", dep), m)
			}
		}
	}
}

// gated writes a list item only where cond holds.
func gated(cond string, m map[string]any) kubernetes.Block {
	return func(indent int) string {
		return "{{- if " + cond + " }}\n" + kubernetes.TemplateAt([]any{m}, indent) + "{{- end }}\n"
	}
}

// container reads a container's image, resources and extra environment
// from the values of svc, bound to the template variable v.
func (c *chart) container(svc, v string, m map[string]any) {
	path := func(k ...string) []string { return append([]string{"services", svc}, k...) }
	img, _ := m["image"].(string)
	repo, tag, digest := splitImage(img)
	c.vals.describe(path("image"), "The container image: repository[:tag][@digest].")
	c.vals.set(path("image", "repository"), "string", repo, "Image repository (registry/name).")
	c.vals.set(path("image", "tag"), "string", tag, "Image tag; empty: none (latest).")
	c.vals.set(path("image", "digest"), "string", digest, "A digest (sha256:...) pins the image whatever the tag.")
	pp, _ := m["imagePullPolicy"].(string)
	c.vals.set(path("image", "pullPolicy"), "string", pp, "Always, IfNotPresent or Never; empty: Kubernetes' default for the tag.").enum = []string{"", "Always", "IfNotPresent", "Never"}
	m["image"] = kubernetes.Raw(fmt.Sprintf("{{ include %q %s.image | quote }}", c.name+".image", v))
	delete(m, "imagePullPolicy")
	m["imagePullPolicy"] = block("{{- with "+v+".image.pullPolicy }}", "imagePullPolicy: {{ . }}", "{{- end }}")

	res, _ := m["resources"].(map[string]any)
	if res == nil {
		res = map[string]any{}
	}
	c.vals.set(path("resources"), "resources", res, "Requests and limits of the container (from deploy.resources).")
	m["resources"] = kubernetes.Block(func(indent int) string {
		return fmt.Sprintf("{{- with %s.resources }}\n%sresources: {{- toYaml . | nindent %d }}\n{{- end }}\n", v, strings.Repeat(" ", indent), indent+2)
	})

	c.vals.set(path("env"), "stringMap", map[string]any{}, "Environment variables added to the container's, or replacing one of the same name.")
	env, _ := m["env"].([]any)
	m["env"] = envBlock(v, env)
}

// envBlock writes the compose variables that the values do not replace,
// then the values' own.
func envBlock(v string, env []any) kubernetes.Block {
	return func(indent int) string {
		pad := strings.Repeat(" ", indent)
		var b strings.Builder
		if len(env) == 0 {
			b.WriteString("{{- if " + v + ".env }}\n")
		}
		b.WriteString(pad + "env:\n")
		for _, e := range env {
			name, _ := e.(map[string]any)["name"].(string)
			fmt.Fprintf(&b, "{{- if not (hasKey %s.env %q) }}\n%s{{- end }}\n", v, name, kubernetes.TemplateAt([]any{e}, indent+2))
		}
		fmt.Fprintf(&b, "{{- range $name, $value := %s.env }}\n%s  - name: {{ $name | quote }}\n%s    value: {{ $value | quote }}\n{{- end }}\n", v, pad, pad)
		if len(env) == 0 {
			b.WriteString("{{- end }}\n")
		}
		return b.String()
	}
}

// podSpec is a workload's pod spec (a CronJob's is in its Job template).
func podSpec(t map[string]any) map[string]any {
	if pod, ok := mapAt(t, "spec", "template", "spec"); ok {
		return pod
	}
	pod, _ := mapAt(t, "spec", "jobTemplate", "spec", "template", "spec")
	return pod
}

// splitImage cuts an image reference into repository, tag and digest; a
// colon before the last slash is a registry's port.
func splitImage(img string) (repo, tag, digest string) {
	if i := strings.Index(img, "@"); i >= 0 {
		img, digest = img[:i], img[i+1:]
	}
	if i := strings.LastIndex(img, ":"); i > strings.LastIndex(img, "/") {
		img, tag = img[:i], img[i+1:]
	}
	return img, tag, digest
}

// serviceValues: a Service that is not headless takes its type and node
// port from the values (shared by the service's alias Services).
func (c *chart) serviceValues(t *tpl) {
	o := t.obj
	svc := c.owner(o)
	spec, _ := mapAt(o.Tree, "spec")
	if spec["clusterIP"] == "None" || svc == "" {
		return
	}
	typ, _ := spec["type"].(string)
	if typ == "" {
		typ = "ClusterIP"
	}
	if o.Name == c.svcs[svc].Published {
		c.publishedValues(t, svc, spec, typ)
		return
	}
	path := func(k ...string) []string { return append([]string{"services", svc, "service"}, k...) }
	c.vals.set(path("type"), "string", typ, "Type of the Service: ClusterIP, NodePort or LoadBalancer.").enum = []string{"ClusterIP", "NodePort", "LoadBalancer"}
	delete(spec, "type")
	spec["type"] = block(`{{- if ne $v.service.type "ClusterIP" }}`, "type: {{ $v.service.type }}", "{{- end }}")
	c.onlyOutside(svc, spec, `{{- if ne $v.service.type "ClusterIP" }}`)
	ports, _ := spec["ports"].([]any)
	if len(ports) == 0 {
		return
	}
	first, _ := ports[0].(map[string]any)
	np := number(first["nodePort"])
	c.vals.set(path("nodePort"), "nodePort", np, "Node port of the first port, for type NodePort or LoadBalancer; null: one the cluster picks.")
	delete(first, "nodePort")
	first["nodePort"] = block(`{{- if and $v.service.nodePort (ne $v.service.type "ClusterIP") }}`, "nodePort: {{ $v.service.nodePort }}", "{{- end }}")
}

// publishedValues: the Service of the ports compose publishes takes its
// type from the values; its node ports are the plan's.
func (c *chart) publishedValues(t *tpl, svc string, spec map[string]any, typ string) {
	path := []string{"services", svc, "published", "type"}
	c.vals.set(path, "string", typ, "Type of the Service of the ports compose publishes: NodePort, LoadBalancer, or ClusterIP (inside the cluster only; with no node ports).").enum = []string{"ClusterIP", "NodePort", "LoadBalancer"}
	spec["type"] = kubernetes.Raw("{{ $v.published.type }}")
	c.onlyOutside(svc, spec, `{{- if ne $v.published.type "ClusterIP" }}`)
	// Each port's node port is a value too: a site pins it (egi-im: the
	// published port), another lets the cluster pick (null).
	ports, _ := spec["ports"].([]any)
	for _, p := range ports {
		port, _ := p.(map[string]any)
		name, _ := port["name"].(string)
		np := number(port["nodePort"])
		c.vals.set([]string{"services", svc, "published", "nodePorts", name}, "nodePort", np, "Node port of port "+name+" (not for type ClusterIP); null: one the cluster picks.")
		delete(port, "nodePort")
		port["nodePort"] = block(fmt.Sprintf(`{{- with and (ne $v.published.type "ClusterIP") (index $v.published.nodePorts %q) }}`, name), "nodePort: {{ . }}", "{{- end }}")
	}
}

// onlyOutside writes the service's externalTrafficPolicy only while the
// type the values give is not ClusterIP: the API server refuses it on a
// ClusterIP Service ("may only be set for externally-accessible
// services"). The policy is the compose service's, not the tree's: a
// chart converted for a site whose type is ClusterIP (egi-rancher) has
// none in its tree, and must still have it under another site's values.
func (c *chart) onlyOutside(svc string, spec map[string]any, cond string) {
	delete(spec, "externalTrafficPolicy")
	if tp := c.svcs[svc].Compose.Ext.TrafficPolicy; tp != "" {
		spec["externalTrafficPolicy"] = block(cond, "externalTrafficPolicy: "+tp, "{{- end }}")
	}
}

// claim: a PersistentVolumeClaim, or a StatefulSet's claim template,
// takes its storage class, size and access modes from the values; a claim
// of its own can be replaced by an existing one, and is kept on
// uninstall unless asked not to.
func (c *chart) claim(t *tpl, m map[string]any, name string, own bool) {
	spec, _ := mapAt(m, "spec")
	path := func(k ...string) []string { return append([]string{"persistence", name}, k...) }
	ref := fmt.Sprintf("(index $.Values.persistence %q)", name)
	// Claims are kept by default, a StatefulSet's as well as the chart's
	// own: a volume's data outlives its containers under compose, and
	// what an uninstall deletes cannot come back, while a kept claim
	// costs one kubectl delete.
	if !own {
		c.vals.set(path("keep"), "boolean", true, "Keep the StatefulSet's claims of this template (and their data) when the release is uninstalled; false: they go with it. All claims of one StatefulSet are kept or deleted together.")
	}
	if own {
		c.vals.set(path("existingClaim"), "string", "", "Name of an existing claim to mount instead of the chart's own.")
		c.vals.set(path("keep"), "boolean", true, "Keep the claim (and its data) when the release is uninstalled.")
		t.conds = append(t.conds, fmt.Sprintf("not %s.existingClaim", ref))
		md, _ := mapAt(m, "metadata")
		md["annotations"] = block(fmt.Sprintf("{{- if %s.keep }}", ref), "annotations:\n  helm.sh/resource-policy: keep", "{{- end }}")
	}
	modes, _ := spec["accessModes"].([]any)
	c.vals.set(path("accessModes"), "strings", modes, "Access modes (ReadWriteOnce, ReadWriteMany, ...).")
	spec["accessModes"] = kubernetes.Block(func(indent int) string {
		return fmt.Sprintf("%saccessModes: {{- toYaml %s.accessModes | nindent %d }}\n", strings.Repeat(" ", indent), ref, indent+2)
	})
	req, _ := mapAt(spec, "resources", "requests")
	c.vals.set(path("size"), "string", req["storage"], "Size requested (a Kubernetes quantity).")
	req["storage"] = kubernetes.Raw(fmt.Sprintf("{{ %s.size | quote }}", ref))
	class, _ := spec["storageClassName"].(string)
	site := "storageClass"
	if shared(modes) {
		site = "sharedStorageClass"
	}
	if class == c.siteValue(site) {
		class = "" // the site's: follows site.storageClass
	}
	c.vals.set(path("storageClass"), "string", class, "Storage class; empty: site."+site+", else the cluster's default.")
	delete(spec, "storageClassName")
	lines := []string{fmt.Sprintf("{{- with %s.storageClass | default $.Values.site.%s }}", ref, site), "storageClassName: {{ . | quote }}", "{{- end }}"}
	if own && c.nfsClaims[name] {
		c.nfsClaim(spec, name, lines)
		return
	}
	spec["storageClassName"] = block(lines...)
}

func shared(modes []any) bool {
	for _, m := range modes {
		if m == "ReadWriteMany" || m == "ReadOnlyMany" {
			return true
		}
	}
	return false
}
