package kubernetes

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// maxPorts caps the ports of one Service: compose expands "8000-9000"
// into a thousand ports, which no Service should carry.
const maxPorts = 100

// port is one Service (and container) port.
type port struct {
	name      string
	target    uint32
	proto     corev1.Protocol
	published string
	app       string
	src       diag.Src
}

// servicePorts collects ports and expose entries, one per container port
// and protocol. In compose, peers connect to the container port under the
// service's name, whatever is published; so the Service's port is the
// container port, and published ports only matter from outside.
func (p *planner) servicePorts(si *svcInfo) {
	s := si.s
	seen := map[string]int{}
	for _, cp := range append(append(slices.Clip(s.Ports), s.Expose...), p.imagePorts(s)...) {
		proto := corev1.Protocol(strings.ToUpper(cp.Protocol))
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		key := string(proto) + "/" + uitoa(cp.Target)
		if i, dup := seen[key]; dup {
			if si.ports[i].published == "" {
				si.ports[i].published = cp.Published
			}
			continue
		}
		if len(si.ports) == maxPorts {
			p.warn(CodePortRange, cp.Src, "service %s has more than %d ports; port %d and the ones after it are left out", s.Name, maxPorts, cp.Target)
			break
		}
		seen[key] = len(si.ports)
		si.ports = append(si.ports, port{name: portName(cp.Name, string(proto), cp.Target), target: cp.Target, proto: proto, published: cp.Published, app: cp.AppProtocol, src: cp.Src})
	}
	dedupePortNames(si.ports)
}

// serviceName decides whether the service gets a Service, once every
// kind is known: with ports, as a StatefulSet's governing Service, when
// peers wait for it or link to it, or for its network aliases.
func (p *planner) serviceName(si *svcInfo) {
	if si.kind == kindJob && len(si.s.Ports) == 0 && len(si.s.Expose) == 0 && len(si.ports) > 0 {
		// A Service would route to pods that stop when the task is done:
		// only ports compose names make one, not the image's EXPOSE.
		p.warn(CodeWorkloadKind, si.s.Src, "service %s runs as a Job; the ports its image exposes get no Service, since its pods stop when it is done; give it ports: in compose to reach it while it runs", si.s.Name)
		if !p.linked(si.s.Name) && !p.aliased(si.s) {
			return
		}
	}
	if len(si.ports) > 0 || si.kind == kindStatefulSet && si.pod == nil || p.awaited(si.s.Name) || p.aliased(si.s) {
		si.service = si.name
		si.serviceType = p.serviceType(si)
	}
}

// imagePorts are the image's EXPOSE ports (from transship.lock or
// --resolve-images), used when compose names no port: peers reach them
// under the service's name in compose too.
func (p *plan) imagePorts(s *translate.Service) []translate.Port {
	info := p.g.ImageInfo(s.Image)
	if info == nil || len(s.Ports) > 0 || len(s.Expose) > 0 {
		return nil
	}
	var out []translate.Port
	for _, ep := range info.ExposedPorts {
		num, proto, _ := strings.Cut(ep, "/")
		n, err := strconv.ParseUint(num, 10, 16)
		if err != nil || n == 0 {
			continue // a range or junk in the image config: not a port
		}
		out = append(out, translate.Port{Target: uint32(n), Protocol: cmp.Or(proto, "tcp"), Src: s.Src})
	}
	return out
}

// dedupePortNames keeps names unique when two ports were given one name.
func dedupePortNames(ps []port) {
	used := map[string]bool{}
	for i := range ps {
		if used[ps[i].name] {
			ps[i].name = strings.ToLower(string(ps[i].proto)) + "-" + uitoa(ps[i].target)
		}
		used[ps[i].name] = true
	}
}

func containerPorts(ps []port) []corev1.ContainerPort {
	var out []corev1.ContainerPort
	for _, p := range ps {
		out = append(out, corev1.ContainerPort{Name: p.name, ContainerPort: int32(p.target), Protocol: p.proto})
	}
	return out
}

// awaited: another service depends on or links to this one, so its name
// must resolve even without ports (a headless Service).
func (p *plan) awaited(name string) bool {
	for _, s := range p.g.Services {
		for _, d := range s.DependsOn {
			dep := p.svc[name]
			if d.Service != name || dep == nil || d.Implicit && samePod(p.svc[s.Name], dep) {
				continue // compose's own edge inside one pod needs no Service
			}
			if dep.kind != kindJob && dep.kind != kindCronJob {
				return true
			}
		}
	}
	return p.linked(name)
}

