package kubernetes

import (
	"math"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/transship/transship/targets"
	"github.com/transship/transship/translate"
)

// podTemplate builds a service's pod: one container with everything
// compose says about the process, the init containers that wait for its
// dependencies, its volumes, and the pod-level settings. It also returns
// the claim templates of a StatefulSet.
func (e *emitter) podTemplate(si *svcInfo) (corev1.PodTemplateSpec, []corev1.PersistentVolumeClaim) {
	s := si.s
	c := e.container(si)
	spec := corev1.PodSpec{
		// Compose injects no variables about other services; Kubernetes'
		// service links (DB_PORT=tcp://...) would clash with the app's own.
		EnableServiceLinks:           boolp(false),
		AutomountServiceAccountToken: boolp(false),
		Hostname:                     e.hostname(s),
		HostAliases:                  e.hostAliases(s),
		DNSConfig:                    dnsConfig(s),
		NodeSelector:                 platformSelector(s.Platform),
		Affinity:                     e.affinity(s),
		SecurityContext:              e.podSecurity(s),
		ServiceAccountName:           s.Ext.ServiceAccount,
		HostNetwork:                  s.NetMode == "host",
		HostPID:                      s.Security.PID == "host",
		HostIPC:                      s.Security.IPC == "host",
	}
	if spec.DNSConfig != nil && len(spec.DNSConfig.Nameservers) > 0 {
		spec.DNSPolicy = corev1.DNSNone
	}
	if s.Ext.ImagePullSecret != "" {
		spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: s.Ext.ImagePullSecret}}
	}
	if s.StopGrace != nil {
		spec.TerminationGracePeriodSeconds = int64p(seconds(*s.StopGrace))
	}
	e.netMode(s)
	if sa := s.Ext.ServiceAccount; sa != "" && sa != e.waiterName() {
		// Without it the ReplicaSet or Job cannot create a single pod.
		e.warn(CodeAccount, s.Src, "service %s runs as service account %s, which the output does not create: create it in the namespace first (kubectl create serviceaccount %s)", s.Name, sa, sa)
	}
	vols, mounts, claims := e.mounts(si)
	c.VolumeMounts = mounts
	spec.Volumes = vols
	spec.InitContainers = append(e.waits(si, &spec), e.initContainer(si)...)
	spec.Containers = []corev1.Container{c}
	claims = e.memberContainers(si, &spec, claims)
	if e.o.Site.RunAsNonRoot {
		if s.Security.Privileged {
			e.warn(CodeSecurity, sub(s.Src, "privileged"), "service %s is privileged, which the site's restricted Pod Security forbids; its pod will be refused", s.Name)
		}
		if c.SecurityContext == nil || c.SecurityContext.RunAsUser == nil || *c.SecurityContext.RunAsUser == 0 {
			e.warn(CodeSecurity, s.Src, "the site runs pods as non-root and service %s sets no non-root user: its image must declare one, or set user: \"1000\"", s.Name)
		}
		restrict(&spec)
	}
	labels := e.selector(si.name)
	for _, n := range si.podNetworks() {
		if e.policiesFor(n.Network) {
			labels[networkLabel(n.Network)] = "true"
		}
	}
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}, claims
}

