package kubernetes

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/transship/transship/translate"
)

// depends_on becomes init containers, which Kubernetes runs one after
// the other before the app's container starts:
//
//   - service_started and service_healthy: wait until the dependency's
//     pod is ready. Kubernetes routes a Service only to ready pods, and a
//     healthcheck is the pod's readiness probe (probes.go), so a
//     dependency with a healthcheck is awaited until healthy, and one
//     without until it runs. With a TCP port, `nc -z` connects to it
//     through the Service. Otherwise the Service is headless (service.go),
//     and its name resolves only once a pod is ready, so the wait looks
//     the name up; fully qualified, from the namespace the downward API
//     gives, because busybox's nslookup does not apply the search domains
//     (../shared/notes/cluster.md: `nslookup web` fails where
//     web.NS.svc.cluster.local resolves).
//   - service_completed_successfully: the dependency is a Job. kubectl
//     waits until the Job has finished, either way (its last condition
//     turns true: Complete or Failed), then checks that it completed. A
//     failed Job makes that check fail, naming the Job, and the pod stops
//     in its init phase with an error that `kubectl get pods` shows,
//     instead of waiting in silence. The pods read Jobs with a
//     ServiceAccount allowed to (waiterRBAC).
//
// A dependency that is not part of the output (required: false and not
// selected) is not awaited, as in compose.
// wait is one dependency a service's pods wait for.
type wait struct {
	dep *svcInfo
	// job: wait for the Job to complete (kubectl); else for a pod of dep
	// to be ready.
	job bool
}

// planWaits decides what each depends_on entry of si waits for, warning
// where that is not what compose does.
func (p *planner) planWaits(si *svcInfo) {
	for _, d := range si.s.DependsOn {
		dep := p.svc[d.Service]
		if dep == nil {
			continue
		}
		if samePod(si, dep) && d.Implicit { // network_mode: nothing the user asked for
			continue
		}
		if samePod(si, dep) { // a container never waits for its own pod
			p.warn(CodeWait, d.Src, "services %s and %s share a pod, whose containers start together: %s does not wait for %s", si.s.Name, d.Service, si.s.Name, d.Service)
			continue
		}
		if dep.pod != nil && dep.service == "" {
			dep = dep.pod // reached through the pod it runs in
		}
		if dep.kind == kindCronJob {
			p.warn(CodeWait, d.Src, "service %s runs on a schedule (a CronJob), which has nothing to wait for; it is not awaited", d.Service)
			continue
		}
		if d.Condition == "service_completed_successfully" || dep.kind == kindJob {
			// A member's Job is its pod owner's: that is the one to await.
			if owner := dep.podOf(); p.planJobWait(si, dep, d) {
				si.waits = append(si.waits, wait{dep: owner, job: true})
			}
			continue
		}
		if d.Condition == "service_healthy" && (dep.s.Health == nil || dep.s.Health.Disabled) {
			p.warn(CodeWait, d.Src, "service %s has no healthcheck to wait for; its pod is awaited until it runs", d.Service)
		}
		if firstTCP(dep.ports) == nil && dep.serviceType != "Headless" {
			p.warn(CodeWait, d.Src, "service %s has no TCP port and its Service is not headless, so the wait shows only that the Service exists, not that %s is up", d.Service, d.Service)
		}
		si.waits = append(si.waits, wait{dep: dep})
	}
}

// planJobWait reports whether si can wait for dep to complete.
func (p *planner) planJobWait(si, dep *svcInfo, d translate.DepEdge) bool {
	if dep.kind != kindJob {
		p.warn(CodeWait, d.Src, "%s, which never completes; it is not awaited", runsIn(dep))
		return false
	}
	if d.Condition != "service_completed_successfully" {
		p.warn(CodeWait, d.Src, "%s; %s waits for it to complete, which is stricter than %s", runsIn(dep), si.s.Name, d.Condition)
	}
	p.warn(CodeJobFailure, d.Src, "if Job %s fails, the pods of %s stop in their init phase with an error naming it, and Kubernetes retries them; compose would not start %s at all", dep.podOf().name, si.s.Name, si.s.Name)
	if sa := si.s.Ext.ServiceAccount; sa != "" && sa != p.waiterName() {
		p.warn(CodeWait, d.Src, "service %s uses service account %s, which needs permission to get and watch jobs to wait for %s", si.s.Name, sa, d.Service)
	}
	p.jobWaiter = true
	return true
}

// runsIn says what workload runs dep's container, for warnings: a member
// of a shared pod runs in its owner's workload, under the owner's name.
func runsIn(dep *svcInfo) string {
	if dep.pod != nil {
		return fmt.Sprintf("service %s shares the pod of %s, which runs as %s %s", dep.s.Name, dep.pod.s.Name, dep.kind, dep.pod.name)
	}
	return fmt.Sprintf("service %s runs as a %s", dep.s.Name, dep.kind)
}

