package kubernetes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// bindDirProject writes a project, files given by path and content; a
// path ending in "*" is written executable (without the star).
func bindDirProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		mode := os.FileMode(0o644)
		if n, ok := strings.CutSuffix(name, "*"); ok {
			name, mode = n, 0o755
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// emitDirs converts a project as the CLI does, directories read at the
// edge, and returns the files by path.
func emitDirs(t *testing.T, dir string) (map[string][]byte, diag.Diagnostics) {
	t.Helper()
	g := loadGraphDir(t, dir)
	files, ds := Emit(g, Options{Dirs: translate.ReadProjectDirs(g, g.EmbeddableDirs(), translate.MaxEmbeddedFile)})
	out := map[string][]byte{}
	for _, f := range files {
		out[f.Path] = f.Data
	}
	return out, ds
}

func decodeInto(t *testing.T, files map[string][]byte, name string, obj any) {
	t.Helper()
	data, ok := files[name]
	if !ok {
		t.Fatalf("no %s among %v", name, keys(stringFiles(files)))
	}
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func stringFiles(files map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[k] = string(v)
	}
	return out
}

// podVolume finds a volume of a Deployment's pod by name.
func podVolume(t *testing.T, d *appsv1.Deployment, name string) corev1.Volume {
	t.Helper()
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no volume %s in %v", name, d.Spec.Template.Spec.Volumes)
	return corev1.Volume{}
}

// A read-only bind-mounted directory was an empty claim (K8S113) whose
// files had to be copied by hand; now it is a ConfigMap of its files:
// text as data, binary as binaryData, nested and executable files put
// back by items, every byte as in the project.
func TestBindDirectoryConfigMap(t *testing.T) {
	files := map[string]string{
		"compose.yaml":         "services:\n  web:\n    image: nginx\n    volumes:\n      - ./conf:/etc/nginx/conf.d:ro\n      - ./data:/data\n",
		"conf/default.conf":    "server {}\n",
		"conf/snippets/a.conf": "# a\n",
		"conf/logo.bin":        "\xff\x00\x01",
		"conf/run.sh*":         "#!/bin/sh\necho hi\n",
		"data/x":               "x",
	}
	out, ds := emitDirs(t, bindDirProject(t, files))
	var cm corev1.ConfigMap
	decodeInto(t, out, "conf-configmap.yaml", &cm)
	wantText := map[string]string{"default.conf": "server {}\n", "snippets_a.conf": "# a\n", "run.sh": "#!/bin/sh\necho hi\n"}
	if len(cm.Data) != len(wantText) {
		t.Errorf("data = %v, want %v", cm.Data, wantText)
	}
	for k, v := range wantText {
		if cm.Data[k] != v {
			t.Errorf("data[%s] = %q, want %q", k, cm.Data[k], v)
		}
	}
	if len(cm.BinaryData) != 1 || string(cm.BinaryData["logo.bin"]) != "\xff\x00\x01" {
		t.Errorf("binaryData = %v", cm.BinaryData)
	}
	var d appsv1.Deployment
	decodeInto(t, out, "web-deployment.yaml", &d)
	v := podVolume(t, &d, "conf")
	if v.ConfigMap == nil || v.ConfigMap.Name != "conf" {
		t.Fatalf("volume conf = %+v", v)
	}
	wantItems := map[string]string{"default.conf": "default.conf", "logo.bin": "logo.bin", "run.sh": "run.sh", "snippets_a.conf": "snippets/a.conf"}
	if len(v.ConfigMap.Items) != len(wantItems) {
		t.Errorf("items = %+v, want one per file", v.ConfigMap.Items)
	}
	for _, it := range v.ConfigMap.Items {
		if wantItems[it.Key] != it.Path {
			t.Errorf("item %s -> %s, want %s", it.Key, it.Path, wantItems[it.Key])
		}
		if exec := it.Mode != nil && *it.Mode == 0o755; exec != (it.Key == "run.sh") {
			t.Errorf("item %s mode %v", it.Key, it.Mode)
		}
	}
	m := d.Spec.Template.Spec.Containers[0].VolumeMounts
	if !strings.Contains(string(out["web-deployment.yaml"]), "mountPath: /etc/nginx/conf.d\n              name: conf\n              readOnly: true") {
		t.Errorf("mounts = %+v", m)
	}
	// The writable directory stays a claim, saying why.
	if _, ok := out["data-persistentvolumeclaim.yaml"]; !ok {
		t.Error("the writable directory is not a claim")
	}
	if _, ok := out["conf-persistentvolumeclaim.yaml"]; ok {
		t.Error("the read-only directory is still a claim")
	}
	if n := countCode(ds, CodeBindDir); n != 1 || !hasCodeAt(ds, CodeBindDir, "services.web.volumes[1]") ||
		!anyDiag(ds, CodeBindDir, func(d diag.Diagnostic) bool { return strings.Contains(d.Message, "service web writes to") }) {
		t.Errorf("want one K8S113, for ./data: %v", ds)
	}
}

func countCode(ds diag.Diagnostics, code string) int {
	n := 0
	for _, d := range ds {
		if d.Code == code {
			n++
		}
	}
	return n
}

// Flat directories need no items: the keys are the file names.
func TestBindDirectoryFlatHasNoItems(t *testing.T) {
	out, _ := emitDirs(t, bindDirProject(t, map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes: [\"./conf:/etc/conf:ro\"]\n",
		"conf/a.conf":  "a", "conf/b.conf": "b",
	}))
	var d appsv1.Deployment
	decodeInto(t, out, "web-deployment.yaml", &d)
	if v := podVolume(t, &d, "conf"); v.ConfigMap == nil || v.ConfigMap.Items != nil {
		t.Errorf("volume = %+v", v)
	}
}

// a/b and a_b would both be key a_b: the file named a_b keeps it (it
// needs no item), the nested one gets a_b-2, and each lands at its path.
// Before, the first walked (a/b) took a_b, and the file a_b was renamed.
func TestBindDirectoryKeyCollision(t *testing.T) {
	out, _ := emitDirs(t, bindDirProject(t, map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes: [\"./conf:/etc/conf:ro\"]\n",
		"conf/a/b":     "nested", "conf/a_b": "flat", "conf/a_b-2": "taken",
	}))
	var cm corev1.ConfigMap
	decodeInto(t, out, "conf-configmap.yaml", &cm)
	want := map[string]string{"a_b": "flat", "a_b-2": "taken", "a_b-3": "nested"}
	if len(cm.Data) != 3 {
		t.Errorf("data = %v, want %v", cm.Data, want)
	}
	for k, v := range want {
		if cm.Data[k] != v {
			t.Errorf("data[%s] = %q, want %q", k, cm.Data[k], v)
		}
	}
	var d appsv1.Deployment
	decodeInto(t, out, "web-deployment.yaml", &d)
	paths := map[string]string{}
	for _, it := range podVolume(t, &d, "conf").ConfigMap.Items {
		paths[it.Key] = it.Path
	}
	if paths["a_b"] != "a_b" || paths["a_b-2"] != "a_b-2" || paths["a_b-3"] != "a/b" || len(paths) != 3 {
		t.Errorf("items = %v", paths)
	}
}

// One service writing to a directory that another mounts read-only: both
// share the claim (compose shares the one directory). Before, the reader
// got a ConfigMap copy that never saw the writes, and the claim knew one
// user only.
func TestBindDirectorySharedWithWriter(t *testing.T) {
	out, ds := emitDirs(t, bindDirProject(t, map[string]string{
		"compose.yaml": "services:\n  reader:\n    image: nginx\n    volumes: [\"./shared:/in:ro\"]\n  writer:\n    image: busybox\n    volumes: [\"./shared:/out\"]\n",
		"shared/x":     "x",
	}))
	if _, ok := out["shared-configmap.yaml"]; ok {
		t.Error("the reader got a ConfigMap copy")
	}
	var d appsv1.Deployment
	decodeInto(t, out, "reader-deployment.yaml", &d)
	if v := podVolume(t, &d, "shared"); v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "shared" {
		t.Errorf("reader's volume = %+v", v)
	}
	if !anyDiag(ds, CodeBindDir, func(d diag.Diagnostic) bool { return strings.Contains(d.Message, "service writer writes to") }) {
		t.Errorf("want K8S113 naming the writer: %v", ds)
	}
	var c corev1.PersistentVolumeClaim
	decodeInto(t, out, "shared-persistentvolumeclaim.yaml", &c)
	if len(c.Spec.AccessModes) != 1 || c.Spec.AccessModes[0] == corev1.ReadWriteOnce || c.Spec.AccessModes[0] == corev1.ReadWriteOncePod {
		t.Errorf("a claim two services mount is %v", c.Spec.AccessModes)
	}
}

// A writable bind inside (or around) a read-only directory writes into
// it under compose, which shares the one host directory. Before, only the
// same source counted as a writer, so the reader of ./data got a frozen
// ConfigMap copy that never saw what writer put in ./data/uploads.
func TestBindDirectoryWriterInsideOrAround(t *testing.T) {
	for name, writer := range map[string]string{
		"inside":      "./shared/uploads:/u",
		"file inside": "./shared/log.txt:/log.txt",
		"around":      ".:/w",
	} {
		t.Run(name, func(t *testing.T) {
			out, ds := emitDirs(t, bindDirProject(t, map[string]string{
				"compose.yaml":     "services:\n  reader:\n    image: nginx\n    volumes: [\"./shared:/in:ro\"]\n  writer:\n    image: busybox\n    volumes: [\"" + writer + "\"]\n",
				"shared/x":         "x",
				"shared/log.txt":   "",
				"shared/uploads/y": "y",
			}))
			if _, ok := out["shared-configmap.yaml"]; ok {
				t.Error("the reader got a ConfigMap copy")
			}
			if !anyDiag(ds, CodeBindDir, func(d diag.Diagnostic) bool {
				return strings.Contains(d.Message, "bind mount shared is a directory service writer writes to")
			}) {
				t.Errorf("want K8S113 naming the writer: %v", ds)
			}
		})
	}
}

// The project directory itself, bound whole, is named "project", for its
// ConfigMap and for its claim. Before, both were "x" (all dnsName kept of
// ".").
func TestBindProjectDirName(t *testing.T) {
	out, _ := emitDirs(t, bindDirProject(t, map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes: [\".:/src:ro\"]\n",
	}))
	if _, ok := out["project-configmap.yaml"]; !ok {
		t.Errorf("no project-configmap.yaml among %v", keys(stringFiles(out)))
	}
	out, _ = emitDirs(t, bindDirProject(t, map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes: [\".:/src\"]\n",
	}))
	if _, ok := out["project-persistentvolumeclaim.yaml"]; !ok {
		t.Errorf("no project-persistentvolumeclaim.yaml among %v", keys(stringFiles(out)))
	}
	for src, want := range map[string]string{".": "project", "./": "project", "..": "parent", "../..": "parent", "../conf": "conf", "./a.conf": "a-conf"} {
		if got := bindName(src); got != want {
			t.Errorf("bindName(%q) = %q, want %q", src, got, want)
		}
	}
}

// More than 1 MiB in all stays a claim, with the reason, at the volumes
// entry.
func TestBindDirectoryTooLarge(t *testing.T) {
	dir := bindDirProject(t, map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx\n    volumes:\n      - ./big:/big:ro\n",
		"big/b":        "x",
	})
	if err := os.WriteFile(filepath.Join(dir, "big", "a"), make([]byte, translate.MaxEmbeddedFile), 0o644); err != nil {
		t.Fatal(err)
	}
	out, ds := emitDirs(t, dir)
	if _, ok := out["big-persistentvolumeclaim.yaml"]; !ok {
		t.Error("no claim")
	}
	if !anyDiag(ds, CodeBindDir, func(d diag.Diagnostic) bool {
		return d.Path == "services.web.volumes[0]" && d.Pos.Line == 5 && strings.Contains(d.Message, "larger than 1024 KiB in all")
	}) {
		t.Errorf("want K8S113 at 5 services.web.volumes[0] giving the limit: %v", ds)
	}
}

