package kubernetes

import (
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// The workload kinds.
const (
	kindDeployment  = "Deployment"
	kindStatefulSet = "StatefulSet"
	kindDaemonSet   = "DaemonSet"
	kindJob         = "Job"
)

// svcInfo is what the emitter decided about one compose service before
// rendering it.
type svcInfo struct {
	s    *translate.Service
	name string // Kubernetes name of its workload and Service
	kind string
	// ports are the Service ports (see service.go); service is the name
	// peers resolve, "" when the service gets no Service, and
	// serviceType its type ("Headless" for clusterIP: None).
	ports       []port
	service     string
	serviceType corev1.ServiceType
	// nodePort is the node port kompose.service.nodeport.port asks for,
	// when the site's range holds it (kompose.go), else 0.
	nodePort int32
	// aliases are the network aliases that get a Service too; waits are
	// the dependencies its pods wait for, in depends_on order (wait.go).
	aliases []string
	waits   []wait
	// From kompose labels (kompose.go): the autoscaler, and the probes
	// that replace the healthcheck's (nil: keep them).
	hpa                 *hpaPlan
	readiness, liveness *translate.ProbeSpec
	// A pod shared by several services (group.go): a member's pod is its
	// primary's; a primary lists its members, and own keeps the ports of
	// its own container (ports then also holds the members').
	pod     *svcInfo
	members []*svcInfo
	own     []port
	// envSecret is the Secret of its x-transship.secret_env variables.
	envSecret string
	// published are the ports of its Service pubService, of type pubType,
	// for the ports compose opens on the host (published.go).
	published  []pubPort
	pubService string
	pubType    corev1.ServiceType
}

func sub(src diag.Src, key string) diag.Src {
	return diag.Src{Pos: src.Pos, Path: src.Path + "." + key}
}

// workloadKind: x-transship (or kompose.controller.type) decides; else
// deploy.mode global runs on every node, and a service awaited with
// service_completed_successfully runs to completion. Otherwise what the
// service does decides, not restart: alone: one that serves (ports or a
// healthcheck) is long-running, even with restart "no" or "on-failure";
// one that does none of these and
// asks not to be restarted is a task (a Job). Replicas that cannot share
// their own volume get one each (a StatefulSet); the rest is a
// Deployment. Where the guess may be wrong, a warning says so.
func (p *planner) workloadKind(si *svcInfo, completion bool) string {
	s := si.s
	if s.Ext.CronJob != nil {
		return p.cronKind(si)
	}
	switch s.Ext.Workload {
	case "deployment":
		return kindDeployment
	case "statefulset":
		return kindStatefulSet
	case "daemonset":
		return kindDaemonSet
	case "job":
		return kindJob
	}
	once := s.Restart.Policy == "no" || s.Restart.Policy == "on-failure"
	health := s.Health != nil && !s.Health.Disabled
	// What compose declares; an image's EXPOSE alone (from the lock) does
	// not make a service that asks not to be restarted a server.
	serves := len(s.Ports) > 0 || len(s.Expose) > 0 || health
	switch {
	case s.Global:
		return kindDaemonSet
	case completion:
		if serves {
			p.warn(CodeWorkloadKind, s.Src, "service %s is awaited with service_completed_successfully, so it runs as a Job, but it also serves (%s); its Service routes to it only while the Job runs", s.Name, servingWhy(s))
		}
		return kindJob
	case once && !serves:
		return kindJob
	case once:
		p.warn(CodeRestart, sub(s.Src, "restart"), "service %s has restart: %s but serves (%s), so it runs as a long-running workload, which Kubernetes restarts whenever it exits; set x-transship.workload: job for a one-off task", s.Name, s.Restart.Policy, servingWhy(s))
	case s.Restart.Policy == "" && len(si.ports) == 0 && !health:
		p.warn(CodeWorkloadKind, s.Src, "service %s has no ports, healthcheck or restart policy, so nothing shows whether it runs forever; it becomes a Deployment, which Kubernetes restarts whenever it exits (compose would not); for a one-off task set restart: \"no\" (a Job)", s.Name)
	}
	if replicas(s) > 1 && !p.sharedStorage() && p.ownsVolume(s) {
		return kindStatefulSet
	}
	return kindDeployment
}

// servingWhy names what makes a service look long-running, for warnings.
func servingWhy(s *translate.Service) string {
	var why []string
	if len(s.Ports) > 0 || len(s.Expose) > 0 {
		why = append(why, "ports")
	}
	if s.Health != nil && !s.Health.Disabled {
		why = append(why, "a healthcheck")
	}
	return strings.Join(why, " and ")
}

func replicas(s *translate.Service) int {
	if s.Replicas == nil {
		return 1
	}
	return *s.Replicas
}

// ownsVolume: the service mounts a project volume no other service uses.
func (p *plan) ownsVolume(s *translate.Service) bool {
	for _, v := range p.g.Volumes {
		if !v.External && len(v.Users) == 1 && v.Users[0] == s.Name {
			return true
		}
	}
	return false
}

// service renders one compose service: its workload, Service, Ingress.
func (e *emitter) service(s *translate.Service) {
	si := e.svc[s.Name]
	if si.pod != nil { // its container is in another service's pod
		e.serviceObjects(si)
		e.ingress(si)
		return
	}
	pod, claims := e.podTemplate(si)
	m := e.meta(si.name, si.name)
	m.Annotations = e.annotations(s)
	sel := &metav1.LabelSelector{MatchLabels: e.selector(si.name)}
	switch si.kind {
	case kindDaemonSet:
		e.add(si.kind, si.name, &appsv1.DaemonSet{TypeMeta: typeMeta("apps/v1", si.kind), ObjectMeta: m,
			Spec: appsv1.DaemonSetSpec{Selector: sel, Template: pod, UpdateStrategy: daemonUpdate(s)}})
	case kindStatefulSet:
		e.add(si.kind, si.name, &appsv1.StatefulSet{TypeMeta: typeMeta("apps/v1", si.kind), ObjectMeta: m,
			Spec: appsv1.StatefulSetSpec{Replicas: workloadReplicas(si), Selector: sel, Template: pod, ServiceName: si.name,
				VolumeClaimTemplates: claims, PodManagementPolicy: appsv1.ParallelPodManagement,
				PersistentVolumeClaimRetentionPolicy: claimRetention(claims)}})
	case kindJob:
		e.add(si.kind, si.name, &batchv1.Job{TypeMeta: typeMeta("batch/v1", si.kind), ObjectMeta: m, Spec: e.jobSpec(si, pod)})
	case kindCronJob:
		e.cronJob(si, m, pod)
	default:
		e.add(si.kind, si.name, &appsv1.Deployment{TypeMeta: typeMeta("apps/v1", si.kind), ObjectMeta: m,
			Spec: appsv1.DeploymentSpec{Replicas: workloadReplicas(si), Selector: sel, Template: pod, Strategy: e.strategy(si)}})
	}
	e.serviceObjects(si)
	e.ingress(si)
	e.autoscaler(si)
}

// claimRetention says what becomes of a StatefulSet's claims: they stay
// when it is deleted or scaled down, as a volume's data outlives its
// containers under compose (Kubernetes' default, written out so that the
// chart's persistence.<claim>.keep has a field to set: the policy can
// change, the claim templates cannot).
func claimRetention(claims []corev1.PersistentVolumeClaim) *appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy {
	if len(claims) == 0 {
		return nil
	}
	return &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
		WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
	}
}

