package cloudinit

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// load writes files into a temporary project directory and loads it the
// way the CLI does for this target.
func load(t *testing.T, files map[string]string) (*translate.Graph, Options) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g, ds := translate.Load(context.Background(), translate.Options{ProjectDir: dir, ProjectName: "demo", Normalized: true})
	if g == nil {
		t.Fatalf("load: %v", ds)
	}
	return g, Options{Compose: g.Compose, Files: translate.ReadProjectFiles(g, FileNames(g), translate.MaxEmbeddedFile),
		Contexts: translate.ReadProjectDirs(g, BuildContexts(g, ""), MaxUserData)}
}

func emit(t *testing.T, g *translate.Graph, o Options) ([]byte, diag.Diagnostics) {
	t.Helper()
	fs, ds := Emit(g, o)
	if ds.HasErrors() {
		return nil, ds
	}
	if len(fs) != 1 || fs[0].Path != UserData {
		t.Fatalf("files: %+v", fs)
	}
	return fs[0].Data, ds
}

func codes(ds diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Code + " " + d.Path + ": " + d.Message + "\n")
	}
	return b.String()
}

// writeFile returns the write_files entry for path.
func writeFile(t *testing.T, data []byte, path string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("user-data is not YAML: %v\n%s", err, data)
	}
	for _, e := range doc["write_files"].([]any) {
		if m := e.(map[string]any); m["path"] == path {
			return m
		}
	}
	return nil
}

var small = map[string]string{
	"compose.yaml": `services:
  web:
    image: nginx:1.27
    ports: ["80:80"]
    env_file: app.env
    volumes:
      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro
      - data:/usr/share/nginx/html
    secrets: [pw]
volumes:
  data: {}
secrets:
  pw:
    file: ./secrets/pw.txt
`,
	"app.env":        "GREETING=hello\n",
	"nginx.conf":     "server { listen 80; }\n",
	"secrets/pw.txt": "s3cret\n",
}

func TestSmall(t *testing.T) {
	g, o := load(t, small)
	o.Users = []User{{Name: "alice", SSHKeys: []string{"ssh-ed25519 AAAAC3Nza alice@example"}, Sudo: true}}
	o.DataVolume = &DataVolume{}
	o.Swap = "2G"
	o.Packages = []string{"jq", "htop", "jq"}
	data, ds := emit(t, g, o)
	if ds.HasErrors() {
		t.Fatal(codes(ds))
	}
	if os.Getenv("CLOUDINIT_SAMPLE") != "" {
		os.WriteFile(os.Getenv("CLOUDINIT_SAMPLE"), data, 0o644)
	}
	if !bytes.HasPrefix(data, []byte("#cloud-config\n")) {
		t.Errorf("first line: %q", bytes.SplitN(data, []byte("\n"), 2)[0])
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"write_files", "runcmd", "users", "mounts", "swap", "disk_setup", "fs_setup"} {
		if doc[k] == nil {
			t.Errorf("no %s", k)
		}
	}
	if !strings.Contains(codes(ds), "CI101") {
		t.Errorf("embedded secret without CI101:\n%s", codes(ds))
	}
	for path, perm := range map[string]string{"/opt/demo/app.env": "0600", "/opt/demo/secrets/pw.txt": "0600", "/opt/demo/nginx.conf": "0644", "/opt/demo/compose.yaml": "0600"} {
		f := writeFile(t, data, path)
		if f == nil {
			t.Errorf("%s not written", path)
			continue
		}
		if f["permissions"] != perm {
			t.Errorf("%s: permissions %v, want %q", path, f["permissions"], perm)
		}
	}
	if !strings.Contains(string(data), `permissions: "0600"`) {
		t.Error("permissions are not quoted strings")
	}
	unit := writeFile(t, data, "/etc/systemd/system/transship-demo.service")
	if unit == nil || !strings.Contains(unit["content"].(string), "up -d --remove-orphans") {
		t.Errorf("unit: %v", unit)
	}
	if f := writeFile(t, data, "/opt/demo/compose.transship.yaml"); f == nil || !strings.Contains(f["content"].(string), "device: /srv/data/demo_data") {
		t.Errorf("volume override: %v", f)
	}
	again, _ := emit(t, g, o)
	if !bytes.Equal(data, again) {
		t.Error("two emits differ")
	}
	cloudInitSchema(t, data)
}

