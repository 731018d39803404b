package site

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/transship/transship/schema"
	"github.com/transship/transship/translate"
)

// generic is the built-in generic profile's Kubernetes part, which the
// other expectations start from.
var generic = Kubernetes{TLSIssuerKind: "ClusterIssuer", VolumeSize: "1Gi", LoadBalancer: true,
	PublishedPorts: "ClusterIP", NetworkPolicies: true}

// with returns generic changed by f, so each expectation shows only what
// differs from it.
func with(f func(*Kubernetes)) Kubernetes {
	k := generic
	f(&k)
	return k
}

var egiIM = with(func(k *Kubernetes) {
	k.TLSIssuer = "letsencrypt-prod"
	k.StorageClass, k.SharedStorageClass = "managed-nfs-storage", "managed-nfs-storage"
	k.LoadBalancer, k.PublishedPorts = false, "NodePort"
})

var egiRancher = with(func(k *Kubernetes) {
	k.IngressClass = "nginx-traefik"
	k.IngressAnnotations = map[string]string{"kubernetes.io/ingress.class": "nginx-traefik"}
	k.TLSIssuer = "letsencrypt-gateway"
	k.StorageClass, k.SharedStorageClass = "nfs-csi", "nfs-csi"
	k.LoadBalancer, k.RunAsNonRoot = false, true
})

func TestBuiltins(t *testing.T) {
	want := map[string]struct {
		extends string
		k       Kubernetes
	}{
		"generic":     {"", generic},
		"egi-im":      {"generic", egiIM},
		"egi-rancher": {"generic", egiRancher},
	}
	var names []string
	for _, info := range Builtins() {
		names = append(names, info.Name)
		if info.Description == "" {
			t.Errorf("%s: no description", info.Name)
		}
		p, diags := Load(info.Name, nil)
		if len(diags) > 0 || p == nil {
			t.Fatalf("%s: %v", info.Name, diags)
		}
		w := want[info.Name]
		if p.Name != info.Name || p.Extends != w.extends || p.Description != info.Description {
			t.Errorf("%s: name %q extends %q description %q", info.Name, p.Name, p.Extends, p.Description)
		}
		if !reflect.DeepEqual(p.Kubernetes, w.k) {
			t.Errorf("%s:\n got %+v\nwant %+v", info.Name, p.Kubernetes, w.k)
		}
	}
	if !slices.Equal(names, []string{"egi-im", "egi-rancher", "generic"}) {
		t.Errorf("Builtins() = %v", names)
	}
	if im := Builtins()[0]; !strings.Contains(im.Description, "nip.io") {
		t.Errorf("%s's description should tell users to set a domain such as <public-ip>.nip.io", im.Name)
	}
}

// A file that extends nothing starts from defaults(), which must be what
// generic spells out.
func TestDefaultsAreGeneric(t *testing.T) {
	p, diags := Load("empty.hcl", fake(map[string]string{"empty.hcl": "# nothing\n"}))
	if len(diags) > 0 || !reflect.DeepEqual(p.Kubernetes, generic) || p.Name != "empty" {
		t.Errorf("got %+v, %v", p, diags)
	}
}