// container maps the process: image, entrypoint and command, environment,
// working directory, user, security, resources, probes.
func (e *emitter) container(si *svcInfo) corev1.Container {
	s := si.s
	c := corev1.Container{
		Name:            si.name,
		Image:           e.image(s),
		ImagePullPolicy: pullPolicy(s),
		Command:         escapeAll(s.Entrypoint),
		Args:            escapeAll(s.Command),
		WorkingDir:      s.WorkingDir,
		Env:             e.env(si),
		EnvFrom:         e.envFrom(si),
		TTY:             s.TTY,
		Stdin:           s.StdinOpen,
		Resources:       e.resources(s),
		SecurityContext: e.security(s),
		Ports:           containerPorts(si.containerPortList()),
	}
	if s.Entrypoint != nil && len(s.Entrypoint) == 0 {
		e.warn(CodeCommand, sub(s.Src, "entrypoint"), "an empty entrypoint clears the image's in compose; Kubernetes cannot clear it, so the image's entrypoint still runs")
	}
	if s.Command != nil && len(s.Command) == 0 && s.Entrypoint == nil {
		e.warn(CodeCommand, sub(s.Src, "command"), "an empty command clears the image's in compose; Kubernetes cannot clear it, so the image's command still runs")
	}
	if s.StopSignal != "" {
		e.warn(CodeStopSignal, sub(s.Src, "stop_signal"), "stop_signal %s cannot be set on a Kubernetes container; it gets SIGTERM", s.StopSignal)
	}
	if s.Init {
		e.warn(CodeUnsupported, sub(s.Src, "init"), "init: true has no Kubernetes equivalent; the image's entrypoint runs as PID 1")
	}
	if len(s.Ulimits) > 0 {
		e.warn(CodeUlimits, s.UlimitsSrc, "ulimits have no Kubernetes field; the node's defaults apply")
	}
	if len(s.Devices) > 0 {
		e.warn(CodeDevices, sub(s.Src, "devices"), "host devices cannot be mapped into a pod; use a device plugin resource")
	}
	if s.DomainName != "" {
		e.warn(CodeUnsupported, sub(s.Src, "domainname"), "domainname has no Kubernetes equivalent; the pod's domain is the cluster's")
	}
	if s.Security.UsernsMode != "" {
		e.warn(CodeUnsupported, sub(s.Src, "userns_mode"), "userns_mode has no Kubernetes equivalent; it is not carried over")
	}
	e.probes(s, &c)
	e.labelProbes(si, &c)
	e.ephemeral(s, &c.Resources)
	e.hostPorts(si, c.Ports)
	return c
}

// image: a built service has no registry image; compose names it
// <project>-<service> (under --image-prefix), which the user must push
// somewhere the cluster can pull from.
func (e *emitter) image(s *translate.Service) string {
	if s.Image != "" {
		return s.Image
	}
	img := targets.BuiltImage(e.o.ImagePrefix, e.g.Name, s.Name)
	e.warn(CodeBuildOnly, s.BuildSrc, "service %s is built from %s and names no image; the manifest uses %q, which must be pushed to a registry the cluster can pull from", s.Name, buildContext(s), img)
	return img
}

func buildContext(s *translate.Service) string {
	if s.Build == nil || s.Build.Context == "" {
		return "a build context"
	}
	return s.Build.Context
}

func pullPolicy(s *translate.Service) corev1.PullPolicy {
	if s.Ext.ImagePullPolicy != "" {
		return corev1.PullPolicy(s.Ext.ImagePullPolicy)
	}
	switch s.PullPolicy {
	case "always", "daily", "weekly":
		return corev1.PullAlways
	case "never":
		return corev1.PullNever
	case "missing", "if_not_present":
		return corev1.PullIfNotPresent
	}
	return ""
}

// escape makes a string survive Kubernetes' $(VAR) expansion, which
// compose does not do: when the string holds "$(" or "$$", every '$' is
// doubled ("$$" is Kubernetes' escape for '$'). Other strings are left as
// written, so "$HOME" stays readable.
func escape(s string) string {
	if strings.Contains(s, "$(") || strings.Contains(s, "$$") {
		return strings.ReplaceAll(s, "$", "$$")
	}
	return s
}

func escapeAll(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = escape(s)
	}
	return out
}

