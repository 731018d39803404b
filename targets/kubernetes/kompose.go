package kubernetes

import (
	"fmt"
	"strconv"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// What the kompose labels without an x-transship counterpart become
// (translate/kompose_labels.go reads them; README.md has the table):
//
//   - kompose.cronjob.*: a CronJob whose jobs run the pod as a Job would;
//     concurrencyPolicy Forbid unless the label says otherwise, as kompose.
//   - kompose.hpa.*: an autoscaling/v2 HorizontalPodAutoscaler on the
//     Deployment or StatefulSet, with only the metrics the labels give
//     (kompose adds a memory metric nobody asked for); CPU 50% when none is
//     given, kompose's default. The workload then leaves replicas to it.
//   - kompose.service.healthcheck.readiness/liveness.*: the probe, in
//     place of the one made from the healthcheck.
//   - kompose.init.containers.*: an init container after the waits.
//   - kompose.ephemeral-storage.*, kompose.controller.port.expose
//     (hostPort), kompose.volume.subpath, kompose.volume.selector.

// hpaLabels are the labels that ask for an autoscaler, for positions.
var hpaLabels = []string{"kompose.hpa.cpu", "kompose.hpa.memory", "kompose.hpa.replicas.min", "kompose.hpa.replicas.max"}

// labelSrc is where the first of the label keys that s sets is written
// (a kompose label's by its canonical key); else its labels.
func labelSrc(s *translate.Service, keys ...string) diag.Src {
	for _, k := range keys {
		if src, ok := s.LabelSrc[k]; ok {
			return src
		}
	}
	return sub(s.Src, "labels")
}

// kindCronJob is a scheduled service.
const kindCronJob = "CronJob"

// Autoscaler defaults, kompose's.
const (
	defaultHPAMax = 3
	defaultHPACPU = 50
)

// hpaPlan is a decided autoscaler.
type hpaPlan struct {
	min, max int
	metrics  []autoscalingv2.MetricSpec
}

// kubeName is the service's Kubernetes name: kompose.service.name_override,
// else its compose name made a DNS label.
func kubeName(s *translate.Service) string {
	if s.Ext.NameOverride != "" {
		return s.Ext.NameOverride
	}
	return dnsName(s.Name, maxName)
}

// renameWhy says why a service's Kubernetes name is not its compose name.
func renameWhy(s *translate.Service) string {
	if s.Ext.NameOverride != "" {
		return "kompose.service.name_override"
	}
	long := fmt.Sprintf("names here are at most %d characters, leaving room for the suffixes Kubernetes adds", maxName)
	switch {
	case dnsName(s.Name, len(s.Name)+8) == s.Name: // only cut for length
		return long
	case len(dnsName(s.Name, len(s.Name)+8)) > maxName:
		return "DNS names allow only a-z, 0-9 and '-', and " + long
	}
	return "DNS names allow only a-z, 0-9 and '-'"
}

// cronKind: a schedule makes a CronJob, whatever else would decide.
func (p *planner) cronKind(si *svcInfo) string {
	s := si.s
	if s.Ext.Workload != "" && s.Ext.Workload != "job" {
		p.warn(CodeKompose, labelSrc(s, "kompose.controller.type", "kompose.cronjob.schedule"), "service %s has a kompose.cronjob.schedule and asks to be a %s; it runs as a CronJob", s.Name, s.Ext.Workload)
	}
	if s.Restart.Policy == "always" || s.Restart.Policy == "unless-stopped" {
		p.warn(CodeKompose, sub(s.Src, "restart"), "service %s runs on a schedule (a CronJob); each run ends when its container exits, restart: %s notwithstanding", s.Name, s.Restart.Policy)
	}
	return kindCronJob
}

// planKompose settles the label decisions that depend on the workload
// kind and the ports, once both are known.
func (p *planner) planKompose(si *svcInfo) {
	s := si.s
	if si.pod != nil && (s.Ext.Autoscale != nil || s.Ext.CronJob != nil || s.Ext.Workload != "") {
		p.warn(CodeGroup, sub(s.Src, "labels"), "service %s runs in the pod of %s, whose workload settings apply; its own workload kind, schedule and autoscaler are not used", s.Name, si.pod.s.Name)
	} else if a := s.Ext.Autoscale; a != nil {
		si.hpa = p.planHPA(si, a)
	}
	si.readiness = p.planProbe(si, s.Ext.Readiness, "readiness")
	si.liveness = p.planProbe(si, s.Ext.Liveness, "liveness")
	if s.Ext.NodePort > 0 && si.serviceType != corev1.ServiceTypeNodePort && si.serviceType != corev1.ServiceTypeLoadBalancer {
		p.warn(CodeKompose, labelSrc(s, "kompose.service.nodeport.port"), "service %s asks for node port %d but its Service is not of type NodePort (set kompose.service.type: nodeport); the node port is not used", s.Name, s.Ext.NodePort)
	}
	si.nodePort = p.askedNodePort(s)
	if n := s.Ext.NodePort; n > 0 && si.nodePort == 0 {
		p.warn(CodeKompose, labelSrc(s, "kompose.service.nodeport.port"), "service %s asks for node port %d, outside the site's node port range %s; the cluster picks the node port", s.Name, n, p.o.Site.NodePortRange)
	}
	if s.Ext.NodePort > 0 && len(si.ports) > 1 {
		p.warn(CodeKompose, labelSrc(s, "kompose.service.nodeport.port"), "service %s has %d ports; node port %d goes to the first, %s", s.Name, len(si.ports), s.Ext.NodePort, si.ports[0].name)
	}
	if s.Ext.HostPorts {
		p.warn(CodeKompose, labelSrc(s, "kompose.controller.port.expose"), "service %s opens its published ports on the node it runs on (hostPort): two of its pods cannot share a node, and the port is open outside any NetworkPolicy", s.Name)
	}
}

func (p *planner) planHPA(si *svcInfo, a *translate.Autoscale) *hpaPlan {
	s := si.s
	if si.kind != kindDeployment && si.kind != kindStatefulSet {
		p.warn(CodeKompose, labelSrc(s, hpaLabels...), "service %s runs as a %s, which cannot be autoscaled; the kompose.hpa labels are ignored", s.Name, si.kind)
		return nil
	}
	h := &hpaPlan{min: a.Min, max: a.Max}
	if h.min == 0 {
		h.min = max(replicas(s), 1)
		if replicas(s) == 0 {
			p.warn(CodeKompose, sub(s.Src, "deploy.replicas"), "service %s has deploy.replicas: 0, but an autoscaler keeps at least one replica running (minReplicas 1); drop the kompose.hpa labels to run none", s.Name)
		}
	}
	if h.max == 0 {
		h.max = max(h.min, defaultHPAMax)
	}
	if h.min > h.max {
		p.warn(CodeKompose, labelSrc(s, "kompose.hpa.replicas.max"), "service %s: kompose.hpa.replicas.max %d is less than its %d replicas; the autoscaler keeps %d", s.Name, h.max, h.min, h.max)
		h.min = h.max
	}
	utilisation := func(name corev1.ResourceName, pct int) autoscalingv2.MetricSpec {
		v := int32(pct)
		target := autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &v}
		if len(si.members) > 0 {
			// A pod's utilisation is over all its containers and needs a
			// request in each: the members' containers may set none, so
			// the service's own container alone is measured.
			return autoscalingv2.MetricSpec{Type: autoscalingv2.ContainerResourceMetricSourceType,
				ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: name, Container: si.name, Target: target}}
		}
		return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: name, Target: target}}
	}
	cpuPct := a.CPU
	if cpuPct == 0 && a.Memory == 0 && a.MemoryValue == "" {
		cpuPct = defaultHPACPU
	}
	if cpuPct > 0 {
		h.metrics = append(h.metrics, utilisation(corev1.ResourceCPU, cpuPct))
		if s.Resources.CPUReserve == 0 {
			p.warn(CodeKompose, labelSrc(s, append([]string{"kompose.hpa.cpu"}, hpaLabels...)...), "service %s is autoscaled on CPU use relative to its request, but reserves no CPU (deploy.resources.reservations.cpus); the autoscaler cannot compute it", s.Name)
		}
	}
	if a.Memory > 0 {
		h.metrics = append(h.metrics, utilisation(corev1.ResourceMemory, a.Memory))
		if s.Resources.MemReserve == 0 {
			p.warn(CodeKompose, labelSrc(s, "kompose.hpa.memory"), "service %s is autoscaled on memory use relative to its request, but reserves no memory (deploy.resources.reservations.memory); the autoscaler cannot compute it", s.Name)
		}
	}
	if a.MemoryValue != "" {
		q, err := resource.ParseQuantity(a.MemoryValue)
		if err != nil {
			p.warn(CodeKompose, labelSrc(s, "kompose.hpa.memory"), "service %s: kompose.hpa.memory %q is not a Kubernetes quantity; no memory metric", s.Name, a.MemoryValue)
		} else {
			h.metrics = append(h.metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &q}}})
		}
	}
	return h
}