// A directory ConfigMap holding files named like secrets (a private key,
// an env file) says so with K8S152 at the mount, once per directory; one
// with none says nothing (the review found server.key and .env carried in
// plain ConfigMaps without a word).
func TestDirConfigMapWarnsOfSecretFiles(t *testing.T) {
	dir := bindDirProject(t, map[string]string{
		"compose.yaml":     "services:\n  web:\n    image: nginx\n    volumes: [\"./certs:/etc/ssl/private:ro\", \"./conf:/etc/conf:ro\"]\n  api:\n    image: nginx\n    volumes: [\"./certs:/certs:ro\"]\n",
		"certs/server.key": "-----BEGIN PRIVATE KEY-----\n", "certs/.env": "PW=x\n", "certs/ca.crt": "c",
		"conf/app.conf": "a",
	})
	files, ds := emitDirs(t, dir)
	if _, ok := files["certs-configmap.yaml"]; !ok {
		t.Fatalf("certs is not a ConfigMap: %v", keys(stringFiles(files)))
	}
	var got []string
	for _, d := range ds {
		if d.Code == CodeSecretWritten {
			got = append(got, d.Path+": "+d.Message)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], "services.api.volumes[0]") || !strings.Contains(got[0], ".env, server.key") || strings.Contains(got[0], "ca.crt") {
		t.Errorf("want one K8S152 at services.api.volumes[0] (the first by name) naming .env and server.key, got %q", got)
	}
}

// Keys the API server refuses are never written: one starting with ".."
// (a ConfigMap volume's own ..data), or longer than 253 characters, also
// after a collision suffix (review2 item 7).
func TestDirKeysAreValid(t *testing.T) {
	long := strings.Repeat("a", 300)
	dd := translate.DirData{Files: []translate.DirFile{{Path: "a/" + long}, {Path: "a_" + long}, {Path: "b/..x"}}}
	for _, k := range dirKeys(dd) {
		if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
			t.Errorf("key %q: %v", k, errs)
		}
	}
	if k := dataKey("..x"); k != "_..x" {
		t.Errorf(`dataKey("..x") = %q`, k)
	}
}
