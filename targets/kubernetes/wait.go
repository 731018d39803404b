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
//     Service answers. Kubernetes routes a Service only to ready pods, and
//     a healthcheck is the pod's readiness probe (probes.go), so a
//     dependency with a healthcheck is awaited until healthy, and one
//     without until it runs. With ports, `nc -z` connects to the first
//     one; without ports the Service is headless, and its name resolves
//     only once a pod is ready, so `nslookup` waits.
//   - service_completed_successfully: the dependency is a Job; `kubectl
//     wait --for=condition=complete` waits for it, with a ServiceAccount
//     allowed to read Jobs (waiterRBAC). A Job that failed never
//     completes, so the dependent stays in its init phase, where
//     `kubectl get pods` shows it, as compose would refuse to start it.
//
// A dependency that is not part of the output (required: false and not
// selected) is not awaited, as in compose.
func (e *emitter) waits(si *svcInfo, spec *corev1.PodSpec) []corev1.Container {
	var out []corev1.Container
	for _, d := range si.s.DependsOn {
		dep := e.svc[d.Service]
		if dep == nil {
			continue
		}
		var c *corev1.Container
		switch {
		case d.Condition == "service_completed_successfully" || dep.kind == kindJob:
			c = e.waitJob(si, dep, d, spec)
		default:
			c = e.waitService(dep, d)
		}
		if c != nil {
			out = append(out, *c)
		}
	}
	return out
}

func (e *emitter) waitService(dep *svcInfo, d translate.DepEdge) *corev1.Container {
	if d.Condition == "service_healthy" && (dep.s.Health == nil || dep.s.Health.Disabled) {
		e.warn(CodeWait, d.Src, "service %s has no healthcheck to wait for; its pod is awaited until it runs", d.Service)
	}
	check := "nslookup " + dep.service
	if len(dep.ports) > 0 && dep.ports[0].proto == corev1.ProtocolTCP {
		check = fmt.Sprintf("nc -z -w 2 %s %d", dep.service, dep.ports[0].target)
	}
	script := fmt.Sprintf("until %s >/dev/null 2>&1; do echo waiting for %s; sleep 2; done", check, d.Service)
	return &corev1.Container{Name: joinName("wait-for", dep.name, 63), Image: e.o.WaitImage, Command: []string{"sh", "-c", script}}
}

func (e *emitter) waitJob(si *svcInfo, dep *svcInfo, d translate.DepEdge, spec *corev1.PodSpec) *corev1.Container {
	if dep.kind != kindJob {
		e.warn(CodeWait, d.Src, "service %s runs as a %s, which never completes; it is not awaited", d.Service, dep.kind)
		return nil
	}
	if d.Condition != "service_completed_successfully" {
		e.warn(CodeWait, d.Src, "service %s runs as a Job; %s waits for it to complete, which is stricter than %s", d.Service, si.s.Name, d.Condition)
	}
	switch spec.ServiceAccountName {
	case "":
		spec.ServiceAccountName = e.waiterName()
		spec.AutomountServiceAccountToken = nil
	case e.waiterName():
	default:
		e.warn(CodeWait, d.Src, "service %s uses service account %s, which needs permission to get and watch jobs to wait for %s", si.s.Name, spec.ServiceAccountName, d.Service)
		spec.AutomountServiceAccountToken = nil
	}
	e.jobWaiter = true
	return &corev1.Container{Name: joinName("wait-for", dep.name, 63), Image: e.o.KubectlImage,
		Args: []string{"wait", "--for=condition=complete", "--timeout=-1s", "job/" + dep.name}}
}

func (e *emitter) waiterName() string { return joinName(e.g.Name, "wait", maxName) }

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
