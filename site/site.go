// Package site decodes site profiles: what depends on where the output
// will run (ingress class, TLS issuer, domain, storage classes, NFS
// server; batch scheduler, container runtime, job limits) rather than on
// the application. Profiles are HCL files; a few are built in
// (profiles/*.hcl) and a user passes their own with --site. A file may
// also use HCL's JSON syntax (*.hcl.json); schema/site.schema.json
// describes that form.
//
// A profile may extend another (a built-in name or a path relative to
// it). Attributes it sets override the parent's, the rest are inherited;
// ingress_annotations and batch's extra merge key by key, a list
// (dirac_tags) replaces the parent's as any other value does, and an nfs
// block replaces the parent's. A profile that extends nothing starts from
// the values of the built-in "generic".
package site

import (
	"embed"
	"slices"
	"strings"
	"sync"

	"github.com/transship/transship/diag"
)

// Diagnostic codes. A code never changes meaning; new problems get new
// codes. All are errors (HCL's rare warnings keep their severity).
//
//	SITE001  the profile cannot be found or read: unknown built-in name, missing file
//	SITE002  HCL syntax error (the parser's message and position)
//	SITE003  unknown, duplicate or missing argument or block (HCL's decoder's message)
//	SITE004  a value of the wrong type, or not a constant (HCL's message)
//	SITE005  a value HCL accepts but a site cannot use: enum, quantity, DNS name,
//	         class name, annotation key, NFS server or path, empty extends,
//	         time limit, size, CPU count, scheduler name, DIRAC site or tag,
//	         directive name, a line break in a value written into a script
//	SITE006  extends forms a cycle, or a chain deeper than maxDepth
const (
	codeRead      = "SITE001"
	codeSyntax    = "SITE002"
	codeStructure = "SITE003"
	codeType      = "SITE004"
	codeValue     = "SITE005"
	codeExtends   = "SITE006"
)

// maxDepth bounds extends chains: cycles are caught by name, but a
// symlinked directory can spell one file in endless new ways.
const maxDepth = 16

// Profile is a decoded, fully resolved site profile (extends already applied).
type Profile struct {
	Name        string // built-in name, or the file's base name without .hcl
	Description string
	Extends     string // what it was based on, as written; "" for none
	Kubernetes  Kubernetes
	Batch       Batch
	CloudInit   CloudInit
	// RegistryMirrors maps a registry host to the prefix that serves its
	// images (e.g. "docker.io" = "harbor.example.org/dockerhub"): image
	// lookups go there and outputs name images so. Merged key by key.
	RegistryMirrors map[string]string
}

//go:embed profiles/*.hcl
var profiles embed.FS

// Info is one built-in profile, for `transship targets`.
type Info struct{ Name, Description string }

// Builtins lists the built-in profiles, sorted by name.
func Builtins() []Info { return slices.Clone(builtins()) }

var builtins = sync.OnceValue(func() []Info {
	var out []Info
	for _, name := range builtinNames() {
		info := Info{Name: name}
		if p, _ := Load(name, nil); p != nil {
			info.Description = p.Description
		}
		out = append(out, info)
	}
	return out
})

// builtinNames is sorted: ReadDir sorts by file name.
func builtinNames() []string {
	entries, _ := profiles.ReadDir("profiles")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".hcl"))
	}
	return names
}

// Load decodes the profile ref names, with everything it extends applied.
// ref is a built-in name or a file path, read with read (os.ReadFile in
// the CLI). A built-in name wins over a file of that name in the working
// directory; write ./NAME to mean the file. On errors the Profile is nil.
func Load(ref string, read func(path string) ([]byte, error)) (*Profile, diag.Diagnostics) {
	l := &loader{read: read}
	p := l.load(ref, nil, nil)
	l.diags.Sort()
	if l.diags.HasErrors() {
		return nil, l.diags
	}
	return p, l.diags
}
