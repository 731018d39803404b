package kubernetes

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/transship/transship/translate"
)

// Compose's healthcheck defaults (docker's): checks every 30s, time out
// after 30s, unhealthy after 3 failures, no start period, and checks
// every 5s during the start period.
const (
	defaultInterval      = 30e9
	defaultTimeout       = 30e9
	defaultRetries       = 3
	defaultStartInterval = 5e9
)

// probes turns a healthcheck into a readiness probe (a pod receives
// traffic, and its dependents start, only once healthy: what
// service_healthy means) and a liveness probe with the same test (compose
// marks an unhealthy container; Kubernetes restarts it, the nearest
// action). A start_period becomes a startup probe that checks every
// start_interval and may fail for the whole start period before the
// other probes take over. CMD-SHELL runs through sh -c, as docker does.
// A disabled healthcheck (NONE) gives no probes: Kubernetes never runs
// the image's HEALTHCHECK anyway.
func (e *emitter) probes(s *translate.Service, c *corev1.Container) {
	h := s.Health
	if h == nil || h.Disabled || len(h.Test) == 0 {
		return
	}
	cmd := h.Test
	if h.Shell {
		cmd = []string{"sh", "-c", h.Test[0]}
	}
	interval, timeout, retries := durOr(h.Interval, defaultInterval), durOr(h.Timeout, defaultTimeout), uint64(defaultRetries)
	if h.Retries != nil && *h.Retries > 0 {
		retries = *h.Retries
	}
	probe := func() *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}},
			PeriodSeconds:    int32(max(seconds(interval), 1)),
			TimeoutSeconds:   int32(max(seconds(timeout), 1)),
			FailureThreshold: int32(min(retries, 1<<20)),
		}
	}
	c.ReadinessProbe, c.LivenessProbe = probe(), probe()
	if h.StartPeriod != nil && *h.StartPeriod > 0 {
		p := probe()
		every := durOr(h.StartInterval, defaultStartInterval)
		p.PeriodSeconds = int32(max(seconds(every), 1))
		p.FailureThreshold = int32(min(seconds(*h.StartPeriod)/int64(p.PeriodSeconds)+1, 1<<20))
		c.StartupProbe = p
	}
}

func durOr(d *translate.Duration, def translate.Duration) translate.Duration {
	if d == nil || *d <= 0 {
		return def
	}
	return *d
}