// planProbe resolves a label probe's port: an HTTP probe without one
// checks the first TCP port.
func (p *planner) planProbe(si *svcInfo, ps *translate.ProbeSpec, which string) *translate.ProbeSpec {
	if ps == nil {
		return nil
	}
	out := *ps
	if (out.HTTPPath != "" || out.HTTPPort != 0) && out.HTTPPort == 0 {
		tcp := firstTCP(si.ports)
		if tcp == nil {
			p.warn(CodeKompose, sub(si.s.Src, "labels"), "service %s has an HTTP %s probe but no port to send it to (set kompose.service.healthcheck.%s.http_get_port); the probe made from its healthcheck stays", si.s.Name, which, which)
			return nil
		}
		out.HTTPPort = int(tcp.target)
	}
	if out.HTTPPort != 0 && out.HTTPPath == "" {
		out.HTTPPath = "/"
	}
	if !out.Disabled && len(out.Test) == 0 && out.HTTPPort == 0 && out.TCPPort == 0 {
		if base := si.s.Health; base == nil || base.Disabled || len(base.Test) == 0 {
			p.warn(CodeKompose, sub(si.s.Src, "labels"), "service %s sets %s probe timings but no test, http_get_path or tcp_port, and has no healthcheck; no %s probe is made", si.s.Name, which, which)
			return nil
		}
	}
	return &out
}