// waits renders si's waits as init containers. A pod that waits for a
// Job reads it with the waiter's ServiceAccount (or the service's own);
// only the kubectl containers get its token: the pod keeps
// automountServiceAccountToken false, which would give every container
// one, and mounts a projected token volume into those containers alone.
func (e *emitter) waits(si *svcInfo, spec *corev1.PodSpec) []corev1.Container {
	var out []corev1.Container
	for _, w := range si.waits {
		if !w.job {
			out = append(out, e.waitService(w.dep))
			continue
		}
		if spec.ServiceAccountName == "" {
			spec.ServiceAccountName = e.waiterName()
		}
		if !hasVolume(spec, apiAccessVolume) {
			spec.Volumes = append(spec.Volumes, apiAccess())
		}
		out = append(out, e.waitJob(w.dep)...)
	}
	return out
}

// apiAccessVolume holds what in-cluster kubectl reads: the token, the
// cluster's CA and the namespace, where Kubernetes would mount them.
const (
	apiAccessVolume = "wait-api-access"
	apiAccessPath   = "/var/run/secrets/kubernetes.io/serviceaccount"
)

// apiAccess is the volume Kubernetes itself projects for a token (its
// kube-api-access-* volume), spelled out with the API server's defaults
// (expirationSeconds 3607, defaultMode 0644) so that a second apply
// changes nothing.
func apiAccess() corev1.Volume {
	return corev1.Volume{Name: apiAccessVolume, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		DefaultMode: int32p(0o644),
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: int64p(3607)}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace",
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		}}}}
}

func hasVolume(spec *corev1.PodSpec, name string) bool {
	for _, v := range spec.Volumes {
		if v.Name == name {
			return true
		}
	}
	return false
}

// clusterDomain is the DNS domain of Services that the waits look names
// up in: the Kubernetes default, which EGI's clusters keep.
const clusterDomain = "cluster.local"

func (e *emitter) waitService(dep *svcInfo) corev1.Container {
	c := corev1.Container{Name: joinName("wait-for", dep.name, 63), Image: e.o.WaitImage}
	var check string
	if p := firstTCP(dep.ports); p != nil {
		check = fmt.Sprintf("nc -z -w 2 %s %d", dep.service, p.target)
	} else {
		check = fmt.Sprintf("nslookup %s.$(NAMESPACE).svc.%s", dep.service, clusterDomain)
		c.Env = []corev1.EnvVar{{Name: "NAMESPACE", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}
	}
	c.Command = []string{"sh", "-c", fmt.Sprintf("until %s >/dev/null 2>&1; do echo waiting for %s; sleep 2; done", check, dep.s.Name)}
	return c
}

func firstTCP(ps []port) *port {
	for i := range ps {
		if ps[i].proto == corev1.ProtocolTCP {
			return &ps[i]
		}
	}
	return nil
}

func (e *emitter) waitJob(dep *svcInfo) []corev1.Container {
	job := "job/" + dep.name
	// A Job's conditions are appended as it goes: SuccessCriteriaMet then
	// Complete, or FailureTarget then Failed. The last one being true
	// means it has finished (or is about to); the check after it allows
	// the final condition a minute to follow.
	token := []corev1.VolumeMount{{Name: apiAccessVolume, MountPath: apiAccessPath, ReadOnly: true}}
	return []corev1.Container{
		{Name: joinName("wait-for", dep.name, 63), Image: e.o.KubectlImage, VolumeMounts: token,
			Args: []string{"wait", "--for=jsonpath={.status.conditions[-1:].status}=True", "--timeout=-1s", job}},
		{Name: joinName("succeeded", dep.name, 63), Image: e.o.KubectlImage, VolumeMounts: token,
			Args: []string{"wait", "--for=condition=complete", "--timeout=60s", job}},
	}
}

func (p *plan) waiterName() string { return joinName(p.g.Name, "wait", maxName) }

// waiterRBAC lets the waiting pods read Jobs in their namespace, nothing
// more.
func (e *emitter) waiterRBAC() {
	if !e.jobWaiter {
		return
	}
	name := e.waiterName()
	e.add("ServiceAccount", name, &corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: e.meta(name, name)})
	e.add("Role", name, &rbacv1.Role{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "Role"), ObjectMeta: e.meta(name, name),
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list", "watch"}}}})
	e.add("RoleBinding", name, &rbacv1.RoleBinding{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"), ObjectMeta: e.meta(name, name),
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: e.ns}}})
}
