package kubernetes

import (
	"strings"
	"testing"

	"github.com/transship/transship/translate"
)

// Before, POSTGRES_PASSWORD was inlined into the Deployment without a
// word, a file secret was written into the output without a word, and
// there was no way to keep secrets out of it.

const secretProject = `services:
  db:
    image: postgres:17
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: change-me
      API_TOKEN: abc
      POSTGRES_PASSWORD_FILE: /run/secrets/tls
    secrets: [tls]
    x-transship:
      secret_env: [POSTGRES_PASSWORD]
secrets:
  tls:
    file: ./tls.key
`

func TestSecretEnvGoesIntoASecret(t *testing.T) {
	g := loadGraph(t, secretProject)
	files, ds := Emit(g, Options{Files: map[string]translate.FileData{"tls.key": {Data: []byte("KEY")}}})
	out := map[string]string{}
	for _, f := range files {
		out[f.Path] = string(f.Data)
	}
	mustContain(t, out, "db-deployment.yaml", "name: POSTGRES_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  key: POSTGRES_PASSWORD\n                  name: db-env", "value: app")
	if strings.Contains(out["db-deployment.yaml"], "change-me") {
		t.Errorf("the password is still inlined:\n%s", out["db-deployment.yaml"])
	}
	mustContain(t, out, "db-env-secret.yaml", "POSTGRES_PASSWORD: Y2hhbmdlLW1l")
	mustContain(t, out, "tls-secret.yaml", "tls: S0VZ")
	for _, want := range []struct{ code, path string }{
		{CodeSecretWritten, "services.db.x-transship.secret_env"},
		{CodeSecretWritten, "secrets.tls"},
		{CodeSecretEnv, "services.db.environment.API_TOKEN"},
	} {
		if !hasCodeAt(ds, want.code, want.path) {
			t.Errorf("no %s at %s: %v", want.code, want.path, ds)
		}
	}
	for _, d := range ds {
		if d.Code == CodeSecretEnv && d.Pos.Line != 7 {
			t.Errorf("the API_TOKEN warning is at line %d, not at the variable (7)", d.Pos.Line)
		}
		if d.Code == CodeSecretEnv && strings.Contains(d.Message, "POSTGRES") { // moved, or a path
			t.Errorf("a variable moved into a Secret is warned about: %s", d.Message)
		}
	}
}

func TestSecretsExternal(t *testing.T) {
	g := loadGraph(t, secretProject)
	files, ds := Emit(g, Options{ExternalSecrets: true, Files: map[string]translate.FileData{"tls.key": {Data: []byte("KEY")}}})
	for _, f := range files {
		if strings.HasSuffix(f.Path, "-secret.yaml") || strings.Contains(string(f.Data), "Y2hhbmdlLW1l") || strings.Contains(string(f.Data), "change-me") {
			t.Errorf("%s carries a secret with --secrets external:\n%s", f.Path, f.Data)
		}
	}
	var cmds []string
	for _, d := range ds {
		if d.Code == CodeNotEmbedded {
			cmds = append(cmds, d.Message)
		}
		if d.Code == CodeSecretWritten {
			t.Errorf("nothing is written, yet: %s", d.Message)
		}
	}
	joined := strings.Join(cmds, "\n")
	for _, w := range []string{"kubectl create secret generic tls --from-file=tls=tls.key", "kubectl create secret generic db-env --from-literal=POSTGRES_PASSWORD=..."} {
		if !strings.Contains(joined, w) {
			t.Errorf("no warning gives %q:\n%s", w, joined)
		}
	}
}
