package batch

import (
	"strconv"
	"strings"

	"github.com/transship/transship/translate"
)

// network: every service shares the node's network. Names resolve through
// the hosts file lib.sh writes; what needs a network namespace is lost.
func (w *specWriter) network() {
	s := w.s
	for _, pt := range s.Ports {
		if pt.Target > 0 && pt.Target < 1024 {
			// Real on HPC nodes: jobs run as the user, and Linux keeps
			// these ports for root (net.ipv4.ip_unprivileged_port_start).
			w.warn(CodePrivPort, pt.Src, "port %d is below 1024: a job runs as the submitting user, who cannot listen on it on most nodes (net.ipv4.ip_unprivileged_port_start=1024): the service fails to start unless it is told to listen on a port from 1024 up", pt.Target)
		}
		switch {
		case pt.Published == "":
			w.p.portUser(pt, s.Name, w)
		case pt.Published != strconv.Itoa(int(pt.Target)):
			w.warn(CodePort, pt.Src, "published port %s cannot be mapped to %d without root: the service listens on port %d of the node", pt.Published, pt.Target, pt.Target)
			w.p.portUser(pt, s.Name, w)
		default:
			w.warn(CodePort, pt.Src, "port %d is reachable on the node that runs the job only, not from outside the cluster", pt.Target)
			w.p.portUser(pt, s.Name, w)
		}
	}
	for _, n := range s.Networks {
		if n.IPv4Address != "" || n.IPv6Address != "" {
			w.warn(CodeNetwork, n.Src, "a fixed address on network %s is not kept: services reach each other on 127.0.0.1", n.Network)
		}
	}
	switch s.NetMode {
	case "none":
		w.call("no_network")
		if w.p.mayUdocker() {
			w.warn(CodeNoNetwork, w.src("network_mode"), "network_mode: none is kept by Apptainer only: with udocker the service shares the node's network")
		}
	}
	if s.Hostname != "" {
		w.call("host_name", s.Hostname)
	}
	for _, h := range s.ExtraHosts {
		ip := h.IP
		if ip == "host-gateway" {
			ip = "127.0.0.1" // the host's network is the service's
		}
		if validHostName(h.Host) && !strings.ContainsAny(ip, " \t\n") {
			w.call("extra_host", h.Host, ip)
		}
	}
}

// portUser reports a container port two services would both listen on.
func (p *project) portUser(pt translate.Port, svc string, w *specWriter) {
	key := pt.Protocol + "/" + strconv.Itoa(int(pt.Target))
	if p.ports == nil {
		p.ports = map[string]string{}
	}
	if other, ok := p.ports[key]; ok && other != svc {
		w.warn(CodePortClash, pt.Src, "services %s and %s both listen on %s port %d of the same node: the second to start fails", other, svc, pt.Protocol, pt.Target)
		return
	}
	p.ports[key] = svc
}

// resources: the job asks the scheduler for the sum (see wrappers.go);
// GPUs are passed through with --nv.
func (w *specWriter) resources() {
	r := w.s.Resources
	if r.CPULimit > 0 || r.MemLimit > 0 || r.PidsLimit > 0 {
		w.warn(CodeResources, w.s.LimitsSrc, "limits are not enforced per service: they add up to the job's request")
	}
	if len(r.GPUs) == 0 {
		return
	}
	w.call("gpus")
	for _, g := range r.GPUs {
		if len(g.DeviceIDs) > 0 || g.Count < 0 {
			w.warn(CodeGPU, g.Src, "device_ids and count: all are not kept: the service sees the GPUs the scheduler gives the job")
		}
		if g.Driver != "" && g.Driver != "nvidia" {
			w.warn(CodeGPU, g.Src, "GPU driver %s: only NVIDIA GPUs are passed through (--nv)", g.Driver)
		}
	}
}

// isolation: what needs privileges or a namespace of its own.
func (w *specWriter) isolation() {
	s, sec := w.s, w.s.Security
	lost := func(key string, set bool) {
		if set {
			w.warn(CodeIsolation, w.src(key), "%s is not kept: unprivileged containers share the node's kernel settings and run without extra privileges", key)
		}
	}
	lost("privileged", sec.Privileged)
	lost("cap_add", len(sec.CapAdd) > 0)
	lost("cap_drop", len(sec.CapDrop) > 0)
	lost("security_opt", len(sec.SecurityOpt) > 0)
	lost("ipc", sec.IPC != "")
	lost("pid", sec.PID != "")
	lost("userns_mode", sec.UsernsMode != "")
	lost("sysctls", len(s.Sysctls) > 0)
	lost("ulimits", len(s.Ulimits) > 0)
	lost("devices", len(s.Devices) > 0)
	lost("dns", len(s.DNS) > 0)
	lost("dns_search", len(s.DNSSearch) > 0)
	lost("dns_opt", len(s.DNSOptions) > 0)
	lost("domainname", s.DomainName != "")
	lost("shm_size", s.ShmSize > 0)
}

// rest: keys with no meaning for one job on one node.
func (w *specWriter) rest() {
	s := w.s
	switch s.Restart.Policy {
	case "", "no":
	default:
		w.warn(CodeRestart, w.src("restart"), "restart: %s is not kept: nothing restarts a service in a job; if it exits non-zero, the job fails", s.Restart.Policy)
	}
	if s.Replicas != nil && *s.Replicas != 1 || s.Global {
		w.warn(CodeReplicas, w.src("deploy"), "replicas are not kept: one instance runs, on the job's node")
	}
	if s.TTY || s.StdinOpen {
		w.warn(CodeTTY, w.src("tty"), "tty and stdin_open are not kept: a batch job has no terminal; the service reads /dev/null")
	}
	if len(s.Labels) > 0 {
		w.warn(CodeLabels, w.src("labels"), "labels have no meaning in a batch job")
	}
	if s.Platform != "" {
		w.warn(CodePlatform, w.src("platform"), "platform %s is not enforced: the node's architecture runs", s.Platform)
	}
	for _, d := range s.DependsOn {
		t := w.p.byName[d.Service]
		if d.Condition == "service_healthy" && t != nil && (t.s.Health == nil || t.s.Health.Disabled) {
			w.warn(CodeHealth, d.Src, "%s has no healthcheck here (the image may have one, which Apptainer does not run): it counts as healthy once started", d.Service)
		}
	}
	for _, u := range s.Unmodelled {
		w.warn(CodeUnsupported, u, "%s has no equivalent in a batch job and is ignored", u.Path)
	}
}
