package kubernetes

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/transship/transship/internal/lazy"
	"github.com/transship/transship/translate"
)

// Secrets and configs: each compose secret is a Secret, each config a
// ConfigMap, holding one key (the compose name) that is mounted as a file
// at its target: /run/secrets/<name> by default, as in compose. A file
// secret is embedded (read at the edge, inside the project only); a
// secret from an environment variable only when the user passes its
// value explicitly. A secret that cannot be embedded is still mounted:
// the pod waits until someone creates it, and a warning gives the
// command, instead of kompose's dangling reference.

var keyChars = lazy.Regexp(`[^-._a-zA-Z0-9]+`)

// dataKey is a valid Secret/ConfigMap key for a compose name.
// maxKey is the longest key a Secret or ConfigMap may hold.
const maxKey = 253

func dataKey(name string) string {
	k := keyChars().ReplaceAllString(name, "_")
	// The API server refuses "." and "..", and keys starting with "..",
	// which a ConfigMap volume keeps for its own links (..data); and keys
	// longer than 253.
	if k == "." || k == "" || strings.HasPrefix(k, "..") {
		k = "_" + k
	}
	if len(k) > maxKey {
		k = k[:maxKey]
	}
	return k
}

// objectOf names the Secret or ConfigMap a mount reads, and its key.
func (p *plan) objectOf(m translate.Mount) (string, string) {
	if m.Kind == translate.MountSecret {
		for _, s := range p.g.Secrets {
			if s.Name == m.Source {
				return p.secretName(s), dataKey(s.Name)
			}
		}
	}
	for _, c := range p.g.Configs {
		if c.Name == m.Source {
			return p.configName(c), dataKey(c.Name)
		}
	}
	return dnsName(m.Source, 63), dataKey(m.Source)
}

// nameFileObjects names every Secret and ConfigMap of a secret or config
// before any pod refers to one. External ones keep their real name.
func (p *planner) nameFileObjects() {
	p.fileObj = map[string]string{}
	for _, s := range p.g.Secrets {
		name := dnsName(s.RealName, 253)
		if !s.External {
			name = p.unique("Secret", dnsName(s.Name, 63), "secret "+s.Name)
		}
		p.fileObj["secret:"+s.Name] = name
	}
	for _, c := range p.g.Configs {
		name := dnsName(c.RealName, 253)
		if !c.External {
			name = p.unique("ConfigMap", dnsName(c.Name, 63), "config "+c.Name)
		}
		p.fileObj["config:"+c.Name] = name
	}
}

func (p *plan) secretName(s *translate.Secret) string { return p.fileObj["secret:"+s.Name] }
func (p *plan) configName(c *translate.Config) string { return p.fileObj["config:"+c.Name] }

func (e *emitter) secrets() {
	for _, s := range e.g.Secrets {
		if len(s.Users) == 0 {
			continue
		}
		name, key := e.secretName(s), dataKey(s.Name)
		data, why := e.secretData(s)
		if why != "" {
			e.warn(CodeNotEmbedded, s.Src, "secret %s %s; create it before the pods can start: kubectl create secret generic %s %s", s.Name, why, name, secretFromCommand(s, key))
			continue
		}
		if s.File != "" {
			e.warn(CodeSecretWritten, s.Src, "secret %s (file %s) is written into Secret %s, base64 but not encrypted: keep the output out of version control, or use --secrets external", s.Name, s.File, name)
		}
		e.add("Secret", name, &corev1.Secret{TypeMeta: typeMeta("v1", "Secret"), ObjectMeta: e.meta(name, name),
			Type: corev1.SecretTypeOpaque, Data: map[string][]byte{key: data}})
	}
}

// secretData is a secret's content, or why it is not in the output.
func (e *emitter) secretData(s *translate.Secret) ([]byte, string) {
	switch {
	case s.External:
		return nil, "is external"
	case e.o.ExternalSecrets:
		return nil, "is kept out of the output (--secrets external)"
	case s.EnvVar != "":
		if v, ok := e.o.SecretValues[s.Name]; ok {
			return v, ""
		}
		return nil, fmt.Sprintf("comes from the environment variable %s, which is only embedded with --secrets-from-env", s.EnvVar)
	case s.File != "":
		fd, ok := e.o.Files[s.File]
		if !ok {
			return nil, "file " + s.File + " was not read"
		}
		if fd.Problem != "" {
			return nil, "file " + s.File + " is not embedded: " + fd.Problem
		}
		return fd.Data, ""
	}
	return nil, "has no content"
}

func (e *emitter) configs() {
	for _, c := range e.g.Configs {
		if len(c.Users) == 0 {
			continue
		}
		name, key := e.configName(c), dataKey(c.Name)
		var data []byte
		switch {
		case c.External:
			e.warn(CodeNotEmbedded, c.Src, "config %s is external: a ConfigMap named %s with the key %s must exist", c.Name, name, key)
			continue
		case c.Content != nil:
			data = []byte(*c.Content)
		default:
			fd, ok := e.o.Files[c.File]
			if !ok || fd.Problem != "" {
				why := "was not read"
				if ok {
					why = "is not embedded: " + fd.Problem
				}
				e.warn(CodeNotEmbedded, c.Src, "config %s: file %s %s; create it: kubectl create configmap %s --from-file=%s=FILE", c.Name, c.File, why, name, key)
				continue
			}
			data = fd.Data
		}
		e.configMap(name, name, key, data)
	}
}
