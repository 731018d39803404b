package kubernetes

import (
	"net"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// Published ports. In compose a published port opens on the host, and
// only there: peers reach the container port under the service's name.
// So the service's own Service stays ClusterIP, with every port (expose:
// entries and loopback-bound ports never open on a node), and the ports
// compose opens to the world get a second Service, <name>-published, of
// the type the site offers: LoadBalancer where it has load balancers (as
// Docker's Compose Bridge does), on the published port; else NodePort,
// with the published port as nodePort when the site's range holds it.
// A port an Ingress serves needs neither. An explicit Service type
// (x-transship, kompose.service.type) keeps the one-Service shape.

// pubPort is one port of the published Service.
type pubPort struct {
	name     string // its port name
	port     int32  // the Service port: the published port (the container port when compose picks the host's)
	target   string // the container port's name
	cport    uint32 // the container port
	proto    corev1.Protocol
	nodePort int32 // 0: the cluster picks one
	hostIP   string
	src      diag.Src
}

// planPublished decides the published Service of every service, in the
// Graph's order, so that of two services publishing one port the first
// keeps it as node port. Node ports asked for explicitly are taken first.
func (p *planner) planPublished() {
	taken := map[int32]string{}
	for _, s := range p.g.Services {
		si := p.svc[s.Name]
		if n := p.askedNodePort(s); n > 0 && (si.serviceType == corev1.ServiceTypeNodePort || si.serviceType == corev1.ServiceTypeLoadBalancer) {
			taken[n] = s.Name
		}
	}
	for _, s := range p.g.Services {
		p.planPublishedOf(p.svc[s.Name], taken)
	}
}

func (p *planner) planPublishedOf(si *svcInfo, taken map[int32]string) {
	s := si.s
	if si.service == "" || s.Ext.ServiceType != "" {
		return // no Service, or the type asked for wins
	}
	ports := p.publishedPorts(si)
	if len(ports) == 0 {
		return
	}
	site := p.o.Site
	typ := corev1.ServiceTypeLoadBalancer
	if !site.LoadBalancer {
		typ = corev1.ServiceTypeNodePort
	}
	name := joinName(si.name, "published", 63)
	if p.serviceNames[name] {
		p.warn(CodePublished, ports[0].src, "the Service for the ports service %s publishes would be named %s, which another Service has; they stay on ClusterIP Service %s", s.Name, name, si.name)
		return
	}
	if !site.LoadBalancer && site.PublishedPorts != "NodePort" {
		// The Service is still made, of type ClusterIP, so that one chart
		// has the same objects on every site (its type is a value).
		typ = corev1.ServiceTypeClusterIP
		for _, pp := range ports {
			p.warn(CodePublished, pp.src, "port %d/%s stays inside the cluster, on ClusterIP Service %s: the site has neither LoadBalancer nor NodePort Services for published ports (reach it with kubectl port-forward)", pp.port, pp.proto, name)
		}
	}
	p.serviceNames[name] = true
	si.pubService, si.pubType = name, typ
	for i := range ports {
		// One K8S156 per port, saying what the type decided above does
		// (a ClusterIP Service's ports were warned about with it).
		switch typ {
		case corev1.ServiceTypeNodePort:
			ports[i].nodePort = p.nodePort(si, ports[i], taken)
		case corev1.ServiceTypeLoadBalancer:
			p.warn(CodePublished, ports[i].src, "port %d/%s goes to LoadBalancer Service %s, port %d; on a cluster without a load-balancer controller its external address stays pending, while the Service's node port (which the cluster picks) still works", ports[i].port, ports[i].proto, name, ports[i].port)
		}
		if typ != corev1.ServiceTypeClusterIP && oneAddress(ports[i].hostIP) {
			p.warn(CodePublished, ports[i].src, "port %d/%s is published on %s only, one address of the compose host; %s Service %s opens it outside the cluster on every address it has (set x-transship.service_type: ClusterIP to keep it inside, or restrict it with a NetworkPolicy or loadBalancerSourceRanges)", ports[i].port, ports[i].proto, ports[i].hostIP, typ, name)
		}
	}
	si.published = ports
}

// publishedPorts are the ports compose opens on the host that no Ingress
// serves; a loopback-bound port stays host-local in compose, and an
// Ingress's port is reached through it: both only say where they went.
func (p *planner) publishedPorts(si *svcInfo) []pubPort {
	var out []pubPort
	ing := p.ingressPort(si)
	used := map[string]bool{}
	for _, cp := range si.s.Ports {
		proto := corev1.Protocol(strings.ToUpper(cp.Protocol))
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		target := portByTarget(si.ports, proto, cp.Target)
		if target == nil {
			continue // cut by maxPorts
		}
		num := publishedNumber(cp)
		switch {
		case loopback(cp.HostIP):
			p.warn(CodePublished, cp.Src, "port %d/%s is published on %s only, which compose keeps on the host; it stays on ClusterIP Service %s, inside the cluster (reach it with kubectl port-forward)", num, proto, cp.HostIP, si.name)
			continue
		case ing != nil && ing.proto == corev1.ProtocolTCP && proto == corev1.ProtocolTCP && ing.target == cp.Target:
			p.warn(CodePublished, cp.Src, "port %d/%s goes through Ingress %s (%s)", num, proto, si.name, p.ingressHosts(si))
			continue
		}
		key := string(proto) + "/" + strconv.Itoa(int(num))
		if used[key] {
			p.warn(CodePublished, cp.Src, "port %d/%s is published twice by service %s; the second entry is left out", num, proto, si.s.Name)
			continue
		}
		used[key] = true
		name := target.name
		if used["name:"+name] {
			name = strings.ToLower(string(proto)) + "-" + strconv.Itoa(int(num))
		}
		used["name:"+name] = true
		out = append(out, pubPort{name: name, port: num, target: target.name, cport: cp.Target, proto: proto, hostIP: cp.HostIP, src: cp.Src})
	}
	return out
}

// nodePort is the published port when the site's range holds it and no
// other Service has it; else 0 (the cluster picks), with a warning.
func (p *planner) nodePort(si *svcInfo, pp pubPort, taken map[int32]string) int32 {
	low, high := p.o.Site.NodePorts()
	n := pp.port
	why := ""
	switch owner, dup := taken[n]; {
	case n < int32(low) || n > int32(high):
		why = "it is outside the site's node port range " + p.o.Site.NodePortRange
	case slices.Contains(p.o.Site.ReservedNodePorts, strconv.Itoa(int(n))):
		why = "the site reserves it for the cluster's own Services"
	case dup:
		why = "service " + owner + " has it already"
	default:
		taken[n] = si.s.Name
		return n
	}
	p.warn(CodePublished, pp.src, "port %d/%s goes to NodePort Service %s on a node port the cluster picks, not on %d: %s (kubectl get service %s shows the one it took)", n, pp.proto, si.pubService, n, why, si.pubService)
	return 0
}

// publishedNumber is the host port compose opens: the published port, the
// low end of a published range, or the container port when compose
// picks the host's port.
func publishedNumber(cp translate.Port) int32 {
	low, _, _ := strings.Cut(cp.Published, "-")
	if n, err := strconv.ParseUint(low, 10, 16); err == nil && n > 0 {
		return int32(n)
	}
	return int32(cp.Target)
}

func loopback(hostIP string) bool {
	ip := net.ParseIP(strings.Trim(hostIP, "[]"))
	return ip != nil && ip.IsLoopback()
}

// oneAddress: a host IP that is one address of the host (a LAN-only bind,
// say), neither every address (0.0.0.0, ::) nor loopback. A cluster has
// no such notion, so the port opens wider than compose opened it.
func oneAddress(hostIP string) bool {
	ip := net.ParseIP(strings.Trim(hostIP, "[]"))
	return ip != nil && !ip.IsLoopback() && !ip.IsUnspecified()
}

func portByTarget(ps []port, proto corev1.Protocol, target uint32) *port {
	for i := range ps {
		if ps[i].proto == proto && ps[i].target == target {
			return &ps[i]
		}
	}
	return nil
}

// ingressHosts says which hosts the service's Ingress answers.
func (p *plan) ingressHosts(si *svcInfo) string {
	if hosts := p.hosts(si); len(hosts) > 0 {
		return "host " + strings.Join(hosts, ", ")
	}
	return "any host"
}

// publishedService writes the Service of the published ports.
func (e *emitter) publishedService(si *svcInfo) {
	if si.pubService == "" {
		return
	}
	spec := corev1.ServiceSpec{Type: si.pubType, Selector: e.selector(si.podOf().name)}
	for _, pp := range si.published {
		spec.Ports = append(spec.Ports, corev1.ServicePort{Name: pp.name, Port: pp.port, TargetPort: intstr.FromString(pp.target), Protocol: pp.proto, NodePort: pp.nodePort})
	}
	if tp := si.s.Ext.TrafficPolicy; tp != "" && si.pubType != corev1.ServiceTypeClusterIP {
		spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicy(tp)
	}
	e.add("Service", si.pubService, &corev1.Service{TypeMeta: typeMeta("v1", "Service"), ObjectMeta: e.meta(si.pubService, si.name), Spec: spec})
}