// linked: another service links to this one by name.
func (p *plan) linked(name string) bool {
	for _, s := range p.g.Services {
		for _, l := range s.Links {
			if t, _, _ := strings.Cut(l, ":"); t == name {
				return true
			}
		}
	}
	return false
}

func (p *plan) aliased(s *translate.Service) bool {
	for _, n := range s.Networks {
		if len(n.Aliases) > 0 {
			return true
		}
	}
	return false
}

// planAliases picks the network aliases that get a Service of their own:
// those that are DNS labels and no other Service's name.
func (p *planner) planAliases(si *svcInfo) {
	if si.service == "" {
		return
	}
	for _, n := range si.s.Networks {
		for _, a := range n.Aliases {
			name := dnsName(a, 63)
			switch {
			case name != a:
				p.warn(CodeAlias, n.Src, "alias %q is not a DNS label; no Service is made for it", a)
			case p.serviceNames[name]:
				if name != si.name {
					p.warn(CodeAlias, n.Src, "alias %q is already the name of another Service; it is left out", a)
				}
			default:
				p.serviceNames[name] = true
				si.aliases = append(si.aliases, name)
			}
		}
	}
}

// serviceObjects writes the Service and one more per network alias.
// A service without ports gets a headless Service: its name then
// resolves to the pod's address, on every port, as in compose.
func (e *emitter) serviceObjects(si *svcInfo) {
	if si.service == "" {
		return
	}
	e.add("Service", si.name, e.serviceObject(si, si.name))
	for _, name := range si.aliases {
		e.add("Service", name, e.serviceObject(si, name))
	}
	e.publishedService(si)
}

func (e *emitter) serviceObject(si *svcInfo, name string) *corev1.Service {
	s := si.s
	spec := corev1.ServiceSpec{Selector: e.selector(si.podOf().name)}
	for _, p := range si.ports {
		sp := corev1.ServicePort{Name: p.name, Port: int32(p.target), TargetPort: intstr.FromString(p.name), Protocol: p.proto}
		if p.app != "" {
			sp.AppProtocol = &p.app
		}
		spec.Ports = append(spec.Ports, sp)
	}
	switch t := si.serviceType; t {
	case "Headless":
		spec.ClusterIP = corev1.ClusterIPNone
		spec.PublishNotReadyAddresses = false
	case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
		spec.Type = t
		if si.nodePort > 0 && len(spec.Ports) > 0 {
			spec.Ports[0].NodePort = si.nodePort
		}
		if s.Ext.TrafficPolicy != "" {
			spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicy(s.Ext.TrafficPolicy)
		}
	}
	return &corev1.Service{TypeMeta: typeMeta("v1", "Service"), ObjectMeta: e.meta(name, si.name), Spec: spec}
}

// serviceType: x-transship or kompose.service.type decide; a StatefulSet
// and a service without ports are headless; else ClusterIP (published
// ports get a Service of their own, published.go). LoadBalancer is
// refused where the site has none (it would stay pending forever). An
// awaited service with no TCP port is headless too: its name then
// resolves only while a pod is ready, which is what its waits look for
// (wait.go); a ClusterIP name resolves at once, proving nothing.
func (p *planner) serviceType(si *svcInfo) corev1.ServiceType {
	s := si.s
	switch t := s.Ext.ServiceType; {
	case t == "LoadBalancer" && !p.o.Site.LoadBalancer:
		p.warn(CodeServiceType, sub(s.Src, "x-transship.service_type"), "the site has no load balancers (a LoadBalancer Service would stay pending); service %s gets a NodePort Service", s.Name)
		return corev1.ServiceTypeNodePort
	case t == "Headless" || t != "" && len(si.ports) == 0:
		return "Headless"
	case t != "":
		return corev1.ServiceType(t)
	case len(si.ports) == 0 || si.kind == kindStatefulSet:
		return "Headless"
	}
	if firstTCP(si.ports) == nil && p.awaited(s.Name) {
		return "Headless"
	}
	return ""
}

// exposed: x-transship expose, kompose.service.expose, or --expose.
func (p *plan) exposed(si *svcInfo) bool {
	if si.s.Ext.Expose != nil {
		return true
	}
	for _, n := range p.o.Expose {
		if n == si.s.Name || n == "*" && slices.ContainsFunc(si.ports, func(p port) bool { return p.published != "" }) {
			return true
		}
	}
	return false
}