func TestExtends(t *testing.T) {
	lab := with(func(k *Kubernetes) {
		*k = egiIM
		k.Domain, k.VolumeSize = "203.0.113.7.nip.io", "5Gi"
		k.IngressAnnotations = map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "64m"}
		k.NFS = &NFS{Server: "10.0.0.5", Path: "/exports/k8s"}
	})
	rancherLab := with(func(k *Kubernetes) {
		*k = egiRancher
		k.IngressAnnotations = map[string]string{ // merged, not replaced
			"kubernetes.io/ingress.class":                 "nginx-traefik",
			"nginx.ingress.kubernetes.io/proxy-body-size": "64m",
		}
		k.TLSIssuer, k.TLSIssuerKind = "project-issuer", "Issuer"
	})
	project := with(func(k *Kubernetes) {
		*k = rancherLab
		k.IngressAnnotations = maps.Clone(rancherLab.IngressAnnotations)
		k.IngressAnnotations["nginx.ingress.kubernetes.io/proxy-body-size"] = "1g" // the child wins
		k.Domain, k.StorageClass, k.VolumeSize = "team.dyn.cloud.e-infra.cz", "csi-ceph-rbd-du", "20Gi"
	})
	egiDesc := Builtins()[0].Description
	cases := []struct {
		ref, name, extends, description string
		k                               Kubernetes
	}{
		{"testdata/lab.hcl", "lab", "egi-im", egiDesc, lab},
		{"testdata/lab.hcl.json", "lab", "egi-im", egiDesc, lab},
		{"testdata/rancher-lab.hcl", "rancher-lab", "egi-rancher", "Our project on containers.egi.eu", rancherLab},
		{"testdata/chain/project.hcl", "project", "team/team.hcl", "Our project on containers.egi.eu", project},
	}
	for _, tc := range cases {
		p, diags := Load(tc.ref, os.ReadFile)
		if len(diags) > 0 {
			t.Fatalf("%s: %v", tc.ref, diags)
		}
		got := Profile{Name: p.Name, Extends: p.Extends, Description: p.Description, Kubernetes: p.Kubernetes}
		want := Profile{Name: tc.name, Extends: tc.extends, Description: tc.description, Kubernetes: tc.k}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.ref, got, want)
		}
	}
}