// jobSpec: restart "no" runs once; "on-failure" retries up to its
// max_attempts (Kubernetes' default of 6 when compose sets none, where
// compose would retry forever). Replicas run in parallel.
func (e *emitter) jobSpec(si *svcInfo, pod corev1.PodTemplateSpec) batchv1.JobSpec {
	s := si.s
	spec := batchv1.JobSpec{Template: pod, BackoffLimit: int32p(0)}
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	if s.Restart.Policy == "on-failure" || s.Restart.Policy == "always" || s.Restart.Policy == "unless-stopped" {
		pod.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		spec.BackoffLimit = int32p(6)
		if s.Restart.MaxAttempts > 0 {
			spec.BackoffLimit = int32p(s.Restart.MaxAttempts)
		}
		if s.Restart.Policy != "on-failure" && si.kind != kindCronJob { // cronKind says what a CronJob does
			e.warn(CodeRestart, sub(s.Src, "restart"), "service %s runs as a Job, which retries a failed run at most %d times instead of restarting it always", s.Name, *spec.BackoffLimit)
		}
	}
	spec.Template = pod
	if n := replicas(s); n != 1 {
		spec.Parallelism, spec.Completions = int32p(n), int32p(n)
	}
	return spec
}

// strategy: a pod holding a ReadWriteOnce claim must stop before its
// successor starts (Recreate), else the rollout hangs on the volume.
// Otherwise update_config maps to the rolling update's surge and
// unavailability: start-first surges, stop-first does not.
func (e *emitter) strategy(si *svcInfo) appsv1.DeploymentStrategy {
	if slices.ContainsFunc(append([]*svcInfo{si}, si.members...), func(m *svcInfo) bool { return e.holdsRWO(m.s) }) {
		return appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	}
	u := si.s.Update
	if u == nil {
		return appsv1.DeploymentStrategy{}
	}
	n := intstr.FromInt32(1)
	if u.Parallelism != nil && *u.Parallelism > 0 {
		n = intstr.FromInt32(int32(min(*u.Parallelism, 1<<30)))
	}
	zero := intstr.FromInt32(0)
	ru := &appsv1.RollingUpdateDeployment{MaxSurge: &n, MaxUnavailable: &zero}
	if u.Order != "start-first" {
		ru = &appsv1.RollingUpdateDeployment{MaxSurge: &zero, MaxUnavailable: &n}
	}
	return appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: ru}
}

func daemonUpdate(s *translate.Service) appsv1.DaemonSetUpdateStrategy {
	if s.Update == nil || s.Update.Parallelism == nil || *s.Update.Parallelism == 0 {
		return appsv1.DaemonSetUpdateStrategy{}
	}
	n := intstr.FromInt32(int32(min(*s.Update.Parallelism, 1<<30)))
	return appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &n}}
}

// annotations carry the compose labels that are not kompose's (those
// were read by translate): Kubernetes label values are too restricted
// for arbitrary compose label values, annotations are not.
func (e *emitter) annotations(s *translate.Service) map[string]string {
	var out map[string]string
	for _, l := range s.Labels {
		if strings.HasPrefix(l.Key, "kompose.") {
			continue
		}
		if !qualifiedName(l.Key) {
			e.warn(CodeLabel, labelSrc(s, l.Key), "label %q is not a valid Kubernetes annotation key; it is not carried over", l.Key)
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[l.Key] = l.Value
	}
	return out
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func int32p(n int) *int32 {
	v := int32(min(max(n, 0), 1<<30))
	return &v
}

func int64p(n int64) *int64 { return &n }

func boolp(b bool) *bool { return &b }
