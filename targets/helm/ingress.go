package helm

import (
	"fmt"
	"strings"

	"github.com/transship/transship/targets/kubernetes"
)

// ingress: the class, hosts, paths, TLS and annotations of a service's
// Ingress come from the values, with the site's settings beneath them as
// the Kubernetes target applies them (service.go there): hosts default to
// <service>.<site.domain>, the site's annotations are added (a legacy
// class annotation follows the class), and TLS without a secret of its
// own gets the site's cert-manager issuer.
func (c *chart) ingress(t *tpl) {
	o := t.obj
	svc := c.owner(o)
	si := c.svcs[svc]
	x := si.Compose.Ext.Expose
	path := func(k ...string) []string { return append([]string{"services", svc, "ingress"}, k...) }
	spec, _ := mapAt(o.Tree, "spec")
	rules, _ := spec["rules"].([]any)
	rule, _ := rules[0].(map[string]any)
	paths, _ := mapAt(rule, "http")
	item := paths["paths"].([]any)[0].(map[string]any)

	var hosts, routes []any
	className, tlsSecret, tlsOn := "", "", false
	route := "/"
	if x != nil {
		for _, h := range x.Hosts {
			hosts = append(hosts, h)
		}
		className, tlsSecret = x.IngressClass, x.TLSSecret
		route = firstNonEmpty(x.Path, "/")
	}
	routes = []any{route}
	derived := svc + "-tls"
	// TLS is on where the manifest has it: asked by the service, or for
	// every Ingress (Options.TLS, --tls).
	if tls, ok := spec["tls"].([]any); ok {
		tlsOn = true
		derived, _ = tls[0].(map[string]any)["secretName"].(string)
	}
	c.vals.set(path("enabled"), "boolean", true, "Render the Ingress.")
	c.vals.set(path("className"), "string", className, "IngressClass; empty: site.ingressClass, else the cluster's default.")
	c.vals.set(path("hosts"), "strings", hosts, "Hosts routed to the service; empty: "+svc+".<site.domain> when the site names a domain, else any host.")
	c.vals.set(path("paths"), "strings", routes, "Path prefixes routed to the service.")
	c.vals.set(path("tls", "enabled"), "boolean", tlsOn, "Serve HTTPS, with a certificate from site.tlsIssuer unless tls.secretName names one.")
	c.vals.set(path("tls", "secretName"), "string", tlsSecret, "Secret holding the certificate; empty: "+derived+", which the site's issuer fills.")
	c.vals.set(path("annotations"), "stringMap", map[string]any{}, "Annotations added to the Ingress (over the site's).")
	t.conds = append(t.conds, "$v.ingress.enabled")
	t.prelude = append(t.prelude,
		"{{- $class := $v.ingress.className | default .Values.site.ingressClass }}",
		"{{- $hosts := $v.ingress.hosts }}",
		fmt.Sprintf("{{- if and (not $hosts) .Values.site.domain }}{{ $hosts = list (printf \"%%s.%%s\" %q .Values.site.domain) }}{{ end }}", svc),
		"{{- $ann := merge (dict) $v.ingress.annotations .Values.site.ingressAnnotations }}",
		`{{- if and $class (hasKey $ann "kubernetes.io/ingress.class") }}{{ $_ := set $ann "kubernetes.io/ingress.class" $class }}{{ end }}`,
		`{{- if and $v.ingress.tls.enabled (not $v.ingress.tls.secretName) .Values.site.tlsIssuer }}{{ $_ := set $ann (ternary "cert-manager.io/issuer" "cert-manager.io/cluster-issuer" (eq .Values.site.tlsIssuerKind "Issuer")) .Values.site.tlsIssuer }}{{ end }}`)

	md, _ := mapAt(o.Tree, "metadata")
	delete(md, "annotations")
	md["annotations"] = kubernetes.Block(func(indent int) string {
		return fmt.Sprintf("{{- with $ann }}\n%sannotations: {{- toYaml . | nindent %d }}\n{{- end }}\n", strings.Repeat(" ", indent), indent+2)
	})
	delete(spec, "ingressClassName")
	spec["ingressClassName"] = block("{{- with $class }}", "ingressClassName: {{ . | quote }}", "{{- end }}")
	item["path"] = kubernetes.Raw("{{ . | quote }}")
	spec["rules"] = rulesBlock(item)
	delete(spec, "tls")
	spec["tls"] = kubernetes.Block(func(indent int) string {
		pad := strings.Repeat(" ", indent)
		return fmt.Sprintf("{{- if $v.ingress.tls.enabled }}\n%stls:\n%s  - secretName: {{ $v.ingress.tls.secretName | default %q | quote }}\n{{- with $hosts }}\n%s    hosts: {{- toYaml . | nindent %d }}\n{{- end }}\n{{- end }}\n",
			pad, pad, derived, pad, indent+6)
	})
}

// rulesBlock writes one rule per host (one without a host when there is
// none), each routing every path to the service.
func rulesBlock(item map[string]any) kubernetes.Block {
	return func(indent int) string {
		pad := strings.Repeat(" ", indent)
		paths := fmt.Sprintf("{{- range $v.ingress.paths }}\n%s{{- end }}\n", kubernetes.TemplateAt([]any{item}, indent+8))
		return fmt.Sprintf("%srules:\n{{- range $hosts }}\n%s  - host: {{ . | quote }}\n%s    http:\n%s      paths:\n%s{{- else }}\n%s  - http:\n%s      paths:\n%s{{- end }}\n",
			pad, pad, pad, pad, paths, pad, pad, paths)
	}
}

func firstNonEmpty(l ...string) string {
	for _, s := range l {
		if s != "" {
			return s
		}
	}
	return ""
}
