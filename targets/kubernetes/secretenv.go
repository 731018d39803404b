package kubernetes

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/transship/transship/internal/lazy"
	"github.com/transship/transship/translate"
)

// Secrets in the output. The manifests are meant to be committed, and a
// Secret holds its data in base64, not encrypted: so a secret written
// into the output is a warning (K8S152), and --secrets external keeps
// every secret out of it: the pods still refer to the Secrets, and a
// warning gives the command that creates each one (K8S117).
//
// Variables a service lists in x-transship.secret_env go into one Secret
// per service, <name>-env, that the container reads with secretKeyRef;
// a variable whose name says it is secret and that is still inlined into
// the workload is warning K8S153.

// secretLooking are names of variables that hold secrets by convention;
// a name ending in FILE (POSTGRES_PASSWORD_FILE) holds the path of one,
// which is no secret.
var (
	secretLooking = lazy.Regexp(`(?i)(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|(^|_)KEY$|API_?KEY|CREDENTIAL)`)
	secretPath    = lazy.Regexp(`(?i)_FILE$`)
)

// planEnvSecret names the Secret of a service's secret variables.
func (p *planner) planEnvSecret(si *svcInfo) {
	if len(si.s.Ext.SecretEnv) > 0 {
		si.envSecret = p.unique("Secret", joinName(si.name, "env", 63), "environment of "+si.s.Name)
	}
}

// env renders the environment in compose's order (sorted by name in the
// Graph): secret variables by reference, the rest inline, with a warning
// for those that look secret. A variable compose left unresolved is not
// set at all, as in compose.
func (e *emitter) env(si *svcInfo) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, v := range si.s.Env {
		if v.Value == nil {
			continue
		}
		if slices.Contains(si.s.Ext.SecretEnv, v.Name) {
			out = append(out, corev1.EnvVar{Name: v.Name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: si.envSecret}, Key: dataKey(v.Name)}}})
			continue
		}
		if e.fromEnvFile(v) {
			continue // envFrom its env file's ConfigMap (envfile.go)
		}
		if by := e.keptFromConfigMap(v); by != "" {
			e.warn(CodeSecretEnv, v.Src, "%s is in x-transship.secret_env of service %s, so the ConfigMap of env file %s leaves it out; service %s, which does not list it, gets its value inline in the %s %s", v.Name, by, v.EnvFile, si.s.Name, si.podOf().kind, si.podOf().name)
		} else {
			e.secretLookingEnv(v, si.podOf().kind, si.podOf().name)
		}
		out = append(out, corev1.EnvVar{Name: v.Name, Value: escape(*v.Value)})
	}
	return out
}

// secretLookingEnv warns when v looks like a secret and its value is
// written into the object kind/name.
func (e *emitter) secretLookingEnv(v translate.EnvVar, kind, name string) {
	if *v.Value != "" && secretLooking().MatchString(v.Name) && !secretPath().MatchString(v.Name) {
		e.warn(CodeSecretEnv, v.Src, "%s looks like a secret and its value is written into the %s %s; list it in x-transship.secret_env to move it into a Secret", v.Name, kind, name)
	}
}

// envSecrets writes the Secret of each service's secret variables, or,
// with --secrets external, says how to create it.
func (e *emitter) envSecrets() {
	for _, s := range e.g.Services {
		si := e.svc[s.Name]
		if si.envSecret == "" {
			continue
		}
		data := map[string][]byte{}
		var args []string
		for _, v := range s.Env {
			if v.Value != nil && slices.Contains(s.Ext.SecretEnv, v.Name) {
				data[dataKey(v.Name)] = []byte(*v.Value)
				args = append(args, "--from-literal="+dataKey(v.Name)+"=...")
			}
		}
		src := sub(s.Src, "x-transship.secret_env")
		if e.o.ExternalSecrets {
			e.warn(CodeNotEmbedded, src, "the secret variables of service %s are kept out of the output (--secrets external); create their Secret before the pods can start: kubectl create secret generic %s %s", s.Name, si.envSecret, strings.Join(args, " "))
			continue
		}
		e.warn(CodeSecretWritten, src, "the values of %s are written into Secret %s, base64 but not encrypted: keep the output out of version control, or use --secrets external", strings.Join(s.Ext.SecretEnv, ", "), si.envSecret)
		e.add("Secret", si.envSecret, &corev1.Secret{TypeMeta: typeMeta("v1", "Secret"), ObjectMeta: e.meta(si.envSecret, si.name),
			Type: corev1.SecretTypeOpaque, Data: data})
	}
}

// secretFromCommand is the kubectl flag that fills a secret's key from
// what compose reads it from.
func secretFromCommand(s *translate.Secret, key string) string {
	if s.File != "" {
		return "--from-file=" + key + "=" + s.File
	}
	return "--from-file=" + key + "=FILE"
}
