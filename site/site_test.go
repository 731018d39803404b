package site

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/schema"
)

// generic is the built-in generic profile's Kubernetes part, which the
// other expectations start from.
var generic = Kubernetes{TLSIssuerKind: "ClusterIssuer", VolumeSize: "1Gi", LoadBalancer: true,
	PublishedPorts: "ClusterIP", NodePortRange: "30000-32767", NetworkPolicies: true, CreateNamespace: true}

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
	k.NodePortRange, k.ReservedNodePorts = "80-35000", []string{"10248", "10249", "10250", "10256", "10257", "10259", "111", "2049", "2379", "2380", "443", "6443", "80"} // a list is a sorted set
})

var egiRancher = with(func(k *Kubernetes) {
	k.IngressClass = "nginx-traefik"
	k.IngressAnnotations = map[string]string{"kubernetes.io/ingress.class": "nginx-traefik"}
	k.TLSIssuer = "letsencrypt-gateway"
	k.StorageClass, k.SharedStorageClass = "nfs-csi", "nfs-csi"
	k.LoadBalancer, k.RunAsNonRoot = false, true
	k.CreateNamespace = false
})

// genericBatch is the built-in generic profile's Batch part, spelt out
// here rather than taken from batchDefaults(), which it must equal.
var genericBatch = Batch{Scheduler: "slurm", Runtime: "auto", Walltime: "01:00:00", MinCPUs: 1, MinMemory: "1g",
	CVMFSUnpacked: "/cvmfs/unpacked.cern.ch"}

// withBatch returns genericBatch changed by f.
func withBatch(f func(*Batch)) Batch {
	b := genericBatch
	f(&b)
	return b
}

var egiDirac = withBatch(func(b *Batch) {
	b.Scheduler, b.Walltime, b.MinMemory = "dirac", "24:00:00", "2g"
})

var egiHTCondor = withBatch(func(b *Batch) {
	b.Scheduler, b.Walltime, b.MinMemory = "htcondor", "24:00:00", "2g"
})

// description returns a built-in profile's description.
func description(t *testing.T, name string) string {
	t.Helper()
	for _, info := range Builtins() {
		if info.Name == name {
			return info.Description
		}
	}
	t.Fatalf("no built-in profile %q", name)
	return ""
}

func TestBuiltins(t *testing.T) {
	want := map[string]struct {
		extends string
		k       Kubernetes
		b       Batch
	}{
		"generic":      {"", generic, genericBatch},
		"egi-im":       {"generic", egiIM, genericBatch},
		"egi-rancher":  {"generic", egiRancher, genericBatch},
		"egi-dirac":    {"generic", generic, egiDirac},
		"egi-htcondor": {"generic", generic, egiHTCondor},
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
		if !reflect.DeepEqual(p.Batch, w.b) {
			t.Errorf("%s batch:\n got %+v\nwant %+v", info.Name, p.Batch, w.b)
		}
	}
	if !slices.Equal(names, []string{"egi-dirac", "egi-htcondor", "egi-im", "egi-rancher", "generic"}) {
		t.Errorf("Builtins() = %v", names)
	}
	if !strings.Contains(description(t, "egi-im"), "nip.io") {
		t.Errorf("egi-im's description should tell users to set a domain such as <public-ip>.nip.io")
	}
	// `transship targets` shows the first sentence: it must say what the site is.
	for name, want := range map[string]string{"egi-dirac": "dirac.egi.eu", "egi-htcondor": "HTCondor"} {
		first, _, _ := strings.Cut(description(t, name), ". ")
		if !strings.Contains(first, want) {
			t.Errorf("%s: the first sentence of the description, %q, does not name %s", name, first, want)
		}
	}
}