// ingressPort is the port an Ingress routes to: the one asked for, else
// the first published port, else the first port.
func (p *plan) ingressPort(si *svcInfo) *port {
	if !p.exposed(si) || len(si.ports) == 0 {
		return nil
	}
	if x := si.s.Ext.Expose; x != nil && x.Port != 0 {
		for i := range si.ports {
			if si.ports[i].target == uint32(x.Port) || si.ports[i].published == uitoa(uint32(x.Port)) {
				return &si.ports[i]
			}
		}
		return nil
	}
	for i := range si.ports {
		if si.ports[i].published != "" && si.ports[i].proto == corev1.ProtocolTCP {
			return &si.ports[i]
		}
	}
	return &si.ports[0]
}

// ingress routes HTTP to the service: hosts from x-transship or the
// site's domain, TLS with cert-manager's issuer annotation when the site
// names an issuer, the site's class and annotations.
func (e *emitter) ingress(si *svcInfo) {
	if !e.exposed(si) {
		return
	}
	s, x := si.s, si.s.Ext.Expose
	if x == nil {
		x = &translate.Expose{}
	}
	src := sub(s.Src, "x-transship.expose")
	p := e.ingressPort(si)
	if p == nil || si.service == "" {
		e.warn(CodeExpose, src, "service %s is to be exposed but has no such port; no Ingress is made (add ports: or x-transship.expose.port)", s.Name)
		return
	}
	if p.proto != corev1.ProtocolTCP {
		e.warn(CodeExpose, src, "port %d/%s cannot go through an Ingress (HTTP only); no Ingress is made", p.target, p.proto)
		return
	}
	hosts := e.hosts(si)
	path := x.Path
	if path == "" {
		path = "/"
	}
	prefix := networkingv1.PathTypePrefix
	backend := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: si.name, Port: networkingv1.ServiceBackendPort{Name: p.name}}}
	rule := networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: &prefix, Backend: backend}}}}
	ing := &networkingv1.Ingress{TypeMeta: typeMeta("networking.k8s.io/v1", "Ingress"), ObjectMeta: e.meta(si.name, si.name)}
	for _, h := range hosts {
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{Host: h, IngressRuleValue: rule})
	}
	if len(hosts) == 0 {
		ing.Spec.Rules = []networkingv1.IngressRule{{IngressRuleValue: rule}}
	}
	ing.Annotations = copyMap(e.o.Site.IngressAnnotations)
	if class := firstNonEmpty(x.IngressClass, e.o.Site.IngressClass); class != "" {
		ing.Spec.IngressClassName = &class
		// The API refuses a legacy class annotation that names another class.
		if _, ok := ing.Annotations[legacyClass]; ok {
			ing.Annotations[legacyClass] = class
		}
	}
	if x.TLS || x.TLSSecret != "" || e.o.TLS {
		e.tls(si, x, ing, hosts, src)
	}
	e.add("Ingress", si.name, ing)
}

const legacyClass = "kubernetes.io/ingress.class"

// hosts are the Ingress's hosts: x-transship's, else <name>.<site domain>.
func (p *plan) hosts(si *svcInfo) []string {
	if x := si.s.Ext.Expose; x != nil && len(x.Hosts) > 0 {
		return x.Hosts
	}
	if p.o.Site.Domain != "" {
		return []string{si.name + "." + p.o.Site.Domain}
	}
	return nil
}

// tls adds the TLS section. Its secret is the one named, else
// <name>-tls, which cert-manager fills when the site names an issuer.
func (e *emitter) tls(si *svcInfo, x *translate.Expose, ing *networkingv1.Ingress, hosts []string, src diag.Src) {
	secret := x.TLSSecret
	if secret == "" {
		secret = joinName(si.name, "tls", 63)
		if e.o.Site.TLSIssuer == "" {
			e.warn(CodeTLS, src, "TLS is asked but the site names no certificate issuer; create the secret %s yourself, or use a site with cert-manager (--site egi-im)", secret)
		} else {
			if ing.Annotations == nil {
				ing.Annotations = map[string]string{}
			}
			key := "cert-manager.io/cluster-issuer"
			if e.o.Site.TLSIssuerKind == "Issuer" {
				key = "cert-manager.io/issuer"
			}
			ing.Annotations[key] = e.o.Site.TLSIssuer
		}
	}
	if len(hosts) == 0 {
		e.warn(CodeTLS, src, "TLS is asked but the Ingress has no host, so no certificate can name it; give x-transship.expose.host or a site domain (--domain)")
	}
	ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: hosts, SecretName: secret}}
}

func firstNonEmpty(l ...string) string {
	for _, s := range l {
		if s != "" {
			return s
		}
	}
	return ""
}

func copyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
