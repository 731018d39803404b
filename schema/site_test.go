package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/santhosh-tekuri/jsonschema/v6"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/transship/transship/schema"
	"github.com/transship/transship/site"
)

// This is an external test package because site imports translate,
// which imports schema.

func compileSite(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.Site))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schema.SiteID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schema.SiteID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// Each built-in profile, turned into HCL's JSON syntax, is valid under the
// schema, and the decoder reads that JSON back into the same profile: the
// schema describes what the decoder takes, in the form editors check.
func TestSiteBuiltins(t *testing.T) {
	sch := compileSite(t)
	for _, info := range site.Builtins() {
		src, err := os.ReadFile("../site/profiles/" + info.Name + ".hcl")
		if err != nil {
			t.Fatal(err)
		}
		doc := hclToJSON(t, info.Name, src)
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s: %v", info.Name, err)
		}
		data, _ := json.Marshal(doc)
		fromJSON, diags := site.Load(info.Name+".hcl.json", func(string) ([]byte, error) { return data, nil })
		builtin, _ := site.Load(info.Name, nil)
		if len(diags) > 0 || !reflect.DeepEqual(fromJSON, builtin) {
			t.Errorf("%s: the JSON form decodes to %+v, %v; want %+v", info.Name, fromJSON, diags, builtin)
		}
	}
}

// hclToJSON converts a profile generically, without the decoder: each
// attribute becomes its value, each block an object.
func hclToJSON(t *testing.T, name string, src []byte) any {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, name+".hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var conv func(b *hclsyntax.Body) map[string]any
	conv = func(b *hclsyntax.Body) map[string]any {
		out := map[string]any{}
		for n, a := range b.Attributes {
			v, diags := a.Expr.Value(nil)
			data, err := ctyjson.SimpleJSONValue{Value: v}.MarshalJSON()
			if diags.HasErrors() || err != nil {
				t.Fatalf("%s: %s: %v %v", name, n, diags, err)
			}
			out[n], _ = jsonschema.UnmarshalJSON(bytes.NewReader(data))
		}
		for _, blk := range b.Blocks {
			out[blk.Type] = conv(blk.Body)
		}
		return out
	}
	return conv(f.Body.(*hclsyntax.Body))
}

