package kubeapi

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
`

// dryRunErr dry-runs doc in namespace "default" and returns its refusal,
// failing the test when it is accepted or fails otherwise.
func dryRunErr(t *testing.T, srv *Server, doc string) *StatusError {
	t.Helper()
	err := srv.DryRun("default", []byte(doc))
	if err == nil {
		t.Fatalf("accepted:\n%s", doc)
	}
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("want a *StatusError, got %T: %v", err, err)
	}
	t.Logf("server says: %v", err)
	return se
}

func TestValidDeploymentAccepted(t *testing.T) {
	srv := Require(t)
	res, err := srv.DryRunResult("default", []byte(deployment))
	if err != nil {
		t.Fatal(err)
	}
	// The answer is the defaulted object.
	if !strings.Contains(string(res.Object), `"imagePullPolicy":"IfNotPresent"`) {
		t.Errorf("no defaults in the answer: %s", res.Object)
	}
}

func TestUnknownFieldRejected(t *testing.T) {
	srv := Require(t)
	doc := strings.Replace(deployment, "          image: nginx:1.27\n",
		"          image: nginx:1.27\n          imagePullPolicyy: Always\n", 1)
	se := dryRunErr(t, srv, doc)
	if se.Code != 400 || se.Reason != "BadRequest" ||
		!strings.Contains(se.Message, `strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"`) {
		t.Errorf("got %d %s %q", se.Code, se.Reason, se.Message)
	}
}

func TestDuplicateKeyRejected(t *testing.T) {
	srv := Require(t)
	se := dryRunErr(t, srv, `apiVersion: v1
kind: ConfigMap
metadata:
  name: dup
data:
  a: "1"
  a: "2"
`)
	if se.Code != 400 || !strings.Contains(se.Message, `key "a" already set in map`) {
		t.Errorf("got %d %s %q", se.Code, se.Reason, se.Message)
	}
}

func TestYAML11BooleanRejected(t *testing.T) {
	srv := Require(t)
	se := dryRunErr(t, srv, `apiVersion: v1
kind: ConfigMap
metadata:
  name: flags
data:
  enabled: yes
`)
	if se.Code != 400 || !strings.Contains(se.Message, "cannot unmarshal bool into Go struct field ConfigMap.data of type string") {
		t.Errorf("got %d %s %q", se.Code, se.Reason, se.Message)
	}
	// Quoted, it is a string.
	if err := srv.DryRun("default", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  enabled: \"yes\"\n")); err != nil {
		t.Error(err)
	}
}

func TestServiceInEnsuredNamespace(t *testing.T) {
	srv := Require(t)
	for range 2 { // the second time, it exists
		if err := srv.EnsureNamespace("ensured"); err != nil {
			t.Fatal(err)
		}
	}
	svc := []byte(`apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: 8080
`)
	if err := srv.DryRun("ensured", svc); err != nil {
		t.Fatal(err)
	}
	// metadata.namespace wins over the argument.
	withNS := strings.Replace(string(svc), "  name: web\n", "  name: web\n  namespace: ensured\n", 1)
	if err := srv.DryRun("elsewhere", []byte(withNS)); err != nil {
		t.Fatal(err)
	}
}

func TestMissingNamespaceRejected(t *testing.T) {
	srv := Require(t)
	err := srv.DryRun("no-such-namespace", []byte(deployment))
	var se *StatusError
	if !errors.As(err, &se) {
		t.Fatalf("want a *StatusError, got %v", err)
	}
	t.Logf("server says: %v", err)
	if se.Code != 404 || se.Reason != "NotFound" || !strings.Contains(se.Message, `namespaces "no-such-namespace" not found`) {
		t.Errorf("got %d %s %q", se.Code, se.Reason, se.Message)
	}
}

func TestSemanticErrorRejected(t *testing.T) {
	srv := Require(t)
	// A selector that does not match the template's labels, and a bad port.
	doc := strings.Replace(deployment, "      app: web\n  template", "      app: other\n  template", 1)
	doc = strings.Replace(doc, "containerPort: 80", "containerPort: 70000", 1)
	se := dryRunErr(t, srv, doc)
	if se.Code != 422 || se.Reason != "Invalid" || len(se.Causes) < 2 {
		t.Errorf("got %d %s %q %+v", se.Code, se.Reason, se.Message, se.Causes)
	}
	fields := map[string]bool{}
	for _, c := range se.Causes {
		fields[c.Field] = true
	}
	for _, f := range []string{"spec.template.metadata.labels", "spec.template.spec.containers[0].ports[0].containerPort"} {
		if !fields[f] {
			t.Errorf("no cause for %s in %+v", f, se.Causes)
		}
	}
}

func TestClusterScopedAndJSON(t *testing.T) {
	srv := Require(t)
	role := `{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
	  "metadata": {"name": "reader", "namespace": "ignored"},
	  "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}`
	if err := srv.DryRun("", []byte(role)); err != nil {
		t.Fatal(err)
	}
	err := srv.DryRun("default", []byte("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"))
	if err == nil || !strings.Contains(err.Error(), "no API example.com/v1") {
		t.Errorf("unknown group: got %v", err)
	}
	err = srv.DryRun("default", []byte("apiVersion: v1\nkind: Widget\nmetadata:\n  name: w\n"))
	if err == nil || !strings.Contains(err.Error(), "no kind Widget in v1") {
		t.Errorf("unknown kind: got %v", err)
	}
}