// Each case is a set of files and the diagnostics loading the first one
// gives, formatted as the CLI prints them.
func TestErrors(t *testing.T) {
	cases := []struct {
		name, ref string
		files     map[string]string // for a fake read; nil reads testdata
		want      []string
	}{
		{"unknown argument", "s.hcl", map[string]string{"s.hcl": "kubernetes {\n  ingress_clas = \"nginx\"\n}\n"}, []string{
			`s.hcl:2:3: error[SITE003]: kubernetes.ingress_clas: Unsupported argument; An argument named "ingress_clas" is not expected here. Did you mean "ingress_class"?`}},
		{"unknown block", "s.hcl", map[string]string{"s.hcl": "slurm {\n}\n"}, []string{
			`s.hcl:1:1: error[SITE003]: slurm: Unsupported block type; Blocks of type "slurm" are not expected here.`}},
		{"attribute written as a block", "s.hcl", map[string]string{"s.hcl": "kubernetes = {}\n"}, []string{
			`s.hcl:1:1: error[SITE003]: kubernetes: Unsupported argument; An argument named "kubernetes" is not expected here. Did you mean to define a block of type "kubernetes"?`}},
		{"duplicate block", "s.hcl", map[string]string{"s.hcl": "kubernetes {\n}\nkubernetes {\n}\n"}, []string{
			`s.hcl:3:1: error[SITE003]: kubernetes: Duplicate kubernetes block; Only one kubernetes block is allowed. Another was defined at s.hcl:1,1-11.`}},
		{"nfs without path", "s.hcl", map[string]string{"s.hcl": "kubernetes {\n  nfs {\n    server = \"nfs.example.org\"\n  }\n}\n"}, []string{
			`s.hcl:2:7: error[SITE003]: kubernetes.nfs: Missing required argument; The argument "path" is required, but no definition was found.`}},
		{"one-line block with two arguments", "s.hcl", map[string]string{"s.hcl": "kubernetes {\n  nfs { server = \"a\"  path = \"/b\" }\n}\n"}, []string{
			`s.hcl:2:23: error[SITE002]: Invalid single-argument block definition; A single-line block definition must end with a closing brace immediately after its single argument definition.`}},
		{"wrong type", "s.hcl", map[string]string{"s.hcl": "kubernetes {\n  load_balancer = \"no\"\n}\n"}, []string{
			`s.hcl:2:20: error[SITE004]: kubernetes.load_balancer: Unsuitable value type; Unsuitable value: a bool is required`}},
		{"variable", "s.hcl", map[string]string{"s.hcl": "kubernetes {\n  domain = var.domain\n}\n"}, []string{
			`s.hcl:2:12: error[SITE004]: kubernetes.domain: Variables not allowed; Variables may not be used here.`}},
		{"bad values", "s.hcl", map[string]string{"s.hcl": `kubernetes {
  tls_issuer_kind = "clusterissuer"
  published_ports = "LoadBalancer"
  volume_size     = "5 GB"
  domain          = "203.0.113.7"
  storage_class   = "Managed_NFS"
  ingress_annotations = { "a/b/c" = "x" }
}
`}, []string{
			`s.hcl:2:21: error[SITE005]: kubernetes.tls_issuer_kind: "clusterissuer" is not one of ClusterIssuer, Issuer (did you mean "ClusterIssuer"?)`,
			`s.hcl:3:21: error[SITE005]: kubernetes.published_ports: "LoadBalancer" is not one of ClusterIP, NodePort`,
			`s.hcl:4:21: error[SITE005]: kubernetes.volume_size: "5 GB" is not a Kubernetes quantity such as "1Gi" or "500Mi"`,
			`s.hcl:5:21: error[SITE005]: kubernetes.domain: "203.0.113.7" is an IP address, not a DNS domain: hosts <service>.203.0.113.7 resolve nowhere (try "203.0.113.7.nip.io")`,
			`s.hcl:6:21: error[SITE005]: kubernetes.storage_class: "Managed_NFS" is not a Kubernetes object name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
			`s.hcl:7:27: error[SITE005]: kubernetes.ingress_annotations["a/b/c"]: "a/b/c" is not a valid annotation key: [prefix/]name, the prefix a DNS subdomain and the name up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
		}},
		{"more bad values", "s.hcl", map[string]string{"s.hcl": `kubernetes {
  domain      = "Example.org"
  volume_size = "0Gi"
  nfs {
    server = "nfs server"
    path   = "exports"
  }
}
`}, []string{
			`s.hcl:2:17: error[SITE005]: kubernetes.domain: "Example.org" is not a DNS domain: lowercase labels of letters, digits and '-', up to 63 characters, separated by dots`,
			`s.hcl:3:17: error[SITE005]: kubernetes.volume_size: "0Gi" is zero; a volume needs a size`,
			`s.hcl:5:14: error[SITE005]: kubernetes.nfs.server: "nfs server" is not a host name or IP address`,
			`s.hcl:6:14: error[SITE005]: kubernetes.nfs.path: "exports" is not an absolute path`,
		}},
		{"JSON syntax", "s.hcl.json", map[string]string{"s.hcl.json": "{\n  \"kubernetes\": {\"volume_sise\": \"1Gi\"}\n}\n"}, []string{
			`s.hcl.json:2:18: error[SITE003]: kubernetes.volume_sise: Extraneous JSON object property; No argument or block type is named "volume_sise". Did you mean "volume_size"?`}},
		{"missing file", "nope.hcl", map[string]string{}, []string{
			`nope.hcl: error[SITE001]: cannot read site profile: open nope.hcl: file does not exist`}},
		{"missing parent", "dir/s.hcl", map[string]string{"dir/s.hcl": "extends = \"../base.hcl\"\n"}, []string{
			`dir/s.hcl:1:11: error[SITE001]: extends: cannot read site profile: open base.hcl: file does not exist`}},
		{"error in the parent", "s.hcl", map[string]string{"s.hcl": "extends = \"p.hcl\"\n", "p.hcl": "kubernetes {\n  domain = \"-x\"\n}\n"}, []string{
			`p.hcl:2:12: error[SITE005]: kubernetes.domain: "-x" is not a DNS domain: lowercase labels of letters, digits and '-', up to 63 characters, separated by dots`}},
		{"unknown built-in, cut short", "egi", nil, []string{
			`error[SITE001]: unknown site profile "egi" (did you mean "egi-im" or "egi-rancher"?); the built-in profiles are egi-im, egi-rancher, generic, and a file path needs a "/" or the .hcl suffix`}},
		{"unknown built-in, misspelt", "generc", nil, []string{
			`error[SITE001]: unknown site profile "generc" (did you mean "generic"?); the built-in profiles are egi-im, egi-rancher, generic, and a file path needs a "/" or the .hcl suffix`}},
		{"unknown built-in in extends", "s.hcl", map[string]string{"s.hcl": "extends = \"egi-rancer\"\n"}, []string{
			`s.hcl:1:11: error[SITE001]: extends: unknown site profile "egi-rancer" (did you mean "egi-rancher"?); the built-in profiles are egi-im, egi-rancher, generic, and a file path needs a "/" or the .hcl suffix`}},
		{"empty extends", "s.hcl", map[string]string{"s.hcl": "extends = \"\"\n"}, []string{
			`s.hcl:1:11: error[SITE005]: extends: extends is empty: name a built-in profile or a file`}},
		{"cycle", "testdata/cycle/a.hcl", nil, []string{
			`testdata/cycle/b.hcl:2:11: error[SITE006]: extends: extends forms a cycle: testdata/cycle/a.hcl -> testdata/cycle/b.hcl -> testdata/cycle/a.hcl`}},
		{"extends itself", "s.hcl", map[string]string{"s.hcl": "extends = \"./s.hcl\"\n"}, []string{
			`s.hcl:1:11: error[SITE006]: extends: extends forms a cycle: s.hcl -> s.hcl`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			read := os.ReadFile
			if tc.files != nil {
				read = fake(tc.files)
			}
			p, diags := Load(tc.ref, read)
			if p != nil {
				t.Errorf("a profile despite errors: %+v", p)
			}
			if got := format(diags); !slices.Equal(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// A path deeper than maxDepth ends with an error, not a stack overflow,
// even when every name is new (as through a symlinked directory).
func TestDeepChain(t *testing.T) {
	read := func(string) ([]byte, error) { return []byte(`extends = "d/s.hcl"`), nil }
	_, diags := Load("s.hcl", read)
	if len(diags) != 1 || diags[0].Code != codeExtends || !strings.Contains(diags[0].Message, "deeper than 16") {
		t.Errorf("got %v", format(diags))
	}
}

// The JSON Schema and the decoder accept the same names: the schema is
// what editors and `transship schema` show, so a name one knows and the
// other does not would mislead users.
func TestSchemaNames(t *testing.T) {
	var doc struct {
		Properties map[string]any
		Defs       map[string]struct{ Properties map[string]any } `json:"$defs"`
	}
	if err := json.Unmarshal(schema.Site, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		where   string
		schema  map[string]any
		decoder *hcl.BodySchema
	}{
		{"top level", doc.Properties, rootSchema},
		{"kubernetes", doc.Defs["kubernetes"].Properties, kubernetesSchema},
		{"nfs", doc.Defs["nfs"].Properties, nfsSchema},
	} {
		var names []string
		for _, a := range c.decoder.Attributes {
			names = append(names, a.Name)
		}
		for _, b := range c.decoder.Blocks {
			names = append(names, b.Type)
		}
		slices.Sort(names)
		if want := slices.Sorted(maps.Keys(c.schema)); !slices.Equal(names, want) {
			t.Errorf("%s: decoder accepts %v, schema %v", c.where, names, want)
		}
	}
}

func fake(files map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if s, ok := files[filepath.ToSlash(p)]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
}

func format(ds translate.Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Format(""))
	}
	return out
}

// Whatever the bytes, Load returns either a profile or errors, never
// panics. Every path reads the same bytes, so extends chains run deep.
func FuzzLoad(f *testing.F) {
	for _, name := range builtinNames() {
		data, _ := profiles.ReadFile("profiles/" + name + ".hcl")
		f.Add(data, false)
	}
	f.Add([]byte(`{"kubernetes": {"nfs": {"server": "a", "path": "/"}}}`), true)
	f.Fuzz(func(t *testing.T, data []byte, json bool) {
		ref := "f.hcl"
		if json {
			ref += ".json"
		}
		p, diags := Load(ref, func(string) ([]byte, error) { return data, nil })
		if (p == nil) != diags.HasErrors() {
			t.Fatalf("profile %v with diagnostics %v", p, diags)
		}
	})
}
