package translate

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/transship/transship/diag"
)

func TestKomposeLabelsWithoutExtension(t *testing.T) {
	dur := func(s string) *Duration {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		v := Duration(d)
		return &v
	}
	three, two := uint64(3), 2
	tests := []struct {
		name   string
		labels string // the service's labels body, indented 6
		want   ServiceExt
	}{
		{"cronjob", "      kompose.cronjob.schedule: \"*/5  * * * *\"\n      kompose.cronjob.concurrency_policy: replace\n      kompose.cronjob.backoff_limit: \"2\"\n",
			ServiceExt{CronJob: &CronJob{Schedule: "*/5 * * * *", ConcurrencyPolicy: "Replace", BackoffLimit: &two}}},
		{"cron macro", "      kompose.cronjob.schedule: \"@hourly\"\n", ServiceExt{CronJob: &CronJob{Schedule: "@hourly"}}},
		{"hpa", "      kompose.hpa.cpu: 80%\n      kompose.hpa.memory: \"70\"\n      kompose.hpa.replicas.min: \"2\"\n      kompose.hpa.replicas.max: \"5\"\n",
			ServiceExt{Autoscale: &Autoscale{Min: 2, Max: 5, CPU: 80, Memory: 70}}},
		{"hpa memory value", "      kompose.hpa.memory: 512Mi\n", ServiceExt{Autoscale: &Autoscale{MemoryValue: "512Mi"}}},
		{"readiness http", "      kompose.service.healthcheck.readiness.http_get_path: /ready\n      kompose.service.healthcheck.readiness.http_get_port: \"8081\"\n      kompose.service.healthcheck.readiness.interval: 10s\n      kompose.service.healthcheck.readiness.timeout: 2s\n      kompose.service.healthcheck.readiness.retries: \"3\"\n      kompose.service.healthcheck.readiness.start_period: 1m\n",
			ServiceExt{Readiness: &ProbeSpec{HTTPPath: "/ready", HTTPPort: 8081, Interval: dur("10s"), Timeout: dur("2s"), Retries: &three, StartPeriod: dur("1m")}}},
		{"readiness test CMD", "      kompose.service.healthcheck.readiness.test: '[\"CMD\", \"pg_isready\", \"-q\"]'\n",
			ServiceExt{Readiness: &ProbeSpec{Test: []string{"pg_isready", "-q"}}}},
		{"readiness test CMD-SHELL", "      kompose.service.healthcheck.readiness.test: '[\"CMD-SHELL\", \"curl -f localhost || exit 1\"]'\n",
			ServiceExt{Readiness: &ProbeSpec{Test: []string{"sh", "-c", "curl -f localhost || exit 1"}}}},
		{"readiness test line", "      kompose.service.healthcheck.readiness.test: test -e /ready\n",
			ServiceExt{Readiness: &ProbeSpec{Test: []string{"sh", "-c", "test -e /ready"}}}},
		{"readiness disabled, liveness tcp", "      kompose.service.healthcheck.readiness.disable: \"true\"\n      kompose.service.healthcheck.liveness.tcp_port: \"3306\"\n",
			ServiceExt{Readiness: &ProbeSpec{Disabled: true}, Liveness: &ProbeSpec{TCPPort: 3306}}},
		{"init container", "      kompose.init.containers.name: init-db\n      kompose.init.containers.image: busybox:1.37\n      kompose.init.containers.command: '[\"sh\", \"-c\", \"echo hi\"]'\n",
			ServiceExt{InitContainer: &InitContainer{Name: "init-db", Image: "busybox:1.37", Command: []string{"sh", "-c", "echo hi"}}}},
		{"subpath, both spellings", "      kompose.volume.sub-path: pg-data\n", ServiceExt{VolumeSubPath: "pg-data"}},
		{"ephemeral storage", "      kompose.ephemeral-storage.request: 1Gi\n      kompose.ephemeral-storage.limit: 2Gi\n", ServiceExt{EphemeralRequest: "1Gi", EphemeralLimit: "2Gi"}},
		{"host ports", "      kompose.controller.port.expose: \"true\"\n", ServiceExt{HostPorts: true}},
		{"name override", "      kompose.service.name_override: frontend\n", ServiceExt{NameOverride: "frontend"}},
		{"expose path", "      kompose.service.expose: a.example.org\n      kompose.service.expose.path: /app\n", ServiceExt{Expose: &Expose{Hosts: []string{"a.example.org"}, Path: "/app"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantLabelsExt(t, tc.labels, tc.want) })
	}
}

// wantLabelsExt loads a service web with the labels (a body indented 6)
// and checks that they load cleanly into want.
func wantLabelsExt(t *testing.T, labels string, want ServiceExt) {
	t.Helper()
	dir := project(t, map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx\n    labels:\n" + labels})
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if g == nil || len(ds) != 0 {
		t.Fatalf("want a clean load, got:\n%s", diagText(ds))
	}
	if got := svc(t, g, "web").Ext; !reflect.DeepEqual(got, want) {
		t.Errorf("ext =\n%s\nwant\n%s", jsonIndent(t, got), jsonIndent(t, want))
	}
}

// Ephemeral storage is read from deploy.labels too, where kompose reads
// it; deploy.labels holding nothing else is then no unmodelled key.
func TestKomposeEphemeralInDeployLabels(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx\n    deploy:\n      labels:\n        kompose.ephemeral-storage.limit: 3Gi\n"})
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if g == nil || len(ds) != 0 {
		t.Fatalf("want a clean load, got:\n%s", diagText(ds))
	}
	s := svc(t, g, "web")
	if s.Ext.EphemeralLimit != "3Gi" || len(s.Unmodelled) != 0 {
		t.Errorf("ext = %+v, unmodelled = %v", s.Ext, s.Unmodelled)
	}
}

func TestKomposeLabelValueWarnings(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  web:
    image: nginx
    labels:
      kompose.cronjob.schedule: "every minute"
      kompose.hpa.cpu: lots
      kompose.hpa.replicas.min: "0"
      kompose.service.healthcheck.readiness.interval: soon
      kompose.service.healthcheck.liveness.http_get_path: health
      kompose.init.containers.command: "[oops"
      kompose.volume.subpath: ../up
      kompose.service.name_override: Not_DNS
      kompose.controller.port.expose: maybe
  job:
    image: busybox
    labels:
      kompose.cronjob.concurrency_policy: forbid
      kompose.init.containers.name: setup
      kompose.hpa.replicas.min: "4"
      kompose.hpa.replicas.max: "2"
      kompose.service.healthcheck.readiness.tcp_port: "80"
      kompose.service.healthcheck.readiness.test: "true"
`})
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if g == nil || ds.HasErrors() {
		t.Fatalf("kompose label problems are warnings, got:\n%s", diagText(ds))
	}
	file := filepath.Join(dir, "compose.yaml")
	wants := []struct {
		line int
		key  string
		msg  string
	}{
		{5, "kompose.cronjob.schedule", `"every minute"`},
		{6, "kompose.hpa.cpu", `"lots"`},
		{7, "kompose.hpa.replicas.min", `"0"`},
		{8, "kompose.service.healthcheck.readiness.interval", `"soon"`},
		{9, "kompose.service.healthcheck.liveness.http_get_path", `"health"`},
		{10, "kompose.init.containers.command", `"[oops"`},
		{11, "kompose.volume.subpath", `"../up"`},
		{12, "kompose.service.name_override", `"Not_DNS"`},
		{13, "kompose.controller.port.expose", `"maybe"`},
		{17, "kompose.cronjob.concurrency_policy", "needs kompose.cronjob.schedule"},
		{18, "kompose.init.containers.name", "needs kompose.init.containers.image"},
		{19, "kompose.hpa.replicas.min", "more than kompose.hpa.replicas.max"},
		{22, "kompose.service.healthcheck.readiness.test", "more than one"},
	}
	if len(ds) != len(wants) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(ds), len(wants), diagText(ds))
	}
	for i, w := range wants {
		d := ds[i]
		svcName := "web"
		if i >= 9 {
			svcName = "job"
		}
		path := "services." + svcName + ".labels." + w.key
		if d.Severity != diag.Warning || d.Code != CodeKomposeValue || d.Path != path || !strings.Contains(d.Message, w.msg) {
			t.Errorf("diagnostic %d = %s, want %s at %s mentioning %s", i, d.Format(""), CodeKomposeValue, path, w.msg)
		}
		wantPos(t, path, d.Pos, diag.Pos{File: file, Line: w.line, Col: 7})
	}
	for _, name := range []string{"web", "job"} {
		ext := svc(t, g, name).Ext
		if ext.CronJob != nil || ext.Autoscale != nil || ext.InitContainer != nil || ext.Readiness != nil && ext.Readiness.Interval != nil || ext.Liveness != nil || ext.NameOverride != "" || ext.VolumeSubPath != "" {
			t.Errorf("%s: ext = %s: the bad labels are ignored", name, jsonIndent(t, ext))
		}
	}
}

func TestKomposeVolumeSelector(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": "services:\n  db:\n    image: postgres\n    volumes: [data:/var/lib/postgresql/data]\nvolumes:\n  data:\n    labels:\n      kompose.volume.selector: pg-data\n  bad:\n    labels:\n      kompose.volume.selector: \"no spaces\"\n"})
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if g == nil || len(ds) != 1 || ds[0].Code != CodeKomposeValue || ds[0].Path != "volumes.bad.labels.kompose.volume.selector" {
		t.Fatalf("want one warning for the bad selector, got:\n%s", diagText(ds))
	}
	for _, v := range g.Volumes {
		if v.Name == "data" && v.Ext.Selector != "pg-data" {
			t.Errorf("selector = %q", v.Ext.Selector)
		}
	}
}
