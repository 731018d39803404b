package kubernetes

import (
	"path"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/transship/transship/translate"
)

// A read-only bind-mounted directory inside the project becomes a
// ConfigMap holding its files (text as data, the rest as binaryData, at
// most 1 MiB in all), mounted at the target, as kompose does; files in
// subdirectories keep their paths through the volume's items. A writable
// one stays a claim: a ConfigMap cannot be written to.

// dirData is a bind-mounted project directory that can be embedded.
func (p *plan) dirData(source string) (translate.DirData, bool) {
	dd, ok := p.o.Dirs[source]
	return dd, ok && dd.Problem == ""
}

// dirKeys gives each file of a directory a ConfigMap key: its path, with
// "/" and other characters keys may not hold as "_". A file whose path is
// already a key keeps it; the others, in the walk's (lexical) order, get
// "-2", "-3"... when that key is taken, so a/b and a_b both survive.
func dirKeys(dd translate.DirData) []string {
	keys := make([]string, len(dd.Files))
	used := map[string]bool{}
	for i, f := range dd.Files {
		if dataKey(f.Path) == f.Path {
			keys[i], used[f.Path] = f.Path, true
		}
	}
	for i, f := range dd.Files {
		if keys[i] != "" {
			continue
		}
		base := dataKey(strings.ReplaceAll(f.Path, "/", "_"))
		k := base
		for n := 2; used[k]; n++ {
			suffix := "-" + strconv.Itoa(n)
			k = base[:min(len(base), maxKey-len(suffix))] + suffix
		}
		keys[i], used[k] = k, true
	}
	return keys
}

// dirConfigMap writes the ConfigMap of a directory.
func (e *emitter) dirConfigMap(name string, dd translate.DirData) {
	cm := &corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: e.meta(name, name)}
	for i, k := range dirKeys(dd) {
		data, bin := configMapData(k, dd.Files[i].Data)
		for k, v := range data {
			if cm.Data == nil {
				cm.Data = map[string]string{}
			}
			cm.Data[k] = v
		}
		for k, v := range bin {
			if cm.BinaryData == nil {
				cm.BinaryData = map[string][]byte{}
			}
			cm.BinaryData[k] = v
		}
	}
	e.add("ConfigMap", name, cm)
}

// execMode is the mode of a file that was executable in the project: a
// ConfigMap volume's files are 0644 unless an item says otherwise.
const execMode = 0o755

// dirVolume mounts a directory's ConfigMap. Items put back the paths the
// keys could not keep, and the executable bit; when one is needed every
// file must be listed, as a volume with items holds only those.
func dirVolume(name string, dd translate.DirData) corev1.Volume {
	src := &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}
	keys := dirKeys(dd)
	need := false
	for i, k := range keys {
		need = need || k != dd.Files[i].Path || dd.Files[i].Exec
	}
	for i := range keys {
		if !need {
			break
		}
		item := corev1.KeyToPath{Key: keys[i], Path: dd.Files[i].Path}
		if dd.Files[i].Exec {
			item.Mode = int32p(execMode)
		}
		src.Items = append(src.Items, item)
	}
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{ConfigMap: src}}
}

// warnSecretFiles: a directory ConfigMap is readable by anyone with the
// view role, and the output is meant to be committed, so a file in it
// whose name says it is a secret (a private key, an env file of
// passwords) gets K8S152, as a secret written into a Secret does.
func (p *planner) warnSecretFiles(m translate.Mount) {
	dd, ok := p.dirData(m.Source)
	if !ok {
		return
	}
	var names []string
	for _, f := range dd.Files {
		if secretFileName(path.Base(f.Path)) {
			names = append(names, f.Path)
		}
	}
	if len(names) > 0 {
		p.warn(CodeSecretWritten, m.Src, "bind mount %s holds %s, which look like secrets: they are written into a ConfigMap in plain text; declare them as compose secrets instead (a Secret, or --secrets external)", m.Source, strings.Join(names, ", "))
	}
}

// secretFileName: names of private keys, keystores and env or
// credential files.
func secretFileName(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range []string{".key", ".pem", ".p12", ".pfx", ".jks", ".keystore", ".kdbx"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return lower == ".env" || strings.HasPrefix(lower, ".env.") || strings.HasSuffix(lower, ".env") ||
		strings.HasPrefix(lower, "id_rsa") || strings.HasPrefix(lower, "id_ed25519") || strings.HasPrefix(lower, "id_ecdsa") ||
		strings.Contains(lower, "credentials") || strings.Contains(lower, "secret") || lower == ".htpasswd" || lower == ".netrc" || lower == ".pgpass"
}