// The schema and the decoder agree on what they refuse: each document is
// checked by both. The examples in the schema are taken too, so every
// attribute it names is one the decoder accepts.
func TestSiteAgreement(t *testing.T) {
	sch := compileSite(t)
	cases := []struct {
		doc string
		ok  bool
	}{
		{`{"extends": "egi-im", "description": "x", "kubernetes": {"domain": "203.0.113.7.nip.io"}}`, true},
		{examplesDoc(t), true},
		{`{"extends": ""}`, false},
		{`{"kubernetes": {"unknown": 1}}`, false},
		{`{"clusters": {}}`, false},
		{`{"kubernetes": {"tls_issuer_kind": "clusterissuer"}}`, false},
		{`{"kubernetes": {"published_ports": "LoadBalancer"}}`, false},
		{`{"kubernetes": {"volume_size": "10 GB"}}`, false},
		{`{"kubernetes": {"volume_size": "0Gi"}}`, false},
		{`{"kubernetes": {"volume_size": "1.5Gi"}}`, true},
		{`{"kubernetes": {"domain": "203.0.113.7"}}`, false},
		{`{"kubernetes": {"domain": "Example.org"}}`, false},
		{`{"kubernetes": {"domain": ""}}`, true},
		{`{"kubernetes": {"storage_class": "Managed_NFS"}}`, false},
		{`{"kubernetes": {"storage_class": ""}}`, true},
		{`{"kubernetes": {"ingress_annotations": {"a/b/c": "x"}}}`, false},
		{`{"kubernetes": {"ingress_annotations": {"example.org/Key_1": "x"}}}`, true},
		{`{"kubernetes": {"nfs": {"server": "10.0.0.5"}}}`, false},
		{`{"kubernetes": {"nfs": {"server": "fd00::5", "path": "/x"}}}`, true},
		{`{"kubernetes": {"nfs": {"server": "nfs server", "path": "/x"}}}`, false},
		{`{"kubernetes": {"nfs": {"server": "nfs.example.org", "path": "x"}}}`, false},
		{`{"extends": "egi-dirac", "batch": {"walltime": "12:00:00", "dirac_tags": ["GPU", "GPU"]}}`, true},
		{`{"batch": {"unknown": 1}}`, false},
		{`{"registry_mirrors": {"docker.io": "harbor.example.org/dockerhub", "registry.example.org:5000": "mirror.example.org"}}`, true},
		{`{"registry_mirrors": {"Docker Hub": "harbor.example.org"}}`, false},
		{`{"cloud_init": {"secrets": "prompt", "user": "bob", "swap": "auto", "data_volume": "/dev/vdc:/data"}}`, true},
		{`{"cloud_init": {"secrets": "ask"}}`, false},
		{`{"cloud_init": {"user": "Bob"}}`, false},
		{`{"cloud_init": {"ssh_keys": ["not a key"]}}`, false},
		{`{"cloud_init": {"data_volume": "vdb"}}`, false},
		{`{"cloud_init": {"swap": "lots"}}`, false},
		{`{"cloud_init": {"packages": ["Bad Name"]}}`, false},
		{`{"registry_mirrors": {"docker.io": "harbor.example.org/dockerhub/"}}`, false},
		{`{"registry_mirrors": {"docker.io": "harbor example"}}`, false},
		{`{"batch": {"scheduler": "condor"}}`, false},
		{`{"batch": {"scheduler": "none", "runtime": "udocker"}}`, true},
		{`{"batch": {"runtime": "docker"}}`, false},
		{`{"batch": {"walltime": "90"}}`, true},
		{`{"batch": {"walltime": "90:00"}}`, true},
		{`{"batch": {"walltime": "48:00:00"}}`, true},
		{`{"batch": {"walltime": "1-23:59:59"}}`, true},
		{`{"batch": {"walltime": "1-24:00:00"}}`, false},
		{`{"batch": {"walltime": "1:60:00"}}`, false},
		{`{"batch": {"walltime": "1-12"}}`, false},
		{`{"batch": {"walltime": "1h"}}`, false},
		{`{"batch": {"walltime": "0-00:00:00"}}`, false},
		{`{"batch": {"walltime": "0"}}`, false},
		{`{"batch": {"walltime": ""}}`, false},
		{`{"batch": {"partition": "cpu,gpu", "account": "group_a.b", "qos": ""}}`, true},
		{`{"batch": {"partition": "cpu gpu"}}`, false},
		{`{"batch": {"partition": "cpu,"}}`, false},
		{`{"batch": {"account": "a;b"}}`, false},
		{`{"batch": {"qos": "high prio"}}`, false},
		{`{"batch": {"min_cpus": 0.5}}`, true},
		{`{"batch": {"min_cpus": 0}}`, false},
		{`{"batch": {"min_cpus": -1}}`, false},
		{`{"batch": {"min_memory": "1.5GB"}}`, true},
		{`{"batch": {"min_memory": "512M"}}`, true},
		{`{"batch": {"min_memory": "1048576"}}`, true},
		{`{"batch": {"min_memory": "2 GB"}}`, false},
		{`{"batch": {"min_memory": "1t"}}`, false},
		{`{"batch": {"min_memory": "1gib"}}`, false},
		{`{"batch": {"min_memory": "0.0g"}}`, false},
		{`{"batch": {"min_memory": ""}}`, false},
		{`{"batch": {"cvmfs_unpacked": ""}}`, true},
		{`{"batch": {"cvmfs_unpacked": "cvmfs/unpacked.cern.ch"}}`, false},
		{`{"batch": {"image_cache": "/scratch/x\ny"}}`, false},
		{`{"batch": {"volume_base": "/scratch/x\u0000"}}`, false},
		{`{"batch": {"requirements": "OpSys == \"LINUX\" && Arch == \"X86_64\""}}`, true},
		{`{"batch": {"requirements": "a\r"}}`, false},
		{`{"batch": {"dirac_site": "LCG.UKI-LT2-IC-HEP.uk"}}`, true},
		{`{"batch": {"dirac_site": "CESGA"}}`, false},
		{`{"batch": {"dirac_output_se": "CESGA-DISK"}}`, true},
		{`{"batch": {"dirac_output_se": "a b"}}`, false},
		{`{"batch": {"dirac_tags": []}}`, true},
		{`{"batch": {"dirac_tags": ["8Processors", "GPU"]}}`, true},
		{`{"batch": {"dirac_tags": ["multi processor"]}}`, false},
		{`{"batch": {"dirac_tags": [""]}}`, false},
		{`{"batch": {"extra": {"exclusive": "", "MY.Project": "x", "mail-type": "END,FAIL"}}}`, true},
		{`{"batch": {"extra": {"+Project": "x"}}}`, false},
		{`{"batch": {"extra": {"--constraint": "x"}}}`, false},
		{`{"batch": {"extra": {"constraint": "a\nb"}}}`, false},
		{`{"batch": {"extra": {"constraint": ["a"]}}}`, false},
	}
	for _, tc := range cases {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.doc))
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := sch.Validate(inst)
		_, diags := site.Load("s.hcl.json", func(string) ([]byte, error) { return []byte(tc.doc), nil })
		if (schemaErr == nil) != tc.ok || diags.HasErrors() == tc.ok {
			t.Errorf("%s: schema ok=%v (%v), decoder ok=%v (%v), want ok=%v",
				tc.doc, schemaErr == nil, schemaErr, !diags.HasErrors(), diags, tc.ok)
		}
	}
}

// examplesDoc builds a profile from the first example of every attribute
// the schema describes.
func examplesDoc(t *testing.T) string {
	t.Helper()
	var s struct {
		Properties map[string]struct{ Examples []any }
		Defs       map[string]struct {
			Properties map[string]struct{ Examples []any }
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schema.Site, &s); err != nil {
		t.Fatal(err)
	}
	object := func(props map[string]struct{ Examples []any }) map[string]any {
		out := map[string]any{}
		for name, p := range props {
			if len(p.Examples) > 0 {
				out[name] = p.Examples[0]
			}
		}
		return out
	}
	doc := object(s.Properties)
	k := object(s.Defs["kubernetes"].Properties)
	k["nfs"] = object(s.Defs["nfs"].Properties)
	doc["kubernetes"] = k
	b := object(s.Defs["batch"].Properties)
	doc["batch"] = b
	c := object(s.Defs["cloud_init"].Properties)
	doc["cloud_init"] = c
	if len(k) != len(s.Defs["kubernetes"].Properties) || len(b) != len(s.Defs["batch"].Properties) || len(c) != len(s.Defs["cloud_init"].Properties) ||
		len(doc) != len(s.Properties) {
		t.Fatalf("an attribute of the schema has no example: %v", doc)
	}
	data, _ := json.Marshal(doc)
	return string(data)
}
