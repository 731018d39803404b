package kubernetes

import (
	"cmp"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/transship/transship/internal/lazy"
	"github.com/transship/transship/translate"
)

// Compose networks become NetworkPolicies that allow exactly what compose
// allows. Every pod carries one label per network it joins; per network,
// a policy selects its members and admits traffic from its members only.
// Policies add up, so a pod on two networks admits both networks' members,
// as a container on two compose networks does. Ports published on the
// host are reachable from anywhere in compose, so a second policy per
// publishing service admits any source on those ports (Ingress
// controllers and node ports included).
//
// Egress: a pod whose networks are all `internal: true` can reach only
// the members of those networks, and DNS; one network with an outside
// route is enough to reach the world, as in compose.
//
// Pods in no project network (network_mode: host) are not selected by
// any policy and stay open, as on the host.

// networkLabel is the pod label marking membership of a network.
func networkLabel(net string) string { return "network.transship.io/" + dnsName(net, 63) }

// policiesFor: NetworkPolicies are on, and the network is the project's
// own (an external network's other members are not in this output).
func (p *plan) policiesFor(net string) bool {
	if !p.o.Site.NetworkPolicies {
		return false
	}
	n := p.network(net)
	return n != nil && !n.External
}

func (p *plan) network(name string) *translate.Network {
	for _, n := range p.g.Networks {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// namePolicies names every NetworkPolicy networkPolicies may write, in
// the order it writes them.
func (p *planner) namePolicies() {
	if !p.o.Site.NetworkPolicies {
		return
	}
	name := func(kind, base, owner string) {
		p.fileObj["policy:"+kind+" "+owner] = p.unique("NetworkPolicy", joinName(base, kind, 63), kind+" "+owner)
	}
	for _, n := range p.g.Networks {
		if len(n.Members) > 0 && !n.External {
			p.fileObj["policy:network "+n.Name] = p.unique("NetworkPolicy", joinName("network", n.Name, 63), "network "+n.Name)
		}
	}
	for _, s := range p.g.Services {
		si := p.svc[s.Name]
		name("published", si.name, si.name)
		name("egress", si.name, si.name)
	}
}

func (e *emitter) networkPolicies() {
	if !e.o.Site.NetworkPolicies {
		return
	}
	for _, n := range e.g.Networks {
		if len(n.Members) == 0 {
			continue
		}
		if n.External {
			e.warn(CodeExternalNet, n.Src, "network %s is external: its members outside this project are not known, so no NetworkPolicy admits them", n.Name)
			continue
		}
		sel := metav1.LabelSelector{MatchLabels: map[string]string{networkLabel(n.Name): "true"}}
		name := e.fileObj["policy:network "+n.Name]
		e.add("NetworkPolicy", name, &networkingv1.NetworkPolicy{TypeMeta: typeMeta("networking.k8s.io/v1", "NetworkPolicy"), ObjectMeta: e.meta(name, name),
			Spec: networkingv1.NetworkPolicySpec{PodSelector: sel, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &sel}}}}}})
	}
	for _, s := range e.g.Services {
		if si := e.svc[s.Name]; si.pod == nil { // a member's pod is its primary's
			e.publishedPolicy(si)
			e.egressPolicy(si)
		}
	}
}

func (p *plan) inPolicies(s *translate.Service) bool {
	for _, n := range s.Networks {
		if p.policiesFor(n.Network) {
			return true
		}
	}
	return false
}

// publishedPolicy admits anyone to the ports a service publishes.
func (e *emitter) publishedPolicy(si *svcInfo) {
	if !e.inPolicies(si.s) {
		return
	}
	var ports []networkingv1.NetworkPolicyPort
	open := e.openPorts(si)
	for _, p := range si.ports {
		if open[portKey(p)] {
			proto, pn := p.proto, intstr.FromInt32(int32(p.target))
			ports = append(ports, networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &pn})
		}
	}
	if len(ports) == 0 {
		return
	}
	name := e.fileObj["policy:published "+si.name]
	e.add("NetworkPolicy", name, &networkingv1.NetworkPolicy{TypeMeta: typeMeta("networking.k8s.io/v1", "NetworkPolicy"), ObjectMeta: e.meta(name, si.name),
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: e.selector(si.name)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: ports}}}})
}

// openPorts are the ports of si's pod that are reached from outside: what
// its services' published Services target (the same decision, so that
// a loopback-bound port stays closed and a "9100" port, which compose
// opens on a host port it picks, is open), and their Ingress ports. A
// service with an explicit Service type has no published Service: there
// every port compose publishes, but on loopback, is open.
func (e *emitter) openPorts(si *svcInfo) map[string]bool {
	open := map[string]bool{}
	for _, x := range append([]*svcInfo{si}, si.members...) {
		for _, pp := range x.published {
			open[portKey(port{proto: pp.proto, target: pp.cport})] = true
		}
		if x.s.Ext.ServiceType != "" {
			for _, cp := range x.s.Ports {
				if cp.Published != "" && !loopback(cp.HostIP) {
					open[portKey(port{proto: corev1.Protocol(strings.ToUpper(cmp.Or(cp.Protocol, "tcp"))), target: cp.Target})] = true
				}
			}
		}
		if ing := e.ingressPort(x); ing != nil {
			open[portKey(*ing)] = true
		}
	}
	return open
}

// egressPolicy confines a pod whose networks are all internal.
func (e *emitter) egressPolicy(si *svcInfo) {
	if len(si.s.Networks) == 0 || si.s.NetMode == "host" {
		return
	}
	var to []networkingv1.NetworkPolicyPeer
	for _, r := range si.s.Networks {
		n := e.network(r.Network)
		if n == nil || !n.Internal || !e.policiesFor(r.Network) {
			return
		}
		to = append(to, networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{networkLabel(n.Name): "true"}}})
	}
	udp, tcp, dns := corev1.ProtocolUDP, corev1.ProtocolTCP, intstr.FromInt32(53)
	name := e.fileObj["policy:egress "+si.name]
	e.add("NetworkPolicy", name, &networkingv1.NetworkPolicy{TypeMeta: typeMeta("networking.k8s.io/v1", "NetworkPolicy"), ObjectMeta: e.meta(name, si.name),
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: e.selector(si.name)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: to},
				{Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &dns}, {Protocol: &tcp, Port: &dns}}}}}})
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

var qualified = lazy.Regexp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)

// qualifiedName is Kubernetes' rule for label and annotation keys.
func qualifiedName(k string) bool {
	return qualified().MatchString(k) && strings.LastIndex(k, "/") <= 253
}