// A file that extends nothing starts from defaults(), which must be what
// generic spells out.
func TestDefaultsAreGeneric(t *testing.T) {
	p, diags := Load("empty.hcl", fake(map[string]string{"empty.hcl": "# nothing\n"}))
	if len(diags) > 0 || !reflect.DeepEqual(p.Kubernetes, generic) || !reflect.DeepEqual(p.Batch, genericBatch) ||
		p.Name != "empty" {
		t.Errorf("got %+v, %v", p, diags)
	}
	if d := batchDefaults(); !reflect.DeepEqual(d, genericBatch) {
		t.Errorf("batchDefaults() = %+v", d)
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
	// A file extending nothing starts from generic; its extra is merged
	// into generic's (none).
	cluster := withBatch(func(b *Batch) {
		b.Partition, b.Account, b.Walltime = "cpu,cpu-long", "proj-123", "2-00:00:00"
		b.ImageCache = "/scratch/transship/images"
		b.Extra = map[string]string{"constraint": "haswell", "mail-type": "FAIL"}
	})
	// One attribute overridden, extra merged key by key, the rest inherited.
	gpu := cluster
	gpu.Partition = "gpu"
	gpu.Extra = map[string]string{"constraint": "a100", "mail-type": "FAIL", "gres": "gpu:1"}
	diracGPU := egiDirac
	diracGPU.Walltime, diracGPU.DiracSite, diracGPU.MinCPUs = "12:00:00", "EGI.CESGA.es", 4
	diracGPU.DiracTags, diracGPU.DiracOutputSE = []string{"GPU", "MultiProcessor"}, "CESGA-DISK"
	egiDesc, diracDesc := description(t, "egi-im"), description(t, "egi-dirac")
	cases := []struct {
		ref, name, extends, description string
		k                               Kubernetes
		b                               Batch
	}{
		{"testdata/lab.hcl", "lab", "egi-im", egiDesc, lab, genericBatch},
		{"testdata/lab.hcl.json", "lab", "egi-im", egiDesc, lab, genericBatch},
		{"testdata/rancher-lab.hcl", "rancher-lab", "egi-rancher", "Our project on containers.egi.eu", rancherLab, genericBatch},
		{"testdata/chain/project.hcl", "project", "team/team.hcl", "Our project on containers.egi.eu", project, genericBatch},
		{"testdata/slurm/cluster.hcl", "cluster", "", "Our HPC cluster", generic, cluster},
		{"testdata/slurm/gpu.hcl", "gpu", "cluster.hcl", "Our HPC cluster", generic, gpu},
		{"testdata/slurm/gpu.hcl.json", "gpu", "cluster.hcl", "Our HPC cluster", generic, gpu},
		{"testdata/dirac-gpu.hcl", "dirac-gpu", "egi-dirac", diracDesc, generic, diracGPU},
		{"testdata/dirac-gpu.hcl.json", "dirac-gpu", "egi-dirac", diracDesc, generic, diracGPU},
	}
	for _, tc := range cases {
		p, diags := Load(tc.ref, os.ReadFile)
		if len(diags) > 0 {
			t.Fatalf("%s: %v", tc.ref, diags)
		}
		want := Profile{Name: tc.name, Extends: tc.extends, Description: tc.description, Kubernetes: tc.k, Batch: tc.b, CloudInit: cloudInitDefaults()}
		if !reflect.DeepEqual(*p, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.ref, *p, want)
		}
	}
}