// resources: cores as millicores, bytes in the largest binary unit that
// divides them exactly (512M in compose is 512 MiB, written 512Mi), and
// reserved NVIDIA GPUs as nvidia.com/gpu limits.
func (e *emitter) resources(s *translate.Service) corev1.ResourceRequirements {
	r := s.Resources
	var req corev1.ResourceRequirements
	set := func(l *corev1.ResourceList, name corev1.ResourceName, q resource.Quantity) {
		if *l == nil {
			*l = corev1.ResourceList{}
		}
		(*l)[name] = q
	}
	if r.CPULimit > 0 {
		set(&req.Limits, corev1.ResourceCPU, cpu(r.CPULimit))
	}
	switch {
	case r.CPUReserve > 0:
		set(&req.Requests, corev1.ResourceCPU, cpu(r.CPUReserve))
	case r.CPULimit > 0:
		// A compose limit reserves nothing; Kubernetes would default the
		// request to the limit, and pods waiting in their init phase for
		// a Job would hold that CPU while the Job's pod finds none (seen
		// on a 2-core node: extends-include never started). CPU is
		// shared by weight, so a zero request still runs.
		set(&req.Requests, corev1.ResourceCPU, *resource.NewMilliQuantity(0, resource.DecimalSI))
	}
	if r.MemLimit > 0 {
		set(&req.Limits, corev1.ResourceMemory, *resource.NewQuantity(r.MemLimit, resource.BinarySI))
	}
	if r.MemReserve > 0 {
		set(&req.Requests, corev1.ResourceMemory, *resource.NewQuantity(r.MemReserve, resource.BinarySI))
	}
	if n := e.gpus(s); n > 0 {
		set(&req.Limits, "nvidia.com/gpu", *resource.NewQuantity(n, resource.DecimalSI))
	}
	if r.PidsLimit > 0 {
		e.warn(CodeUnsupported, sub(s.Src, "pids_limit"), "pids_limit has no per-pod field in Kubernetes (the kubelet sets it per node)")
	}
	return req
}

func cpu(cores float64) resource.Quantity {
	return *resource.NewMilliQuantity(int64(math.Ceil(cores*1000-1e-9)), resource.DecimalSI)
}

// gpus counts the NVIDIA GPUs reserved. "all" has no Kubernetes form: it
// becomes one GPU with a warning.
func (e *emitter) gpus(s *translate.Service) int64 {
	var n int64
	for _, g := range s.Resources.GPUs {
		switch {
		case g.Driver != "" && g.Driver != "nvidia":
			e.warn(CodeGPU, g.Src, "GPU driver %q has no known Kubernetes resource; only nvidia.com/gpu is written", g.Driver)
		case len(g.DeviceIDs) > 0:
			e.warn(CodeGPU, g.Src, "device_ids cannot pick GPUs in Kubernetes; %d GPU(s) are requested instead", len(g.DeviceIDs))
			n += int64(len(g.DeviceIDs))
		case g.Count < 0:
			e.warn(CodeGPU, g.Src, "count: all has no Kubernetes form; one GPU is requested")
			n++
		default:
			n += g.Count
		}
	}
	return n
}

// imageUser warns when compose runs as root an image built to run as
// another user (known from transship.lock): files it owns, and restricted
// sites, expect that user.
func (e *emitter) imageUser(s *translate.Service) {
	info := e.g.ImageInfo(s.Image)
	if info == nil || info.User == "" {
		return
	}
	u, _, _ := strings.Cut(s.User, ":")
	iu, _, _ := strings.Cut(info.User, ":")
	if (u == "0" || u == "root") && iu != "0" && iu != "root" {
		e.warn(CodeImageUser, sub(s.Src, "user"), "user %s overrides the image's non-root USER %s: the pod runs as root, which restricted sites refuse", s.User, info.User)
	}
}

