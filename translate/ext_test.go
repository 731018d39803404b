package translate

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
)

func TestServiceExtValid(t *testing.T) {
	fsGroup := int64(1000)
	tests := []struct {
		name string
		ext  string // the service's x-transship body, indented 6
		want ServiceExt
	}{
		{"expose true", "      expose: true\n", ServiceExt{Expose: &Expose{}}},
		{"expose false", "      expose: false\n", ServiceExt{}},
		{"expose host", "      expose: app.example.org\n", ServiceExt{Expose: &Expose{Hosts: []string{"app.example.org"}}}},
		{
			name: "expose object with tls",
			ext: `      expose:
        host: a.example.org
        hosts: [b.example.org]
        path: /api
        port: 8080
        tls: true
        ingress_class: nginx
`,
			want: ServiceExt{Expose: &Expose{Hosts: []string{"a.example.org", "b.example.org"}, Path: "/api", Port: 8080, TLS: true, IngressClass: "nginx"}},
		},
		{
			name: "tls_secret implies tls",
			ext:  "      expose:\n        tls_secret: web-tls\n",
			want: ServiceExt{Expose: &Expose{TLS: true, TLSSecret: "web-tls"}},
		},
		{
			name: "every scalar field",
			ext: `      workload: statefulset
      service_type: NodePort
      node_port: 30080
      image_pull_policy: IfNotPresent
      image_pull_secret: regcred
      service_account: runner
      fs_group: 1000
`,
			want: ServiceExt{Workload: "statefulset", ServiceType: "NodePort", NodePort: 30080, ImagePullPolicy: "IfNotPresent",
				ImagePullSecret: "regcred", ServiceAccount: "runner", FSGroup: &fsGroup},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx\n    x-transship:\n" + tc.ext})
			g := mustLoad(t, Options{ProjectDir: dir})
			web := svc(t, g, "web")
			if !reflect.DeepEqual(web.Ext, tc.want) {
				t.Errorf("ext =\n%s\nwant\n%s", jsonIndent(t, web.Ext), jsonIndent(t, tc.want))
			}
			if web.Unmodelled != nil {
				t.Errorf("x-transship must not be unmodelled: %+v", web.Unmodelled)
			}
		})
	}
}

func TestServiceExtInvalid(t *testing.T) {
	tests := []struct {
		name     string
		ext      string
		path     string // exact path, or prefix when prefix is set
		prefix   bool
		line     int // 0: anywhere from line 4 (x-transship:) to the end
		col      int
		msgParts []string
	}{
		{"workload pod", "      workload: pod\n", "services.web.x-transship.workload", false, 5, 7, []string{"deployment", "statefulset"}},
		{"unknown key", "      expose: true\n      bogus: 1\n", "services.web.x-transship", true, 0, 0, []string{"bogus"}},
		{"expose path without slash", "      expose:\n        path: api\n", "services.web.x-transship.expose", true, 0, 0, nil},
		{"node port out of range", "      node_port: 80\n", "services.web.x-transship.node_port", false, 5, 7, nil},
		{"service type case", "      service_type: nodeport\n", "services.web.x-transship.service_type", false, 5, 7, nil},
		{"not a mapping", "      - expose\n", "services.web.x-transship", false, 4, 5, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			content := "services:\n  web:\n    image: nginx\n    x-transship:\n" + tc.ext
			dir := project(t, map[string]string{"compose.yaml": content})
			d := mustFail(t, Options{ProjectDir: dir}, CodeExtension)
			if tc.prefix {
				if !strings.HasPrefix(d.Path, tc.path) {
					t.Errorf("path = %q, want under %q", d.Path, tc.path)
				}
			} else if d.Path != tc.path {
				t.Errorf("path = %q, want %q", d.Path, tc.path)
			}
			if d.Pos.File != filepath.Join(dir, "compose.yaml") {
				t.Errorf("file = %q", d.Pos.File)
			}
			if tc.line != 0 {
				if d.Pos.Line != tc.line || d.Pos.Col != tc.col {
					t.Errorf("position %d:%d, want %d:%d", d.Pos.Line, d.Pos.Col, tc.line, tc.col)
				}
			} else if last := strings.Count(content, "\n"); d.Pos.Line < 4 || d.Pos.Line > last || d.Pos.Col < 1 {
				t.Errorf("position %d:%d, want within lines 4-%d", d.Pos.Line, d.Pos.Col, last)
			}
			for _, m := range tc.msgParts {
				if !strings.Contains(d.Message, m) {
					t.Errorf("message %q lacks %q", d.Message, m)
				}
			}
		})
	}
}

