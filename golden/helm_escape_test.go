package golden

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transship/transship/internal/kubeapi"
	"github.com/transship/transship/translate"
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
configs:
  tmpl:
    content: "value {{ .Values.secret }}\n"
`
	writeTree(t, dir, map[string]string{"compose.yaml": compose, "dags/dag.py": dag})
	g, ds := translate.Load(context.Background(), translate.Options{Files: []string{filepath.Join(dir, "compose.yaml")}})
	if g == nil || ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	chart, manifests, err := corpusChart(t, g, "generic")
	if err != nil {
		t.Fatal(err)
	}
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
	for _, want := range []string{`value: "{{ hello }}"`, `value: "say \"{{\" then }}"`, "value {{ .Values.secret }}", "# run for {{ ds }} and {{{ triple }}}", `print("{{ ti.xcom_pull() }}")`} {
		if !strings.Contains(all, want) {
			t.Errorf("helm template lacks %s:\n%s", want, all)
		}
	}
}
