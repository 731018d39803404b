package schema

import (
	"bytes"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The schema compiles, and each definition accepts what the README and
// the examples use and refuses what it should.
func TestXTransship(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(XTransship))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(XTransshipID, doc); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		def, value string
		ok         bool
	}{
		{"service", `{"expose": true}`, true},
		{"service", `{"expose": "app.example.org"}`, true},
		{"service", `{"expose": {"host": "a.example.org", "path": "/api", "port": 8080, "tls": true}}`, true},
		{"service", `{"expose": {"path": "api"}}`, false},
		{"service", `{"expose": {"port": 0}}`, false},
		{"service", `{"workload": "statefulset", "service_type": "NodePort", "node_port": 30080}`, true},
		{"service", `{"workload": "pod"}`, false},
		{"service", `{"node_port": 80}`, false},
		{"service", `{"unknown": 1}`, false},
		{"volume", `{"size": "10Gi", "storage_class": "managed-nfs-storage", "access_mode": "ReadWriteMany"}`, true},
		{"volume", `{"size": "10 GB"}`, false},
		{"volume", `{"access_mode": "RWX"}`, false},
		{"project", `{"namespace": "my-app"}`, true},
		{"project", `{"namespace": "My_App"}`, false},
	}
	for _, tc := range cases {
		sch, err := c.Compile(XTransshipID + "#/$defs/" + tc.def)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.value))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); (err == nil) != tc.ok {
			t.Errorf("%s %s: valid=%v, want %v (%v)", tc.def, tc.value, err == nil, tc.ok, err)
		}
	}
}