// security maps user, privileges, capabilities and the read-only root.
func (e *emitter) security(s *translate.Service) *corev1.SecurityContext {
	sc := &corev1.SecurityContext{}
	if s.User != "" {
		user, group, _ := strings.Cut(s.User, ":")
		if user == "root" {
			user = "0" // the one name every image agrees on
		}
		if group == "root" {
			group = "0"
		}
		uid, err := strconv.ParseInt(user, 10, 64)
		if err == nil {
			sc.RunAsUser = &uid
		}
		gid, gerr := strconv.ParseInt(group, 10, 64)
		if group != "" && gerr == nil {
			sc.RunAsGroup = &gid
		}
		if err != nil || (group != "" && gerr != nil) {
			e.warn(CodeUser, sub(s.Src, "user"), "user %q is a name; Kubernetes needs numeric ids, so the image's user runs (write the uid, e.g. user: \"1000:1000\")", s.User)
		}
	}
	e.imageUser(s)
	if s.Security.Privileged {
		sc.Privileged = boolp(true)
	}
	if s.Security.ReadOnly {
		sc.ReadOnlyRootFilesystem = boolp(true)
	}
	if len(s.Security.CapAdd) > 0 || len(s.Security.CapDrop) > 0 {
		sc.Capabilities = &corev1.Capabilities{Add: caps(s.Security.CapAdd), Drop: caps(s.Security.CapDrop)}
	}
	e.securityOpts(s, sc)
	if *sc == (corev1.SecurityContext{}) {
		return nil
	}
	return sc
}

func caps(l []string) []corev1.Capability {
	var out []corev1.Capability
	for _, c := range l {
		out = append(out, corev1.Capability(strings.TrimPrefix(strings.ToUpper(c), "CAP_")))
	}
	return out
}

// securityOpts maps the security_opt entries that have a field.
func (e *emitter) securityOpts(s *translate.Service, sc *corev1.SecurityContext) {
	for _, o := range s.Security.SecurityOpt {
		k, v, _ := strings.Cut(strings.Replace(o, "=", ":", 1), ":")
		switch {
		case k == "no-new-privileges" && (v == "" || v == "true"):
			sc.AllowPrivilegeEscalation = boolp(false)
		case k == "seccomp" && v == "unconfined":
			sc.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
		case k == "apparmor" && v == "unconfined":
			sc.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		default:
			e.warn(CodeSecurity, sub(s.Src, "security_opt"), "security_opt %q has no Kubernetes field; it is not carried over", o)
		}
	}
}

// podSecurity: group_add as supplemental groups, fsGroup from
// x-transship, and the sysctls Kubernetes allows without node settings.
func (e *emitter) podSecurity(s *translate.Service) *corev1.PodSecurityContext {
	ps := &corev1.PodSecurityContext{FSGroup: s.Ext.FSGroup}
	for _, g := range s.GroupAdd {
		if n, err := strconv.ParseInt(g, 10, 64); err == nil {
			ps.SupplementalGroups = append(ps.SupplementalGroups, n)
		} else {
			e.warn(CodeUser, sub(s.Src, "group_add"), "group %q is a name; Kubernetes needs numeric group ids, so it is not added", g)
		}
	}
	for _, kv := range s.Sysctls {
		if !safeSysctl(kv.Key) {
			e.warn(CodeSysctl, sub(s.Src, "sysctls"), "sysctl %s is not in Kubernetes' safe set; a node must allow it (kubelet --allowed-unsafe-sysctls), so it is left out", kv.Key)
			continue
		}
		ps.Sysctls = append(ps.Sysctls, corev1.Sysctl{Name: kv.Key, Value: kv.Value})
	}
	if ps.FSGroup == nil && len(ps.SupplementalGroups) == 0 && len(ps.Sysctls) == 0 {
		return nil
	}
	return ps
}

// safeSysctl is Kubernetes' namespaced safe set (kubelet's default
// allow list as of 1.37).
func safeSysctl(name string) bool {
	switch name {
	case "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
		"net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem":
		return true
	}
	return false
}