// labelProbes puts the label probes in place of those from the
// healthcheck (probes.go): a label probe without a check of its own
// keeps the healthcheck's test and changes its timings.
func (e *emitter) labelProbes(si *svcInfo, c *corev1.Container) {
	c.ReadinessProbe = labelProbe(si.readiness, c.ReadinessProbe)
	c.LivenessProbe = labelProbe(si.liveness, c.LivenessProbe)
}

func labelProbe(ps *translate.ProbeSpec, base *corev1.Probe) *corev1.Probe {
	if ps == nil {
		return base
	}
	if ps.Disabled {
		return nil
	}
	pr := &corev1.Probe{PeriodSeconds: defaultInterval / 1e9, TimeoutSeconds: defaultTimeout / 1e9, FailureThreshold: defaultRetries}
	if base != nil {
		pr = base.DeepCopy()
	}
	switch {
	case len(ps.Test) > 0:
		pr.ProbeHandler = corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: ps.Test}}
	case ps.HTTPPort != 0:
		pr.ProbeHandler = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: ps.HTTPPath, Port: intstr.FromInt32(int32(ps.HTTPPort))}}
	case ps.TCPPort != 0:
		pr.ProbeHandler = corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(ps.TCPPort))}}
	}
	if ps.Interval != nil {
		pr.PeriodSeconds = int32(max(seconds(*ps.Interval), 1))
	}
	if ps.Timeout != nil {
		pr.TimeoutSeconds = int32(max(seconds(*ps.Timeout), 1))
	}
	if ps.Retries != nil {
		pr.FailureThreshold = int32(min(*ps.Retries, 1<<20))
	}
	if ps.StartPeriod != nil {
		pr.InitialDelaySeconds = int32(min(seconds(*ps.StartPeriod), 1<<30))
	}
	return pr
}

// cronJob renders a scheduled service: its jobs are what a Job of the
// service would be (workload.go), retried backoff_limit times.
func (e *emitter) cronJob(si *svcInfo, m metav1.ObjectMeta, pod corev1.PodTemplateSpec) {
	c := si.s.Ext.CronJob
	job := e.jobSpec(si, pod)
	if c.BackoffLimit != nil {
		job.BackoffLimit = int32p(*c.BackoffLimit)
	}
	policy := batchv1.ForbidConcurrent
	if c.ConcurrencyPolicy != "" {
		policy = batchv1.ConcurrencyPolicy(c.ConcurrencyPolicy)
	}
	e.add(kindCronJob, si.name, &batchv1.CronJob{TypeMeta: typeMeta("batch/v1", kindCronJob), ObjectMeta: m,
		Spec: batchv1.CronJobSpec{Schedule: c.Schedule, ConcurrencyPolicy: policy,
			JobTemplate: batchv1.JobTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pod.Labels}, Spec: job}}})
}