func TestDryRunAll(t *testing.T) {
	srv := Require(t)
	var docs [][]byte
	for i := range 40 {
		doc := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  k: v\n", i)
		if i%10 == 3 {
			doc += "bogus: 1\n"
		}
		docs = append(docs, []byte(doc))
	}
	start := time.Now()
	errs := srv.DryRunAll("default", docs)
	t.Logf("%d objects in %v (%v each)", len(docs), time.Since(start), time.Since(start)/time.Duration(len(docs)))
	for i, err := range errs {
		if (err != nil) != (i%10 == 3) {
			t.Errorf("document %d: %v", i, err)
		} else if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("cm-%d", i)) {
			t.Errorf("document %d: the error does not name the object: %v", i, err)
		}
	}
}

// TestStartClose starts a server of its own and checks that Close leaves
// no process and no directory behind.
func TestStartClose(t *testing.T) {
	Require(t) // skips without the binaries
	start := time.Now()
	srv, err := Start(t.Context(), BinDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started in %v", time.Since(start))
	if err := srv.DryRun("default", []byte(deployment)); err != nil {
		t.Error(err)
	}
	procs := srv.procs
	srv.Close()
	for _, p := range procs {
		select {
		case <-p.Done():
		default:
			t.Errorf("%s still running", p.Name)
		}
	}
	if _, err := os.Stat(srv.Dir); !os.IsNotExist(err) {
		t.Errorf("%s not removed: %v", srv.Dir, err)
	}
	srv.Close() // idempotent
}

func TestSplitYAML(t *testing.T) {
	stream := "---\n# only a comment\n---\na: 1\n---\r\nb: 2\n--- # not a separator\nc: 3\n\n---\n\n---\n"
	var got []string
	for _, d := range SplitYAML([]byte(stream)) {
		got = append(got, string(d))
	}
	want := []string{"a: 1\n", "b: 2\n--- # not a separator\nc: 3\n\n"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if docs := SplitYAML(nil); len(docs) != 0 {
		t.Errorf("nil: got %q", docs)
	}
	if docs := SplitYAML([]byte("x: 1")); len(docs) != 1 || string(docs[0]) != "x: 1" {
		t.Errorf("single: got %q", docs)
	}
}

func TestReadHeader(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want header
	}{
		{deployment, header{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}},
		{"# c\nkind: 'Service' # c\n\"apiVersion\": \"v1\"\nspec:\n  namespace: no\nmetadata:\n    labels:\n      namespace: no\n    namespace: \"ns\"\n    generateName: gen-\n",
			header{APIVersion: "v1", Kind: "Service", GenerateName: "gen-", Namespace: "ns"}},
		{"metadata: {name: x}\nkind: A\napiVersion: v1\n", header{APIVersion: "v1", Kind: "A"}},
		{` {"kind":"A","apiVersion":"x/v1","metadata":{"name":"n","namespace":"s"}}`,
			header{APIVersion: "x/v1", Kind: "A", Name: "n", Namespace: "s", JSON: true}},
	} {
		got, err := readHeader([]byte(tc.doc))
		if err != nil || got != tc.want {
			t.Errorf("readHeader(%q) = %+v, %v; want %+v", tc.doc, got, err, tc.want)
		}
	}
	for _, doc := range []string{"kind: A\n", "apiVersion: v1\n", "{", "- a\n"} {
		if _, err := readHeader([]byte(doc)); err == nil {
			t.Errorf("readHeader(%q): no error", doc)
		}
	}
}

func TestTail(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc"},
		{"a\nb\nc", 5, "a\nb\nc"},
		{"", 3, ""},
	} {
		if got := tail([]byte(tc.in), tc.n); got != tc.want {
			t.Errorf("tail(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// TestRequireWithoutBinaries: Require skips without the binaries, or fails
// when CI=true (checked in a subprocess, since it ends the test).
func TestRequireWithoutBinaries(t *testing.T) {
	if os.Getenv("KUBEAPI_CHILD") == "1" {
		Require(t)
		t.Fatal("Require returned without binaries")
	}
	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			out, err := runChild(t, "TestRequireWithoutBinaries", "KUBEAPI_CHILD=1", "CI="+ci, "TRANSSHIP_KUBE_BIN="+t.TempDir())
			if ci == "true" {
				if err == nil || !strings.Contains(out, "make e2e-deps") {
					t.Errorf("want a failure naming make e2e-deps, got %v:\n%s", err, out)
				}
			} else if err != nil || !strings.Contains(out, "SKIP") || !strings.Contains(out, "kube-apiserver not built; run `make e2e-deps`") {
				t.Errorf("want a skip, got %v:\n%s", err, out)
			}
		})
	}
}

// runChild runs one test of this test binary in a subprocess with env added.
func runChild(t *testing.T, test string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// BenchmarkDryRun is the latency of one Deployment's dry run.
func BenchmarkDryRun(b *testing.B) {
	srv := Require(b)
	doc := []byte(deployment)
	for b.Loop() {
		if err := srv.DryRun("default", doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDryRunAll is the cost per object of DryRunAll on a typical
// file's worth of objects (Deployments, Services, ConfigMaps).
func BenchmarkDryRunAll(b *testing.B) {
	srv := Require(b)
	var docs [][]byte
	for i := range 30 {
		docs = append(docs,
			[]byte(strings.ReplaceAll(deployment, "web", fmt.Sprintf("web-%d", i))),
			fmt.Appendf(nil, "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n", i),
			fmt.Appendf(nil, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  k: v\n", i))
	}
	for b.Loop() {
		for i, err := range srv.DryRunAll("default", docs) {
			if err != nil {
				b.Fatalf("document %d: %v", i, err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(docs)), "µs/object")
}
