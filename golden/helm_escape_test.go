package golden

import (
	"os"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/transship/transship/internal/kubeapi"
)

// TestHelmKeepsComposeBraces: "{{" in a compose value (an environment
// variable, a config's content, a bind-mounted file such as an Airflow
// DAG) is text, not template code: the chart lints, and Helm renders the
// exact strings, as the manifests have them.
func TestHelmKeepsComposeBraces(t *testing.T) {
	var srv *kubeapi.Server
	if kubeapi.Available(kubeapi.BinDir()) || os.Getenv("CI") == "true" {
		srv = kubeapi.Require(t)
	}
	dir := t.TempDir()
	dag := "from airflow import DAG\n# run for {{ ds }} and {{{ triple }}}\nprint(\"{{ ti.xcom_pull() }}\")\n"
	compose := `name: braces
services:
  web:
    image: nginx:1.27
    environment:
      GREETING: "{{ hello }}"
      QUOTED: 'say "{{" then }}'
    configs:
      - source: tmpl
        target: /etc/tmpl.conf
    volumes:
      - ./dags/dag.py:/opt/airflow/dags/dag.py:ro
      - ./dagdir:/opt/airflow/more:ro
configs:
  tmpl:
    content: "value {{ .Values.secret }}\n"
`
	// A bind-mounted directory: its files are ConfigMap keys, a nested one
	// through an item, a binary one in binaryData.
	dirFiles := map[string]string{"dag.py": dag, "nested/{{x}}.sql": "select '{{ ds }}';\n", "blob.bin": "{{\xff\x00}}"}
	tree := map[string]string{"compose.yaml": compose, "dags/dag.py": dag}
	for name, data := range dirFiles {
		tree["dagdir/"+name] = data
	}
	_, chart, manifests := treeChart(t, dir, tree)
	// Lint, render, the same objects as the manifests (so the same
	// strings), and the API server.
	checkChart(t, srv, "braces", chart, manifests)
	rendered, err := renderChart(chart)
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, text := range rendered {
		all += string(text)
	}
	checkDirBytes(t, rendered, dirFiles)
	for _, want := range []string{`value: "{{ hello }}"`, `value: "say \"{{\" then }}"`, "value {{ .Values.secret }}", "# run for {{ ds }} and {{{ triple }}}", `print("{{ ti.xcom_pull() }}")`} {
		if !strings.Contains(all, want) {
			t.Errorf("helm template lacks %s:\n%s", want, all)
		}
	}
}

// checkDirBytes: the rendered ConfigMap of the directory holds every file
// byte for byte, under the key the volume's item maps to its path.
func checkDirBytes(t *testing.T, rendered map[string][]byte, files map[string]string) {
	t.Helper()
	var cm corev1.ConfigMap
	var dep appsv1.Deployment
	for _, text := range rendered {
		for _, doc := range strings.Split(string(text), "\n---\n") {
			var meta struct {
				Kind     string
				Metadata struct{ Name string }
			}
			if yaml.Unmarshal([]byte(doc), &meta) != nil {
				continue
			}
			switch {
			case meta.Kind == "ConfigMap" && strings.HasSuffix(meta.Metadata.Name, "dagdir"):
				if err := yaml.Unmarshal([]byte(doc), &cm); err != nil {
					t.Fatal(err)
				}
			case meta.Kind == "Deployment":
				if err := yaml.Unmarshal([]byte(doc), &dep); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	pathOf := map[string]string{}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == cm.Name {
			for _, it := range v.ConfigMap.Items {
				pathOf[it.Key] = it.Path
			}
		}
	}
	got := map[string]string{}
	for k, v := range cm.Data {
		got[pathOf[k]] = v
	}
	for k, v := range cm.BinaryData {
		got[pathOf[k]] = string(v)
	}
	if len(got) != len(files) {
		t.Errorf("directory ConfigMap %q holds %q, want %q", cm.Name, got, files)
	}
	for name, data := range files {
		if got[name] != data {
			t.Errorf("%s renders as %q, want %q", name, got[name], data)
		}
	}
}
