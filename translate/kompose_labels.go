package translate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/lazy"
)

// The kompose labels that have no x-transship counterpart: a CronJob, an
// autoscaler, probes, an init container, ephemeral storage, host ports
// and a name override. Their meaning follows kompose 1.38's user guide;
// where kompose's behaviour is a known bug (an autoscaler given only a
// CPU target also gets a 70% memory metric) transship does what the
// label says instead. README.md has the table.

// CronJob runs the service on a schedule (kompose.cronjob.*).
type CronJob struct {
	Schedule          string `json:"schedule"`
	ConcurrencyPolicy string `json:"concurrency_policy,omitempty"` // Allow, Forbid, Replace; "" = Forbid, as kompose
	BackoffLimit      *int   `json:"backoff_limit,omitempty"`
}

// Autoscale is a HorizontalPodAutoscaler (kompose.hpa.*). Zero means unset.
type Autoscale struct {
	Min         int    `json:"min,omitempty"`
	Max         int    `json:"max,omitempty"`
	CPU         int    `json:"cpu_percent,omitempty"`
	Memory      int    `json:"memory_percent,omitempty"`
	MemoryValue string `json:"memory_value,omitempty"` // an average usage such as 512Mi
}

// ProbeSpec is a readiness or liveness probe given by labels
// (kompose.service.healthcheck.readiness.* / .liveness.*). It replaces
// the probe made from the healthcheck; unset timings keep the
// healthcheck's.
type ProbeSpec struct {
	Disabled    bool      `json:"disabled,omitempty"`
	Test        []string  `json:"test,omitempty"` // argv run in the container
	HTTPPath    string    `json:"http_get_path,omitempty"`
	HTTPPort    int       `json:"http_get_port,omitempty"` // 0: the service's first port
	TCPPort     int       `json:"tcp_port,omitempty"`
	Interval    *Duration `json:"interval,omitempty"`
	Timeout     *Duration `json:"timeout,omitempty"`
	Retries     *uint64   `json:"retries,omitempty"`
	StartPeriod *Duration `json:"start_period,omitempty"`
}

// InitContainer is kompose.init.containers.*: one container run to
// completion before the service's (after its dependency waits).
type InitContainer struct {
	Name    string   `json:"name,omitempty"`
	Image   string   `json:"image"`
	Command []string `json:"command,omitempty"`
}

// komposeAlias maps the spellings kompose's documentation uses besides
// the one its code reads to one key.
func komposeAlias(k string) string {
	switch k {
	case "kompose.volume.sub-path":
		return "kompose.volume.subpath"
	case "kompose.controller.expose.port":
		return "kompose.controller.port.expose"
	}
	return k
}

// komposeKey is the label, as written, that komposeAlias maps to k.
func komposeKey(labels map[string]string, k string) string {
	for l := range labels {
		if komposeAlias(l) == k && l != k {
			return l
		}
	}
	return k
}

const probePrefix = "kompose.service.healthcheck."

// komposeMore applies the labels above (see komposeValue).
func komposeMore(k, v string, ext *ServiceExt) string {
	if rest, ok := strings.CutPrefix(k, probePrefix); ok {
		which, field, _ := strings.Cut(rest, ".")
		switch which {
		case "readiness":
			return onSuccess(&ext.Readiness, func(p *ProbeSpec) string { return probeLabel(p, field, v) })
		case "liveness":
			return onSuccess(&ext.Liveness, func(p *ProbeSpec) string { return probeLabel(p, field, v) })
		}
		return notHonoured
	}
	switch k {
	case "kompose.cronjob.schedule", "kompose.cronjob.concurrency_policy", "kompose.cronjob.backoff_limit":
		return onSuccess(&ext.CronJob, func(c *CronJob) string { return cronLabel(c, k, v) })
	case "kompose.hpa.cpu", "kompose.hpa.memory", "kompose.hpa.replicas.min", "kompose.hpa.replicas.max":
		return onSuccess(&ext.Autoscale, func(a *Autoscale) string { return hpaLabel(a, k, v) })
	case "kompose.init.containers.name", "kompose.init.containers.image", "kompose.init.containers.command":
		return onSuccess(&ext.InitContainer, func(c *InitContainer) string { return initLabel(c, k, v) })
	case "kompose.volume.subpath":
		if strings.HasPrefix(v, "/") || strings.Contains("/"+v+"/", "/../") {
			return fmt.Sprintf("%q is not a relative path inside the volume", v)
		}
		ext.VolumeSubPath = v
	case "kompose.ephemeral-storage.request", "kompose.ephemeral-storage.limit":
		if !quantity().MatchString(v) {
			return fmt.Sprintf("%q is not a size such as 1Gi", v)
		}
		if strings.HasSuffix(k, "request") {
			ext.EphemeralRequest = v
		} else {
			ext.EphemeralLimit = v
		}
	case "kompose.controller.port.expose":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Sprintf("%q is not true or false", v)
		}
		ext.HostPorts = b
	case "kompose.service.group":
		if v == "" {
			return "an empty group name"
		}
		ext.Group = v
	case "kompose.service.name_override":
		if !dnsLabel().MatchString(v) {
			return fmt.Sprintf("%q is not a DNS label (a-z, 0-9 and '-', at most 63)", v)
		}
		ext.NameOverride = v
	default:
		return notHonoured
	}
	return ""
}