// restrict meets the restricted Pod Security Standard, which sites such
// as EGI's Rancher enforce: non-root, no privilege escalation, no
// capabilities, the runtime's seccomp profile.
func restrict(spec *corev1.PodSpec) {
	if spec.SecurityContext == nil {
		spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	spec.SecurityContext.RunAsNonRoot = boolp(true)
	spec.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	for _, l := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range l {
			c := &l[i]
			if c.SecurityContext == nil {
				c.SecurityContext = &corev1.SecurityContext{}
			}
			if c.SecurityContext.Privileged == nil { // the API refuses both at once
				c.SecurityContext.AllowPrivilegeEscalation = boolp(false)
			}
			if i < len(spec.InitContainers) && c == &spec.InitContainers[i] {
				// The wait images run as root by default; the kubelet
				// refuses that under runAsNonRoot, and they need no root.
				c.SecurityContext.RunAsUser = int64p(65534)
			}
			if c.SecurityContext.Capabilities == nil {
				c.SecurityContext.Capabilities = &corev1.Capabilities{}
			}
			c.SecurityContext.Capabilities.Drop = []corev1.Capability{"ALL"}
		}
	}
}

// hostname must be a DNS label in Kubernetes.
func (e *emitter) hostname(s *translate.Service) string {
	if s.Hostname == "" {
		return ""
	}
	if h := dnsName(s.Hostname, 63); h == s.Hostname {
		return h
	}
	e.warn(CodeHostname, sub(s.Src, "hostname"), "hostname %q is not a DNS label; the pod keeps its generated name", s.Hostname)
	return ""
}

// hostAliases groups extra_hosts by address, as /etc/hosts lines.
func (e *emitter) hostAliases(s *translate.Service) []corev1.HostAlias {
	byIP := map[string][]string{}
	for _, h := range s.ExtraHosts {
		if h.IP == "host-gateway" || !isIP(h.IP) {
			e.warn(CodeExtraHost, sub(s.Src, "extra_hosts"), "extra_hosts %s:%s: %q is not an address in a pod; the entry is left out", h.Host, h.IP, h.IP)
			continue
		}
		byIP[h.IP] = append(byIP[h.IP], h.Host)
	}
	var out []corev1.HostAlias
	for _, ip := range sortedKeys(byIP) {
		out = append(out, corev1.HostAlias{IP: ip, Hostnames: byIP[ip]})
	}
	return out
}

func dnsConfig(s *translate.Service) *corev1.PodDNSConfig {
	if len(nonEmpty(s.DNS)) == 0 && len(nonEmpty(s.DNSSearch)) == 0 && len(s.DNSOptions) == 0 {
		return nil
	}
	c := &corev1.PodDNSConfig{Nameservers: nonEmpty(s.DNS), Searches: nonEmpty(s.DNSSearch)}
	for _, o := range s.DNSOptions {
		name, val, ok := strings.Cut(o, ":")
		opt := corev1.PodDNSConfigOption{Name: name}
		if ok {
			opt.Value = &val
		}
		c.Options = append(c.Options, opt)
	}
	return c
}

// netMode: host networking is a pod field; sharing another service's or
// container's network namespace has no Kubernetes form across pods.
func (e *emitter) netMode(s *translate.Service) {
	if s.NetMode != "" && s.NetMode != "host" && s.NetMode != "bridge" && s.NetMode != "default" && !strings.HasPrefix(s.NetMode, "service:") {
		e.warn(CodeNetworkMode, sub(s.Src, "network_mode"), "network_mode %q has no Kubernetes form; the pod gets its own network and reaches others through their Services", s.NetMode)
	}
}

// nonEmpty drops empty entries (`dns_search: [""]` means none).
func nonEmpty(l []string) []string {
	var out []string
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func platformSelector(p string) map[string]string {
	osName, arch, ok := strings.Cut(p, "/")
	if p == "" {
		return nil
	}
	sel := map[string]string{"kubernetes.io/os": osName}
	if ok {
		arch, _, _ = strings.Cut(arch, "/")
		sel["kubernetes.io/arch"] = arch
	}
	return sel
}

func seconds(d translate.Duration) int64 {
	return int64(math.Ceil(float64(d) / 1e9))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
