package kubernetes

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The API server decodes YAML with sigs.k8s.io/yaml (YAML 1.1 rules).
// Whatever string the emitter writes, plain, quoted or as a literal
// block, must decode to the same string there.
func TestScalarsRoundTrip(t *testing.T) {
	fixed := []string{"", "y", "Y", "yes", "No", "on", "OFF", "true", "null", "~", "0755", "1e3", "0x1F", "1:20",
		".inf", "-1", "+1", "12", "1.5", "512Mi", "250m", "1E", "0b1", "0o17", "-c", "--flag=x", "- x", "a: b", "a:b",
		"a #b", "a#b", "#x", "&a", "*a", "!t", "%x", "@x", "`x", "|x", ">x", "'x'", "\"x\"", "[x]", "{x}", "x,y",
		"multi\nline\n", "multi\nline", "trail\n\n\n", "\nlead", " lead", "trail ", "tab\tx", "a\r\nb", "é", "\x00",
		"2001-12-14t21:59:43.10-05:00", "2002-12-14", "=", "<<", "$(VAR)", "http://x/?a=b&c", "=x", "x=", "1_000"}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab01 :#-\n\t\"'\\$(){}[],&*!|>%@`.~=+?yYnNe\x00\u00e9\u2028")
	for range 20000 {
		n := r.IntN(40)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		fixed = append(fixed, b.String())
	}
	for _, s := range fixed {
		cm := &corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), Data: map[string]string{"k": s, s + "k": "v"}}
		cm.Name = "x"
		data, err := marshal(cm)
		if err != nil {
			t.Fatal(err)
		}
		var back corev1.ConfigMap
		if err := yaml.UnmarshalStrict(data, &back); err != nil {
			t.Fatalf("%q: the API server's decoder rejects\n%s\n%v", s, data, err)
		}
		if !reflect.DeepEqual(back.Data, cm.Data) {
			t.Fatalf("%q: read back as %q from\n%s", s, back.Data, data)
		}
	}
}

func TestMarshalDropsNoise(t *testing.T) {
	data, err := marshal(&corev1.Pod{TypeMeta: typeMeta("v1", "Pod"), Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "b"}},
		Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	want := `apiVersion: v1
kind: Pod
spec:
  containers:
    - image: b
      name: a
  volumes:
    - emptyDir: {}
      name: tmp
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestLiteralBlocks(t *testing.T) {
	data, _ := marshal(map[string]any{"a": "line 1\nline 2\n", "b": "x\ny", "c": "p\nq\n\n"})
	want := "a: |\n  line 1\n  line 2\nb: |-\n  x\n  y\nc: |+\n  p\n  q\n\n"
	if string(data) != want {
		t.Errorf("got\n%q\nwant\n%q", data, want)
	}
}

// TestTemplateEscapesKeys: a "{{" in a key of a template's tree is text
// too, as in a value, however deep (a map in a list in a map); the
// manifests' writer leaves both alone. The old writer escaped values only.
func TestTemplateEscapesKeys(t *testing.T) {
	tree := map[string]any{"data": map[string]any{"{{ x }}.conf": "a {{ y }}"},
		"items": []any{map[string]any{"k{{": "v", "plain": Raw("{{ .Values.v }}")}}}
	got := string(Template(tree))
	want := "data:\n  \"{{\"{{\"}} x }}.conf\": \"a {{\"{{\"}} y }}\"\nitems:\n  - \"k{{\"{{\"}}\": v\n    plain: {{ .Values.v }}\n"
	if got != want {
		t.Errorf("Template:\n%s\nwant:\n%s", got, want)
	}
	if got, want := string(YAML(tree)), "data:\n  \"{{ x }}.conf\": \"a {{ y }}\"\nitems:\n  - \"k{{\": v\n    plain: {{ .Values.v }}\n"; got != want {
		t.Errorf("YAML:\n%s\nwant:\n%s", got, want)
	}
	if got, want := TemplateAt(map[string]any{"{{": "}}"}, 4), "    \"{{\"{{\"}}\": \"}}\"\n"; got != want {
		t.Errorf("TemplateAt: %q, want %q", got, want)
	}
}