// onSuccess applies one label to a copy of *dst and keeps it only when
// the value was good, so that a bad label leaves no trace for
// komposeCheck to complain about again.
func onSuccess[T any](dst **T, apply func(*T) string) string {
	var v T
	if *dst != nil {
		v = **dst
	}
	problem := apply(&v)
	if problem == "" {
		*dst = &v
	}
	return problem
}

var (
	dnsLabel   = lazy.Regexp(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	labelValue = lazy.Regexp(`^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$`)
	// cronField is one field of a five-field schedule; the API server
	// checks the rest.
	cronField = lazy.Regexp(`^[0-9A-Za-z*/,?LW#-]+$`)
)

func cronLabel(c *CronJob, k, v string) string {
	switch k {
	case "kompose.cronjob.schedule":
		fields := strings.Fields(v)
		if !strings.HasPrefix(v, "@") && len(fields) != 5 {
			return fmt.Sprintf("%q is not a cron schedule (five fields, or @hourly and the like)", v)
		}
		for _, f := range fields {
			if !strings.HasPrefix(v, "@") && !cronField().MatchString(f) {
				return fmt.Sprintf("%q is not a cron schedule field", f)
			}
		}
		c.Schedule = strings.Join(fields, " ")
	case "kompose.cronjob.concurrency_policy":
		m := map[string]string{"allow": "Allow", "forbid": "Forbid", "replace": "Replace"}[strings.ToLower(v)]
		if m == "" {
			return fmt.Sprintf("%q is not one of allow, forbid, replace", v)
		}
		c.ConcurrencyPolicy = m
	case "kompose.cronjob.backoff_limit":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Sprintf("%q is not a number of retries", v)
		}
		c.BackoffLimit = &n
	}
	return ""
}

func hpaLabel(a *Autoscale, k, v string) string {
	switch k {
	case "kompose.hpa.cpu", "kompose.hpa.memory":
		if n, err := strconv.Atoi(strings.TrimSuffix(v, "%")); err == nil {
			if n < 1 || n > 1000 {
				return fmt.Sprintf("%q is not a utilisation percentage", v)
			}
			if k == "kompose.hpa.cpu" {
				a.CPU = n
			} else {
				a.Memory = n
			}
			return ""
		}
		if k == "kompose.hpa.memory" && quantity().MatchString(v) {
			a.MemoryValue = v
			return ""
		}
		return fmt.Sprintf("%q is not a percentage such as 80%%", v)
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Sprintf("%q is not a number of replicas", v)
		}
		if strings.HasSuffix(k, "min") {
			a.Min = n
		} else {
			a.Max = n
		}
	}
	return ""
}

func initLabel(c *InitContainer, k, v string) string {
	switch k {
	case "kompose.init.containers.name":
		if !dnsLabel().MatchString(v) {
			return fmt.Sprintf("%q is not a container name (a DNS label)", v)
		}
		c.Name = v
	case "kompose.init.containers.image":
		c.Image = v
	case "kompose.init.containers.command":
		argv, problem := argvLabel(v)
		if problem != "" {
			return problem
		}
		c.Command = argv
	}
	return ""
}

// argvLabel reads a command: a JSON array is the argv, as kompose reads
// it; any other string is a shell command line.
func argvLabel(v string) ([]string, string) {
	if !strings.HasPrefix(v, "[") {
		return []string{"sh", "-c", v}, ""
	}
	var argv []string
	if err := json.Unmarshal([]byte(v), &argv); err != nil || len(argv) == 0 {
		return nil, fmt.Sprintf("%q is not a JSON array of strings", v)
	}
	return argv, ""
}

func probeLabel(p *ProbeSpec, field, v string) string {
	switch field {
	case "disable":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Sprintf("%q is not true or false", v)
		}
		p.Disabled = b
	case "test":
		return probeTest(p, v)
	case "http_get_path":
		if !strings.HasPrefix(v, "/") {
			return fmt.Sprintf("%q is not a path (it must start with /)", v)
		}
		p.HTTPPath = v
	case "http_get_port", "tcp_port":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%q is not a port", v)
		}
		if field == "tcp_port" {
			p.TCPPort = n
		} else {
			p.HTTPPort = n
		}
	case "interval", "timeout", "start_period":
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Sprintf("%q is not a duration such as 10s", v)
		}
		dd := Duration(d)
		*map[string]**Duration{"interval": &p.Interval, "timeout": &p.Timeout, "start_period": &p.StartPeriod}[field] = &dd
	case "retries":
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return fmt.Sprintf("%q is not a number of retries", v)
		}
		p.Retries = &n
	default:
		return notHonoured
	}
	return ""
}

