package kubernetes

import (
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/transship/transship/internal/lazy"
	"github.com/transship/transship/translate"
)

// --env-from-configmap: each env_file becomes one ConfigMap that the
// containers of its services read with envFrom, as kompose does, so an
// edited env file changes one object; inlining every variable stays the
// default. A variable that environment: sets stays in env, which wins
// over envFrom as environment: wins over env_file in compose. Values in a
// ConfigMap are not expanded by Kubernetes, so they need no $$ escaping.

// configMapKey is what envFrom takes as a variable; others stay inline.
var configMapKey = lazy.Regexp(`^[-._a-zA-Z0-9]+$`)

// fromEnvFile: v is read from its env file's ConfigMap. A variable that
// any service lists in x-transship.secret_env is not: the ConfigMap is
// shared by every reader of the file, and would show it in plain text
// (to the service that asked for a Secret too, through envFrom).
func (p *plan) fromEnvFile(v translate.EnvVar) bool {
	return p.o.EnvFromConfigMap && v.EnvFile != "" && v.Value != nil && configMapKey().MatchString(v.Name) && p.secretEnv[v.Name] == ""
}

// keptFromConfigMap: v, read from an env file, would be in its ConfigMap
// but a service lists it as a secret; the service that reads it returns
// who.
func (p *plan) keptFromConfigMap(v translate.EnvVar) string {
	if !p.o.EnvFromConfigMap || v.EnvFile == "" || v.Value == nil {
		return ""
	}
	return p.secretEnv[v.Name]
}

// planEnvFiles names the ConfigMap of every env file some variable is
// read from.
func (p *planner) planEnvFiles() {
	p.secretEnv = map[string]string{}
	for _, s := range p.g.Services {
		for _, n := range s.Ext.SecretEnv {
			if p.secretEnv[n] == "" {
				p.secretEnv[n] = s.Name
			}
		}
	}
	for _, s := range p.g.Services {
		for _, v := range s.Env {
			if k := "envfile:" + v.EnvFile; p.fromEnvFile(v) && p.fileObj[k] == "" {
				p.fileObj[k] = p.unique("ConfigMap", joinName(dnsName(v.EnvFile, 63), "env", 63), "env file "+v.EnvFile)
			}
		}
	}
}

// envFrom are the ConfigMaps of si's env files, in the order compose
// reads them (a later file wins: so does a later envFrom entry).
func (e *emitter) envFrom(si *svcInfo) []corev1.EnvFromSource {
	var out []corev1.EnvFromSource
	for _, f := range si.s.EnvFiles {
		if name := e.fileObj["envfile:"+f]; name != "" && e.usesEnvFile(si.s, f) {
			out = append(out, corev1.EnvFromSource{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}})
		}
	}
	return out
}

func (e *emitter) usesEnvFile(s *translate.Service, f string) bool {
	for _, v := range s.Env {
		if v.EnvFile == f && e.fromEnvFile(v) {
			return true
		}
	}
	return false
}

// envFileMaps writes each env file's ConfigMap: the variables its
// services read from it.
func (e *emitter) envFileMaps() {
	data := map[string]map[string]string{}
	for _, s := range e.g.Services {
		for _, v := range s.Env {
			if !e.fromEnvFile(v) {
				continue
			}
			name := e.fileObj["envfile:"+v.EnvFile]
			if data[name] == nil {
				data[name] = map[string]string{}
			}
			if _, seen := data[name][v.Name]; !seen {
				data[name][v.Name] = *v.Value
				e.secretLookingEnv(v, "ConfigMap", name)
			}
		}
	}
	names := make([]string, 0, len(data))
	for n := range data {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cm := &corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: e.meta(n, n), Data: data[n]}
		e.add("ConfigMap", n, cm)
	}
}