func TestVolumeExt(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  db:
    image: postgres
    volumes: [data:/data, labelled:/l, plain:/p]
volumes:
  data:
    x-transship:
      size: 10Gi
      storage_class: fast
      access_mode: ReadWriteMany
  labelled:
    labels:
      kompose.volume.size: 1Gi
      kompose.volume.storage-class-name: slow
  plain:
`})
	g := mustLoad(t, Options{ProjectDir: dir})
	got := map[string]VolumeExt{}
	for _, v := range g.Volumes {
		got[v.Name] = v.Ext
	}
	want := map[string]VolumeExt{
		"data":     {Size: "10Gi", StorageClass: "fast", AccessMode: "ReadWriteMany"},
		"labelled": {Size: "1Gi", StorageClass: "slow"},
		"plain":    {},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("volume ext = %+v, want %+v", got, want)
	}
}

func TestVolumeExtInvalid(t *testing.T) {
	tests := []struct {
		name, ext, path string
		line, col       int
	}{
		{"bad size", "      size: lots\n", "volumes.data.x-transship.size", 8, 7},
		{"bad access mode", "      access_mode: RWX\n", "volumes.data.x-transship.access_mode", 8, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: busybox\n    volumes: [data:/d]\nvolumes:\n  data:\n    x-transship:\n" + tc.ext})
			d := mustFail(t, Options{ProjectDir: dir}, CodeExtension)
			if d.Path != tc.path {
				t.Errorf("path = %q, want %q", d.Path, tc.path)
			}
			wantPos(t, "TR011", d.Pos, diag.Pos{File: filepath.Join(dir, "compose.yaml"), Line: tc.line, Col: tc.col})
		})
	}
}

func TestProjectExt(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": "x-transship:\n  namespace: my-app\nservices:\n  a:\n    image: busybox\n"})
	if g := mustLoad(t, Options{ProjectDir: dir}); g.Namespace != "my-app" {
		t.Errorf("Namespace = %q, want my-app", g.Namespace)
	}

	dir = project(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: busybox\n"})
	if g := mustLoad(t, Options{ProjectDir: dir}); g.Namespace != "" {
		t.Errorf("Namespace = %q, want empty", g.Namespace)
	}

	dir = project(t, map[string]string{"compose.yaml": "x-transship:\n  namespace: Bad_NS\nservices:\n  a:\n    image: busybox\n"})
	d := mustFail(t, Options{ProjectDir: dir}, CodeExtension)
	if d.Path != "x-transship.namespace" {
		t.Errorf("path = %q", d.Path)
	}
	wantPos(t, "namespace", d.Pos, diag.Pos{File: filepath.Join(dir, "compose.yaml"), Line: 2, Col: 3})

	dir = project(t, map[string]string{"compose.yaml": "x-transship:\n  nmespace: x\nservices:\n  a:\n    image: busybox\n"})
	d = mustFail(t, Options{ProjectDir: dir}, CodeExtension)
	if !strings.HasPrefix(d.Path, "x-transship") || !strings.Contains(d.Message, "nmespace") {
		t.Errorf("unknown project key: %s", d.Format(""))
	}
}

func TestKomposeLabels(t *testing.T) {
	fsGroup := int64(2000)
	tests := []struct {
		name   string
		labels string // the service's labels body, indented 6
		want   ServiceExt
	}{
		{"service type", "      kompose.service.type: nodeport\n", ServiceExt{ServiceType: "NodePort"}},
		{"service type any case", "      kompose.service.type: LoadBalancer\n", ServiceExt{ServiceType: "LoadBalancer"}},
		{"headless", "      kompose.service.type: headless\n", ServiceExt{ServiceType: "Headless"}},
		{"expose true", "      kompose.service.expose: \"true\"\n", ServiceExt{Expose: &Expose{}}},
		{"expose false", "      kompose.service.expose: \"false\"\n", ServiceExt{}},
		{
			"expose hosts and path", "      kompose.service.expose: \"a.example.org,b.example.org/api\"\n",
			ServiceExt{Expose: &Expose{Hosts: []string{"a.example.org", "b.example.org"}, Path: "/api"}},
		},
		{
			"expose with tls secret and class",
			"      kompose.service.expose: a.example.org\n      kompose.service.expose.tls-secret: a-tls\n      kompose.service.expose.ingress-class-name: nginx\n",
			ServiceExt{Expose: &Expose{Hosts: []string{"a.example.org"}, TLS: true, TLSSecret: "a-tls", IngressClass: "nginx"}},
		},
		{
			"free-form values",
			`      kompose.controller.type: statefulset
      kompose.image-pull-policy: Always
      kompose.image-pull-secret: regcred
      kompose.serviceaccount-name: sa
      kompose.security-context.fsgroup: "2000"
      kompose.service.nodeport.port: "30123"
      kompose.service.external-traffic-policy: local
      kompose.volume.size: 5Gi
      kompose.volume.storage-class-name: fast
      kompose.volume.type: emptyDir
`,
			ServiceExt{Workload: "statefulset", ImagePullPolicy: "Always", ImagePullSecret: "regcred", ServiceAccount: "sa",
				FSGroup: &fsGroup, NodePort: 30123, TrafficPolicy: "Local", VolumeSize: "5Gi", VolumeClass: "fast", VolumeType: "emptyDir"},
		},
		{"list form", "      - kompose.service.type=clusterip\n", ServiceExt{ServiceType: "ClusterIP"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantLabelsExt(t, tc.labels, tc.want) })
	}
}

func TestKomposeLabelWarnings(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  web:
    image: nginx
    labels:
      kompose.service.type: nodeport
      kompose.service.grup: front
      kompose.controller.type: pod
      kompose.service.nodeport.port: "99999"
      kompose.security-context.fsgroup: "-1"
      other.label: ignored
`})
	g, ds := loadDiags(t, Options{ProjectDir: dir})
	if g == nil || ds.HasErrors() {
		t.Fatalf("kompose label problems are warnings, got:\n%s", diagText(ds))
	}
	file := filepath.Join(dir, "compose.yaml")
	type want struct {
		code string
		line int
		path string
		msg  string
	}
	wants := []want{
		{CodeKomposeLabel, 6, "services.web.labels.kompose.service.grup", "no kompose 1.38 label"},
		{CodeKomposeValue, 7, "services.web.labels.kompose.controller.type", `"pod"`},
		{CodeKomposeValue, 8, "services.web.labels.kompose.service.nodeport.port", `"99999" is not a port number`},
		{CodeKomposeValue, 9, "services.web.labels.kompose.security-context.fsgroup", `"-1"`},
	}
	if len(ds) != len(wants) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(ds), len(wants), diagText(ds))
	}
	for i, w := range wants {
		d := ds[i]
		if d.Severity != diag.Warning || d.Code != w.code || d.Path != w.path || !strings.Contains(d.Message, w.msg) {
			t.Errorf("diagnostic %d = %s, want %s at %s mentioning %s", i, d.Format(""), w.code, w.path, w.msg)
		}
		wantPos(t, w.path, d.Pos, diag.Pos{File: file, Line: w.line, Col: 7})
	}
	ext := svc(t, g, "web").Ext
	if ext.ServiceType != "NodePort" || ext.Workload != "" || ext.NodePort != 0 || ext.FSGroup != nil {
		t.Errorf("ext = %+v: the good label applies, the bad ones are ignored", ext)
	}
}

func TestExtensionWinsOverKompose(t *testing.T) {
	dir := project(t, map[string]string{"compose.yaml": `services:
  web:
    image: nginx
    labels:
      kompose.service.type: nodeport
      kompose.controller.type: daemonset
      kompose.service.expose: a.example.org
    x-transship:
      service_type: ClusterIP
      expose: b.example.org
`})
	ext := svc(t, mustLoad(t, Options{ProjectDir: dir}), "web").Ext
	want := ServiceExt{ServiceType: "ClusterIP", Workload: "daemonset", Expose: &Expose{Hosts: []string{"b.example.org"}}}
	if !reflect.DeepEqual(ext, want) {
		t.Errorf("ext =\n%s\nwant\n%s", jsonIndent(t, ext), jsonIndent(t, want))
	}
}