// autoscaler renders the HorizontalPodAutoscaler of a service.
func (e *emitter) autoscaler(si *svcInfo) {
	h := si.hpa
	if h == nil {
		return
	}
	e.add("HorizontalPodAutoscaler", si.name, &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta: typeMeta("autoscaling/v2", "HorizontalPodAutoscaler"), ObjectMeta: e.meta(si.name, si.name),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: si.kind, Name: si.name},
			MinReplicas:    int32p(h.min), MaxReplicas: int32(h.max), Metrics: h.metrics,
		}})
}

// workloadReplicas is what the workload's spec.replicas says: nothing
// when an autoscaler owns the count, else every apply would reset it.
func workloadReplicas(si *svcInfo) *int32 {
	if si.hpa != nil {
		return nil
	}
	return int32p(replicas(si.s))
}

// initContainer is kompose.init.containers.*, or nothing.
func (e *emitter) initContainer(si *svcInfo) []corev1.Container {
	ic := si.s.Ext.InitContainer
	if ic == nil {
		return nil
	}
	name := ic.Name
	if name == "" {
		name = joinName("init", si.name, 63)
	}
	return []corev1.Container{{Name: name, Image: ic.Image, Command: ic.Command}}
}

// ephemeral adds kompose.ephemeral-storage.* to the container's
// resources.
func (e *emitter) ephemeral(s *translate.Service, r *corev1.ResourceRequirements) {
	for _, x := range []struct {
		v    string
		list *corev1.ResourceList
	}{{s.Ext.EphemeralRequest, &r.Requests}, {s.Ext.EphemeralLimit, &r.Limits}} {
		if x.v == "" {
			continue
		}
		q, err := resource.ParseQuantity(x.v)
		if err != nil {
			e.warn(CodeKompose, sub(s.Src, "labels"), "ephemeral storage %q is not a Kubernetes quantity; it is left out", x.v)
			continue
		}
		if *x.list == nil {
			*x.list = corev1.ResourceList{}
		}
		(*x.list)[corev1.ResourceEphemeralStorage] = q
	}
}

// hostPorts opens the published ports on the node
// (kompose.controller.port.expose); a published range cannot be one.
func (e *emitter) hostPorts(si *svcInfo, cps []corev1.ContainerPort) {
	if !si.s.Ext.HostPorts {
		return
	}
	for i, p := range si.containerPortList() {
		if p.published == "" {
			continue
		}
		n, err := strconv.ParseUint(p.published, 10, 16)
		if err != nil || n == 0 {
			e.warn(CodeKompose, p.src, "published port %s is not one port; it cannot be a hostPort", p.published)
			continue
		}
		cps[i].HostPort = int32(n)
	}
}

// subPath gives every volume mount the kompose.volume.subpath that sets
// none of its own.
func subPath(s *translate.Service, m translate.Mount, vm *corev1.VolumeMount) {
	if m.Kind == translate.MountVolume && vm.SubPath == "" {
		vm.SubPath = s.Ext.VolumeSubPath
	}
}

// claimSelector is kompose.volume.selector: the claim binds only to
// PersistentVolumes carrying kompose's service label with that value.
func claimSelector(sel string) *metav1.LabelSelector {
	if sel == "" {
		return nil
	}
	return &metav1.LabelSelector{MatchLabels: map[string]string{"io.kompose.service": sel}}
}

// askedNodePort is the node port kompose.service.nodeport.port asks for,
// or 0 where the site's range does not hold it: the API server refuses a
// Service outside its --service-node-port-range, so that port is left to
// the cluster (with K8S150) rather than given and refused.
func (p *planner) askedNodePort(s *translate.Service) int32 {
	low, high := p.o.Site.NodePorts()
	if n := s.Ext.NodePort; n >= low && n <= high {
		return int32(n)
	}
	return 0
}