// probeTest reads a test like a compose healthcheck's: ["CMD", ...],
// ["CMD-SHELL", "line"], ["NONE"] (no probe), or a shell command line.
func probeTest(p *ProbeSpec, v string) string {
	argv, problem := argvLabel(v)
	if problem != "" {
		return problem
	}
	if !strings.HasPrefix(v, "[") {
		p.Test = argv
		return ""
	}
	switch argv[0] {
	case "NONE":
		p.Disabled = true
	case "CMD":
		if len(argv) < 2 {
			return fmt.Sprintf("%q runs no command", v)
		}
		p.Test = argv[1:]
	case "CMD-SHELL":
		if len(argv) != 2 {
			return fmt.Sprintf("%q: CMD-SHELL takes one command line", v)
		}
		p.Test = []string{"sh", "-c", argv[1]}
	default:
		p.Test = argv
	}
	return ""
}

// komposeCheck looks at the labels together: the ones that mean nothing
// without another are dropped with a warning naming the missing one.
func komposeCheck(ext *ServiceExt, src func(string) diag.Src) diag.Diagnostics {
	var ds diag.Diagnostics
	if c := ext.CronJob; c != nil && c.Schedule == "" {
		k := "kompose.cronjob.concurrency_policy"
		if c.BackoffLimit != nil {
			k = "kompose.cronjob.backoff_limit"
		}
		ds = append(ds, diag.Warnf(CodeKomposeValue, src(k), "label %s needs kompose.cronjob.schedule; the cronjob labels are ignored", k))
		ext.CronJob = nil
	}
	if a := ext.Autoscale; a != nil && a.Min > 0 && a.Max > 0 && a.Min > a.Max {
		ds = append(ds, diag.Warnf(CodeKomposeValue, src("kompose.hpa.replicas.min"), "label kompose.hpa.replicas.min: %d is more than kompose.hpa.replicas.max (%d); the hpa labels are ignored", a.Min, a.Max))
		ext.Autoscale = nil
	}
	for _, pr := range []struct {
		which string
		p     **ProbeSpec
	}{{"readiness", &ext.Readiness}, {"liveness", &ext.Liveness}} {
		p := *pr.p
		if p == nil || p.Disabled {
			continue
		}
		n := 0
		for _, set := range []bool{len(p.Test) > 0, p.HTTPPath != "" || p.HTTPPort != 0, p.TCPPort != 0} {
			if set {
				n++
			}
		}
		if n > 1 {
			k := probePrefix + pr.which + ".test"
			ds = append(ds, diag.Warnf(CodeKomposeValue, src(k), "the %s labels give more than one of test, http_get_* and tcp_port; the %s labels are ignored", pr.which, pr.which))
			*pr.p = nil
		}
	}
	if c := ext.InitContainer; c != nil && c.Image == "" {
		k := "kompose.init.containers.name"
		if c.Name == "" {
			k = "kompose.init.containers.command"
		}
		ds = append(ds, diag.Warnf(CodeKomposeValue, src(k), "label %s needs kompose.init.containers.image; no init container is made", k))
		ext.InitContainer = nil
	}
	return ds
}

// ephemeralLabels are the kompose.ephemeral-storage labels among
// deploy.labels, where kompose reads them.
func ephemeralLabels(labels map[string]string) []string {
	var out []string
	for k := range labels {
		if strings.HasPrefix(k, "kompose.ephemeral-storage.") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// komposeDeployLabels applies the ephemeral storage labels of
// deploy.labels; service labels, read before, give way to them.
func komposeDeployLabels(ix *posIndex, name string, labels map[string]string, ext *ServiceExt) diag.Diagnostics {
	var ds diag.Diagnostics
	base := "services." + name + ".deploy.labels"
	for _, k := range ephemeralLabels(labels) {
		src := ix.labelSrc(base, k, labels[k])
		switch problem := komposeMore(k, strings.TrimSpace(labels[k]), ext); problem {
		case "":
		case notHonoured:
			ds = append(ds, diag.Warnf(CodeKomposeLabel, src, "%s is no kompose 1.38 label transship knows; it has no effect", k))
		default:
			ds = append(ds, diag.Warnf(CodeKomposeValue, src, "label %s: %s; the label is ignored", k, problem))
		}
	}
	return ds
}