func TestSecretsPrompt(t *testing.T) {
	g, o := load(t, small)
	o.Secrets = "prompt"
	data, ds := emit(t, g, o)
	t.Log("\n" + string(data[:bytes.Index(data, []byte("users:"))]))
	if strings.Contains(codes(ds), "CI101") || bytes.Contains(data, []byte("s3cret")) || writeFile(t, data, "/opt/demo/secrets/pw.txt") != nil {
		t.Errorf("prompt mode embeds the secret:\n%s\n%s", codes(ds), data)
	}
	unit := writeFile(t, data, "/etc/systemd/system/transship-demo.service")["content"].(string)
	if !strings.Contains(unit, `test -f 'secrets/pw.txt'`) {
		t.Errorf("the unit does not wait for the secret:\n%s", unit)
	}
	cloudInitSchema(t, data)
}

func TestCompressed(t *testing.T) {
	files := map[string]string{"compose.yaml": small["compose.yaml"], "app.env": "A=1\n", "secrets/pw.txt": "x\n"}
	var big strings.Builder
	for i := range 2000 {
		big.WriteString("location /p" + string(rune('a'+i%26)) + " { return 204; }\n")
	}
	files["nginx.conf"] = big.String()
	g, o := load(t, files)
	data, ds := emit(t, g, o)
	if ds.HasErrors() {
		t.Fatal(codes(ds))
	}
	f := writeFile(t, data, "/opt/demo/nginx.conf")
	if f["encoding"] != "gz+b64" {
		t.Fatalf("big file not compressed: %v", f["encoding"])
	}
	raw, err := base64.StdEncoding.DecodeString(f["content"].(string))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || string(got) != files["nginx.conf"] {
		t.Errorf("decoded content differs (err %v)", err)
	}
	cloudInitSchema(t, data)
}

func TestTooBig(t *testing.T) {
	files := map[string]string{"compose.yaml": small["compose.yaml"], "app.env": "A=1\n", "secrets/pw.txt": "x\n"}
	files["nginx.conf"] = incompressible(60000)
	g, o := load(t, files)
	_, ds := Emit(g, o)
	c := codes(ds)
	t.Log("\n" + c)
	if !strings.Contains(c, "CI001") || !strings.Contains(c, "nginx.conf (") {
		t.Errorf("want CI001 naming nginx.conf:\n%s", c)
	}
}

func TestNotShipped(t *testing.T) {
	g, o := load(t, map[string]string{
		"compose.yaml": "services:\n  app:\n    image: busybox\n    volumes: [/var/run/docker.sock:/s, ./big.bin:/b]\n",
		"big.bin":      "x",
	})
	o.Files["big.bin"] = translate.FileData{Problem: "it is larger than 1024 KiB"}
	data, ds := emit(t, g, o)
	c := codes(ds)
	t.Log("\n" + c)
	if strings.Count(c, "CI102") != 2 || !strings.Contains(c, "larger than") {
		t.Errorf("want two CI102:\n%s", c)
	}
	cloudInitSchema(t, data)
}

// cloudInitSchema validates data with `cloud-init schema` when it is
// installed; in CI it must be.
func cloudInitSchema(t *testing.T, data []byte) {
	t.Helper()
	bin, err := exec.LookPath("cloud-init")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cloud-init is not installed (apt-get install cloud-init)")
		}
		t.Log("cloud-init not installed: schema check skipped")
		return
	}
	f := filepath.Join(t.TempDir(), "user-data.yaml")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "schema", "-c", f).CombinedOutput()
	if err != nil {
		t.Errorf("cloud-init schema: %v\n%s\n%s", err, out, data)
	}
}
