package kubernetes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
)

// --env-from-configmap: before, there was no such option; every env_file
// variable was inlined into each workload using the file.
func TestEnvFromConfigMap(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("common.env", "LOG_LEVEL=debug\nGREETING=$(not expanded)\nDB_PASSWORD=x\n")
	write("compose.yaml", `services:
  a:
    image: x
    env_file: common.env
    environment:
      LOG_LEVEL: info
  b:
    image: y
    env_file: common.env
`)
	g := loadGraphDir(t, dir)
	for _, on := range []bool{false, true} {
		files, ds := Emit(g, Options{EnvFromConfigMap: on})
		out := map[string]string{}
		for _, f := range files {
			out[f.Path] = string(f.Data)
		}
		if !on {
			mustContain(t, out, "b-deployment.yaml", "name: GREETING\n              value: \"$$(not expanded)\"")
			if _, ok := out["common-env-env-configmap.yaml"]; ok {
				t.Error("a ConfigMap without --env-from-configmap")
			}
			continue
		}
		mustContain(t, out, "common-env-env-configmap.yaml", "GREETING: \"$(not expanded)\"", "LOG_LEVEL: debug", "DB_PASSWORD: x")
		mustContain(t, out, "b-deployment.yaml", "envFrom:\n            - configMapRef:\n                name: common-env-env")
		if strings.Contains(out["b-deployment.yaml"], "GREETING") {
			t.Errorf("b inlines a variable of its env file:\n%s", out["b-deployment.yaml"])
		}
		// environment: overrides the file: it stays in env, which wins.
		mustContain(t, out, "a-deployment.yaml", "name: LOG_LEVEL\n              value: info", "name: common-env-env")
		if !hasCode(ds, CodeSecretEnv) {
			t.Errorf("DB_PASSWORD in a ConfigMap is not warned about: %v", ds)
		}
	}
}

// Before, a variable service a lists in secret_env went into the env
// file's ConfigMap in plain text when b read the same file, and a read it
// from there through envFrom; nothing warned.
func TestSecretEnvStaysOutOfEnvFileConfigMap(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"app.env": "DB_PASS=hunter2\nMODE=prod\n", "compose.yaml": `services:
  a:
    image: x
    env_file: app.env
    x-transship:
      secret_env: [DB_PASS]
  b:
    image: y
    env_file: app.env
`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, ds := Emit(loadGraphDir(t, dir), Options{EnvFromConfigMap: true})
	out := map[string]string{}
	for _, f := range files {
		out[f.Path] = string(f.Data)
	}
	mustContain(t, out, "app-env-env-configmap.yaml", "MODE: prod")
	for name, data := range out {
		if name != "b-deployment.yaml" && strings.Contains(data, "hunter2") {
			t.Errorf("%s shows the secret_env value in plain text:\n%s", name, data)
		}
	}
	mustContain(t, out, "a-deployment.yaml", "secretKeyRef")
	if !anyDiag(ds, CodeSecretEnv, func(d diag.Diagnostic) bool {
		return strings.Contains(d.Message, "x-transship.secret_env of service a") && strings.Contains(d.Message, "service b")
	}) {
		t.Errorf("no K8S153 that b gets DB_PASS inline: %v", ds)
	}
}