// A child's extra never changes its parent's map: profiles loaded from
// one parent stay independent.
func TestExtraNotShared(t *testing.T) {
	read := fake(map[string]string{
		"p.hcl": "batch {\n  extra = { a = \"1\" }\n}\n",
		"c.hcl": "extends = \"p.hcl\"\nbatch {\n  extra = { b = \"2\" }\n}\n",
	})
	c, _ := Load("c.hcl", read)
	p, _ := Load("p.hcl", read)
	if len(p.Batch.Extra) != 1 || len(c.Batch.Extra) != 2 {
		t.Errorf("parent %v, child %v", p.Batch.Extra, c.Batch.Extra)
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
		{"bad node ports", "s.hcl", map[string]string{"s.hcl": "kubernetes {\n  node_port_range = \"32767-30000\"\n  reserved_node_ports = [80, 70000]\n}\n"}, []string{
			`s.hcl:2:21: error[SITE005]: kubernetes.node_port_range: "32767-30000" is not a port range: LOW-HIGH, two port numbers with LOW <= HIGH, such as 30000-32767`,
			`s.hcl:3:30: error[SITE005]: kubernetes.reserved_node_ports[1]: "70000" is not a port number (1-65535)`}},
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
		{"unknown batch argument", "s.hcl", map[string]string{"s.hcl": "batch {\n  walltim = \"1:00:00\"\n}\n"}, []string{
			`s.hcl:2:3: error[SITE003]: batch.walltim: Unsupported argument; An argument named "walltim" is not expected here. Did you mean "walltime"?`}},
		{"batch block inside kubernetes", "s.hcl", map[string]string{"s.hcl": "kubernetes {\n  batch {\n  }\n}\n"}, []string{
			`s.hcl:2:3: error[SITE003]: kubernetes.batch: Unsupported block type; Blocks of type "batch" are not expected here.`}},
		{"duplicate batch block", "s.hcl", map[string]string{"s.hcl": "batch {\n}\nkubernetes {\n}\nbatch {\n}\n"}, []string{
			`s.hcl:5:1: error[SITE003]: batch: Duplicate batch block; Only one batch block is allowed. Another was defined at s.hcl:1,1-6.`}},
		{"batch wrong types", "s.hcl", map[string]string{"s.hcl": `batch {
  min_cpus   = "two"
  dirac_tags = "GPU"
  extra      = ["exclusive"]
  walltime   = 60
}
`}, []string{
			`s.hcl:2:17: error[SITE004]: batch.min_cpus: Unsuitable value type; Unsuitable value: a number is required`,
			`s.hcl:3:17: error[SITE004]: batch.dirac_tags: Invalid expression; A static list expression is required.`,
			`s.hcl:4:16: error[SITE004]: batch.extra: Invalid expression; A static map expression is required.`,
		}},
		{"bad batch values", "s.hcl", map[string]string{"s.hcl": `batch {
  scheduler      = "condor"
  runtime        = "docker"
  walltime       = "1:30"
  partition      = "gpu a100"
  account        = "my account"
  qos            = "high;low"
  min_cpus       = 0
  min_memory     = "2 GB"
  cvmfs_unpacked = "cvmfs/unpacked.cern.ch"
  dirac_site     = "CESGA"
  dirac_tags     = ["GPU", "multi processor"]
  extra = {
    "--constraint" = "haswell"
    "mail-user"    = "me@example.org\nx"
  }
}
`}, []string{
			`s.hcl:2:20: error[SITE005]: batch.scheduler: "condor" is not one of slurm, htcondor, dirac, none (did you mean "htcondor"?)`,
			`s.hcl:3:20: error[SITE005]: batch.runtime: "docker" is not one of auto, apptainer, singularity, udocker (did you mean "udocker"?)`,
			`s.hcl:5:20: error[SITE005]: batch.partition: "gpu a100" is not a Slurm partition or comma-separated list of partitions: letters, digits, '_', '.', '+' and '-'`,
			`s.hcl:6:20: error[SITE005]: batch.account: "my account" is not a scheduler name: letters, digits, '_', '.', '+' and '-'`,
			`s.hcl:7:20: error[SITE005]: batch.qos: "high;low" is not a scheduler name: letters, digits, '_', '.', '+' and '-'`,
			`s.hcl:8:20: error[SITE005]: batch.min_cpus: 0 is not a number of CPUs above 0`,
			`s.hcl:9:20: error[SITE005]: batch.min_memory: "2 GB" is not a size such as "2g" or "512m": a number with an optional unit b, k, kb, m, mb, g or gb`,
			`s.hcl:10:20: error[SITE005]: batch.cvmfs_unpacked: "cvmfs/unpacked.cern.ch" is not an absolute path; "" turns it off`,
			`s.hcl:11:20: error[SITE005]: batch.dirac_site: "CESGA" is not a DIRAC site name: three parts separated by dots, such as "EGI.CESGA.es"`,
			`s.hcl:12:28: error[SITE005]: batch.dirac_tags[1]: "multi processor" is not a DIRAC tag: letters, digits, '_', '.', '+' and '-', starting with a letter or digit`,
			`s.hcl:14:5: error[SITE005]: batch.extra["--constraint"]: "--constraint" is not a scheduler option name: letters, digits, '_', '+', '.' and '-', starting with a letter`,
			`s.hcl:15:22: error[SITE005]: batch.extra["mail-user"]: "me@example.org\nx" holds a line break or NUL; it is written into the job script on one line`,
		}},
		{"more bad batch values", "s.hcl", map[string]string{"s.hcl": `batch {
  scheduler    = "Slurm"
  walltime     = "00:00:00"
  min_memory   = "0g"
  min_cpus     = -1.5
  requirements = "HAS_SINGULARITY =?= True\n"
  image_cache  = "/scratch\u0000"
}
`}, []string{
			`s.hcl:2:18: error[SITE005]: batch.scheduler: "Slurm" is not one of slurm, htcondor, dirac, none (did you mean "slurm"?)`,
			`s.hcl:3:18: error[SITE005]: batch.walltime: "00:00:00" is zero; a job needs a time limit`,
			`s.hcl:4:18: error[SITE005]: batch.min_memory: "0g" is zero; a job needs memory`,
			`s.hcl:5:18: error[SITE005]: batch.min_cpus: -1.5 is not a number of CPUs above 0`,
			`s.hcl:6:18: error[SITE005]: batch.requirements: "HAS_SINGULARITY =?= True\n" holds a line break or NUL; it is written into the job script on one line`,
			`s.hcl:7:18: error[SITE005]: batch.image_cache: "/scratch\x00" holds a line break or NUL; it is written into the job script on one line`,
		}},
		{"bad walltimes", "s.hcl", map[string]string{"s.hcl": `batch {
  walltime = "1-24:00:00"
}
`}, []string{
			`s.hcl:2:14: error[SITE005]: batch.walltime: "1-24:00:00" is not a Slurm time limit: D-HH:MM:SS, HH:MM:SS, MM:SS or a number of minutes`,
		}},
		{"bad batch value in the parent", "s.hcl", map[string]string{"s.hcl": "extends = \"p.hcl\"\nbatch {\n  walltime = \"2:00:00\"\n}\n",
			"p.hcl": "batch {\n  min_memory = \"1t\"\n}\n"}, []string{
			`p.hcl:2:16: error[SITE005]: batch.min_memory: "1t" is not a size such as "2g" or "512m": a number with an optional unit b, k, kb, m, mb, g or gb`}},
		{"batch JSON syntax", "s.hcl.json", map[string]string{"s.hcl.json": "{\n  \"batch\": {\"min_cpu\": 2, \"walltime\": \"90\",\n    \"extra\": {\"exclusive\": \"\", \"+Project\": \"x\"},\n    \"dirac_tags\": [\"GPU\", \"\"]}\n}\n"}, []string{
			`s.hcl.json:2:13: error[SITE003]: batch.min_cpu: Extraneous JSON object property; No argument or block type is named "min_cpu". Did you mean "min_cpus"?`,
			`s.hcl.json:3:32: error[SITE005]: batch.extra["+Project"]: "+Project" is not a scheduler option name: letters, digits, '_', '+', '.' and '-', starting with a letter`,
			`s.hcl.json:4:27: error[SITE005]: batch.dirac_tags[1]: "" is not a DIRAC tag: letters, digits, '_', '.', '+' and '-', starting with a letter or digit`,
		}},
		{"missing file", "nope.hcl", map[string]string{}, []string{
			`nope.hcl: error[SITE001]: cannot read site profile: open nope.hcl: file does not exist`}},
		{"missing parent", "dir/s.hcl", map[string]string{"dir/s.hcl": "extends = \"../base.hcl\"\n"}, []string{
			`dir/s.hcl:1:11: error[SITE001]: extends: cannot read site profile: open base.hcl: file does not exist`}},
		{"error in the parent", "s.hcl", map[string]string{"s.hcl": "extends = \"p.hcl\"\n", "p.hcl": "kubernetes {\n  domain = \"-x\"\n}\n"}, []string{
			`p.hcl:2:12: error[SITE005]: kubernetes.domain: "-x" is not a DNS domain: lowercase labels of letters, digits and '-', up to 63 characters, separated by dots`}},
		{"unknown built-in, cut short", "egi", nil, []string{
			`error[SITE001]: unknown site profile "egi" (did you mean "egi-dirac", "egi-htcondor", "egi-im" or "egi-rancher"?); the built-in profiles are egi-dirac, egi-htcondor, egi-im, egi-rancher, generic, and a file path needs a "/" or the .hcl suffix`}},
		{"unknown built-in, cut shorter", "egi-", nil, []string{
			`error[SITE001]: unknown site profile "egi-" (did you mean "egi-dirac", "egi-htcondor", "egi-im" or "egi-rancher"?); the built-in profiles are egi-dirac, egi-htcondor, egi-im, egi-rancher, generic, and a file path needs a "/" or the .hcl suffix`}},
		{"unknown built-in, misspelt", "generc", nil, []string{
			`error[SITE001]: unknown site profile "generc" (did you mean "generic"?); the built-in profiles are egi-dirac, egi-htcondor, egi-im, egi-rancher, generic, and a file path needs a "/" or the .hcl suffix`}},
		{"unknown built-in, two close", "egi-i", nil, []string{
			`error[SITE001]: unknown site profile "egi-i" (did you mean "egi-im"?); the built-in profiles are egi-dirac, egi-htcondor, egi-im, egi-rancher, generic, and a file path needs a "/" or the .hcl suffix`}},
		{"unknown built-in in extends", "s.hcl", map[string]string{"s.hcl": "extends = \"egi-rancer\"\n"}, []string{
			`s.hcl:1:11: error[SITE001]: extends: unknown site profile "egi-rancer" (did you mean "egi-rancher"?); the built-in profiles are egi-dirac, egi-htcondor, egi-im, egi-rancher, generic, and a file path needs a "/" or the .hcl suffix`}},
		{"misspelt built-in in extends", "s.hcl", map[string]string{"s.hcl": "extends = \"egi-condor\"\n"}, []string{
			`s.hcl:1:11: error[SITE001]: extends: unknown site profile "egi-condor" (did you mean "egi-htcondor"?); the built-in profiles are egi-dirac, egi-htcondor, egi-im, egi-rancher, generic, and a file path needs a "/" or the .hcl suffix`}},
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
		{"batch", doc.Defs["batch"].Properties, batchSchema},
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

func format(ds diag.Diagnostics) []string {
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
	f.Add([]byte(`{"batch": {"dirac_tags": ["a", "a"], "extra": {"k": "v"}, "min_cpus": 1e400}}`), true)
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

func TestParseWalltime(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"0":               0,
		"90":              90 * time.Minute,
		"1:30":            90 * time.Second,
		"90:00":           90 * time.Minute,
		"01:00:00":        time.Hour,
		"48:00:00":        48 * time.Hour,
		"1:2:3":           time.Hour + 2*time.Minute + 3*time.Second,
		"2-00:00:00":      48 * time.Hour,
		"1-23:59:59":      48*time.Hour - time.Second,
		"0-00:00:01":      time.Second,
		"0000000090":      90 * time.Minute,
		"106751-23:47:16": 106751*24*time.Hour + 23*time.Hour + 47*time.Minute + 16*time.Second,
	} {
		if got, err := ParseWalltime(s); err != nil || got != want {
			t.Errorf("ParseWalltime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", " 1:00:00", "1:00:00 ", "1h", "-1", "1.5", "1:60", "1:00:60", "1:60:00",
		"1-24:00:00", "1-1:00", "1-1", "1:00:00:00", "001:002:003", "1-:00:00", ":30", "１:00",
		"106751-23:47:17", "99999999999999999999"} {
		if got, err := ParseWalltime(s); err == nil {
			t.Errorf("ParseWalltime(%q) = %v, want an error", s, got)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for s, want := range map[string]int64{
		"0":                       0,
		"512":                     512,
		"512b":                    512,
		"512B":                    512,
		"1k":                      1 << 10,
		"1KB":                     1 << 10,
		"1kb":                     1 << 10,
		"512m":                    512 << 20,
		"512Mb":                   512 << 20,
		"2g":                      2 << 30,
		"2GB":                     2 << 30,
		"1.5g":                    3 << 29,
		"0.5k":                    512,
		"1.0001k":                 1024,
		"1.9b":                    1,
		"8589934591.99999999999g": 8589934591<<30 + (1<<30 - 1),
	} {
		if got, err := ParseBytes(s); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "g", "1 g", " 1g", "1g ", "-1g", "+1g", "1.g", ".5g", "1e3", "1t", "1gib", "1bb",
		"1kk", "0x10", "1,5g", "8589934592g", "99999999999999999999"} {
		if got, err := ParseBytes(s); err == nil {
			t.Errorf("ParseBytes(%q) = %d, want an error", s, got)
		}
	}
}

// TestRegistryMirrors: registry_mirrors merge key by key through extends,
// and a bad host or prefix is an error at its position.
func TestRegistryMirrors(t *testing.T) {
	p, ds := Load("testdata/mirrors-child.hcl", os.ReadFile)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	want := map[string]string{"docker.io": "harbor.example.org/dockerhub", "ghcr.io": "mirror.example.org/ghcr"}
	if !maps.Equal(p.RegistryMirrors, want) {
		t.Errorf("mirrors %v, want %v", p.RegistryMirrors, want)
	}
	bad := []byte("registry_mirrors = {\n  \"Docker Hub\" = \"harbor.example.org/\"\n}\n")
	_, ds = Load("bad.hcl", func(string) ([]byte, error) { return bad, nil })
	got := fmt.Sprint(ds)
	for _, w := range []string{`registry_mirrors["Docker Hub"]`, "not a registry host", "not a registry prefix", "SITE005"} {
		if !strings.Contains(got, w) {
			t.Errorf("diagnostics lack %q: %s", w, got)
		}
	}
}

// TestCloudInitBlock: the cloud_init block decodes, inherits through
// extends, and a bad value is an error at its position.
func TestCloudInitBlock(t *testing.T) {
	g, ds := Load("generic", os.ReadFile)
	if ds.HasErrors() || !reflect.DeepEqual(g.CloudInit, cloudInitDefaults()) {
		t.Fatalf("generic's cloud_init %+v differs from cloudInitDefaults() (%v)", g.CloudInit, ds)
	}
	p, ds := Load("testdata/vm.hcl", os.ReadFile)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	want := CloudInit{Secrets: "prompt", User: "alice", SSHKeys: []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample alice@lab"},
		Sudo: true, DataVolume: "/dev/vdb:/srv/data", Swap: "2G", Packages: []string{"htop", "jq"}}
	if !reflect.DeepEqual(p.CloudInit, want) || p.Kubernetes.StorageClass != "managed-nfs-storage" {
		t.Errorf("cloud_init %+v, want %+v (and egi-im's kubernetes inherited)", p.CloudInit, want)
	}
	bad := []byte("cloud_init {\n  secrets = \"ask\"\n  user = \"Alice\"\n  ssh_keys = [\"not a key\"]\n  data_volume = \"vdb\"\n  swap = \"lots\"\n}\n")
	_, ds = Load("bad.hcl", func(string) ([]byte, error) { return bad, nil })
	got := fmt.Sprint(ds)
	for _, w := range []string{"cloud_init.secrets", "cloud_init.user", "cloud_init.ssh_keys[0]", "cloud_init.data_volume", "cloud_init.swap", "{bad.hcl 2 13}"} {
		if !strings.Contains(got, w) {
			t.Errorf("diagnostics lack %q: %s", w, got)
		}
	}
}
