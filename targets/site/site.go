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
	"errors"
	"fmt"
	"maps"
	"net"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"

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

// Kubernetes holds what the Kubernetes target takes from a site.
type Kubernetes struct {
	IngressClass       string            // ingressClassName; "" = leave unset (cluster default)
	IngressAnnotations map[string]string // added to every Ingress
	TLSIssuer          string            // cert-manager issuer name used when TLS is asked; "" = none
	TLSIssuerKind      string            // "ClusterIssuer" (default) or "Issuer": cert-manager.io/cluster-issuer vs cert-manager.io/issuer
	Domain             string            // hosts default to <service>.<Domain> when exposing without a host; "" = no default host
	StorageClass       string            // storageClassName for ReadWriteOnce claims; "" = cluster default
	SharedStorageClass string            // storageClassName for ReadWriteMany claims (volumes shared by several services/replicas); "" = same as StorageClass
	VolumeSize         string            // default PVC size, a Kubernetes quantity, default "1Gi"
	NFS                *NFS              // when set, shared volumes become static NFS PersistentVolumes on this server
	LoadBalancer       bool              // whether Services of type LoadBalancer are allowed (false on EGI: they stay pending)
	PublishedPorts     string            // how non-HTTP published ports are exposed: "ClusterIP" or "NodePort"
	RunAsNonRoot       bool              // set runAsNonRoot in pod security contexts (the cluster enforces PodSecurity)
	NetworkPolicies    bool              // emit NetworkPolicies (default true)
}

// NFS is an NFS export that shared volumes are carved from.
type NFS struct{ Server, Path string }

// defaults are where a profile that extends nothing starts; they equal
// the built-in generic (a test checks), so a bare user file means "any
// conformant cluster".
func defaults() Kubernetes {
	return Kubernetes{TLSIssuerKind: "ClusterIssuer", VolumeSize: "1Gi", LoadBalancer: true,
		PublishedPorts: "ClusterIP", NetworkPolicies: true}
}

// The HCL schemas. The kubernetes block's attributes come from fields, so
// the decoder's names and the struct cannot drift apart.
var (
	rootSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "extends"}, {Name: "description"}, {Name: "registry_mirrors"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "kubernetes"}, {Type: "batch"}, {Type: "cloud_init"}},
	}
	kubernetesSchema = &hcl.BodySchema{
		Attributes: attrSchemas(fields(&Kubernetes{})),
		Blocks:     []hcl.BlockHeaderSchema{{Type: "nfs"}},
	}
	nfsSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "server", Required: true}, {Name: "path", Required: true}},
	}
)

// fields maps each attribute of the kubernetes block to the field it sets.
func fields(k *Kubernetes) map[string]any {
	return map[string]any{
		"ingress_class":        &k.IngressClass,
		"ingress_annotations":  &k.IngressAnnotations,
		"tls_issuer":           &k.TLSIssuer,
		"tls_issuer_kind":      &k.TLSIssuerKind,
		"domain":               &k.Domain,
		"storage_class":        &k.StorageClass,
		"shared_storage_class": &k.SharedStorageClass,
		"volume_size":          &k.VolumeSize,
		"load_balancer":        &k.LoadBalancer,
		"published_ports":      &k.PublishedPorts,
		"run_as_non_root":      &k.RunAsNonRoot,
		"network_policies":     &k.NetworkPolicies,
	}
}

func attrSchemas(targets map[string]any) []hcl.AttributeSchema {
	var out []hcl.AttributeSchema
	for _, name := range slices.Sorted(maps.Keys(targets)) {
		out = append(out, hcl.AttributeSchema{Name: name})
	}
	return out
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

// source is one profile to decode.
type source struct {
	name    string // Profile.Name
	file    string // the file name positions carry; also the cycle key
	builtin bool
}

type loader struct {
	read  func(string) ([]byte, error)
	diags diag.Diagnostics
	chain []source // the profiles being decoded, outermost first
}

// load decodes the profile ref names. from is the profile whose extends
// names ref, at the range of that value; both are nil for the command line.
func (l *loader) load(ref string, from *source, at *hcl.Range) *Profile {
	src, ok := l.resolve(ref, from, at)
	if !ok || !l.enter(src, at) {
		return nil
	}
	defer func() { l.chain = l.chain[:len(l.chain)-1] }()
	data, ok := l.readSource(src, from, at)
	if !ok {
		return nil
	}
	body := l.parse(src.file, data)
	if body == nil {
		return nil
	}
	content, diags := body.Content(rootSchema)
	l.addHCL(codeStructure, "", data, diags)
	p := &Profile{Name: src.name, Kubernetes: defaults(), Batch: batchDefaults(), CloudInit: cloudInitDefaults()}
	if a := content.Attributes["extends"]; a != nil {
		l.extend(p, src, a)
	}
	if a := content.Attributes["description"]; a != nil {
		l.set(&p.Description, "description", a)
	}
	if a := content.Attributes["registry_mirrors"]; a != nil {
		l.mergeMap(&p.RegistryMirrors, "registry_mirrors", a)
	}
	if b := l.single(content.Blocks, "kubernetes", ""); b != nil {
		l.decodeKubernetes(&p.Kubernetes, b, data)
	}
	if b := l.single(content.Blocks, "batch", ""); b != nil {
		l.decodeBatch(&p.Batch, b, data)
	}
	if b := l.single(content.Blocks, "cloud_init", ""); b != nil {
		l.decodeCloudInit(&p.CloudInit, b, data)
	}
	return p
}

// resolve tells a built-in name from a file path. A ref with no path
// separator and no profile suffix is meant as a built-in name, so a typo
// there gets a did-you-mean instead of "no such file".
func (l *loader) resolve(ref string, from *source, at *hcl.Range) (source, bool) {
	if slices.Contains(builtinNames(), ref) {
		return source{name: ref, file: "builtin:" + ref + ".hcl", builtin: true}, true
	}
	looksLikeFile := strings.ContainsAny(ref, "/"+string(filepath.Separator)) ||
		strings.HasSuffix(ref, ".hcl") || strings.HasSuffix(ref, ".hcl.json")
	if !looksLikeFile || from != nil && from.builtin {
		l.errorf(codeRead, at, extendsPath(from), "%s", unknownBuiltin(ref))
		return source{}, false
	}
	file := ref
	if from != nil && !filepath.IsAbs(ref) {
		file = filepath.Join(filepath.Dir(from.file), ref)
	}
	name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(ref), ".json"), ".hcl")
	return source{name: name, file: file}, true
}

func unknownBuiltin(ref string) string {
	names := builtinNames()
	msg := fmt.Sprintf("unknown site profile %q", ref)
	if s := suggest(ref, names); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", orList(quoteAll(s)))
	}
	return msg + fmt.Sprintf("; the built-in profiles are %s, and a file path needs a %q or the .hcl suffix",
		strings.Join(names, ", "), "/")
}

// enter pushes src on the chain of profiles being decoded, refusing a
// cycle or a chain too deep.
func (l *loader) enter(src source, at *hcl.Range) bool {
	key := filepath.Clean(src.file)
	for i, s := range l.chain {
		if filepath.Clean(s.file) == key {
			var names []string
			for _, c := range l.chain[i:] {
				names = append(names, c.file)
			}
			names = append(names, src.file)
			l.errorf(codeExtends, at, "extends", "extends forms a cycle: %s", strings.Join(names, " -> "))
			return false
		}
	}
	if len(l.chain) >= maxDepth {
		l.errorf(codeExtends, at, "extends", "extends chain deeper than %d profiles", maxDepth)
		return false
	}
	l.chain = append(l.chain, src)
	return true
}

func (l *loader) readSource(src source, from *source, at *hcl.Range) ([]byte, bool) {
	if src.builtin {
		data, err := profiles.ReadFile(path.Join("profiles", src.name+".hcl"))
		return data, err == nil
	}
	read := l.read
	if read == nil { // as Builtins() decodes: built-ins never read files
		read = func(string) ([]byte, error) { return nil, errors.New("no file access") }
	}
	data, err := read(src.file)
	if err == nil {
		return data, true
	}
	if at == nil { // the command line: the error belongs to the file itself
		at = &hcl.Range{Filename: src.file}
	}
	l.errorf(codeRead, at, extendsPath(from), "cannot read site profile: %v", err)
	return nil, false
}

// parse picks HCL's JSON syntax by suffix; syntax errors stop the file,
// since decoding a broken body only adds confusing follow-up errors.
func (l *loader) parse(file string, data []byte) hcl.Body {
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(file, ".json") {
		f, diags = hcljson.Parse(data, file)
	} else {
		f, diags = hclsyntax.ParseConfig(data, file, hcl.InitialPos)
	}
	l.addHCL(codeSyntax, "", nil, diags)
	if f == nil || diags.HasErrors() {
		return nil
	}
	return f.Body
}

// extend applies the parent's values to p before p's own.
func (l *loader) extend(p *Profile, src source, a *hcl.Attribute) {
	if !l.set(&p.Extends, "extends", a) {
		return
	}
	r := a.Expr.Range()
	if p.Extends == "" {
		l.errorf(codeValue, &r, "extends", "extends is empty: name a built-in profile or a file")
		return
	}
	if parent := l.load(p.Extends, &src, &r); parent != nil {
		p.Description = parent.Description
		p.Kubernetes = parent.Kubernetes
		p.Batch = parent.Batch
		p.CloudInit = parent.CloudInit
		p.RegistryMirrors = maps.Clone(parent.RegistryMirrors)
	}
}

func (l *loader) decodeKubernetes(k *Kubernetes, b *hcl.Block, data []byte) {
	content, diags := b.Body.Content(kubernetesSchema)
	l.addHCL(codeStructure, "kubernetes", data, diags)
	targets := fields(k)
	for _, name := range slices.Sorted(maps.Keys(content.Attributes)) {
		l.set(targets[name], "kubernetes."+name, content.Attributes[name])
	}
	if nb := l.single(content.Blocks, "nfs", "kubernetes"); nb != nil {
		content, diags := nb.Body.Content(nfsSchema)
		l.addHCL(codeStructure, "kubernetes.nfs", data, diags)
		n := &NFS{}
		l.set(&n.Server, "kubernetes.nfs.server", content.Attributes["server"])
		l.set(&n.Path, "kubernetes.nfs.path", content.Attributes["path"])
		k.NFS = n // replaces the parent's, as a block is one value
	}
}

// single returns the one block of a type, reporting any repetition the
// way gohcl does (hcl.BodySchema alone allows repeated blocks).
func (l *loader) single(blocks hcl.Blocks, typ, parent string) *hcl.Block {
	var first *hcl.Block
	for _, b := range blocks {
		if b.Type != typ {
			continue
		}
		if first != nil {
			l.errorf(codeStructure, &b.DefRange, join(parent, typ), "Duplicate %s block; Only one %s block is allowed. Another was defined at %s.",
				typ, typ, first.DefRange)
			continue
		}
		first = b
	}
	return first
}

// set decodes a into target (a pointer to a field), then checks the value.
// It reports whether the value decoded; a nil a (absent) leaves target.
func (l *loader) set(target any, path string, a *hcl.Attribute) bool {
	if a == nil {
		return false
	}
	switch t := target.(type) {
	case *map[string]string:
		return l.mergeMap(t, path, a)
	case *[]string:
		return l.setList(t, path, a)
	}
	if diags := decode(a.Expr, target); diags.HasErrors() {
		l.addHCL(codeType, path, nil, diags)
		return false
	}
	var msg string
	switch t := target.(type) {
	case *string:
		if c := checks[path]; c != nil {
			msg = c(*t)
		}
	case *float64:
		if c := numberChecks[path]; c != nil {
			msg = c(*t)
		}
	}
	if msg != "" {
		r := a.Expr.Range()
		l.errorf(codeValue, &r, path, "%s", msg)
	}
	return true
}

// setList replaces *list with a's elements, sorted and without repeats (a
// list here is a set: the order in the file means nothing). Each element
// is decoded on its own so a bad one is reported where it stands.
func (l *loader) setList(list *[]string, path string, a *hcl.Attribute) bool {
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		l.addHCL(codeType, path, nil, diags)
		return false
	}
	var out []string
	for i, e := range exprs {
		var s string
		if diags := decode(e, &s); diags.HasErrors() {
			l.addHCL(codeType, path, nil, diags)
			continue
		}
		if c := checks[path]; c != nil {
			if msg := c(s); msg != "" {
				r := e.Range()
				l.errorf(codeValue, &r, fmt.Sprintf("%s[%d]", path, i), "%s", msg)
			}
		}
		out = append(out, s)
	}
	slices.Sort(out)
	*list = slices.Compact(out)
	return true
}

// decode is gohcl.DecodeExpression without its follow-up error: an
// expression that cannot be evaluated (a variable, a function call) is
// also reported as "value must be known", which only adds noise.
func decode(expr hcl.Expression, target any) hcl.Diagnostics {
	if _, diags := expr.Value(nil); diags.HasErrors() {
		return diags
	}
	return gohcl.DecodeExpression(expr, nil, target)
}

// mergeMap adds a's entries to *m, over the inherited ones. Each key is
// decoded on its own so a bad annotation key is reported where it stands.
func (l *loader) mergeMap(m *map[string]string, path string, a *hcl.Attribute) bool {
	pairs, diags := hcl.ExprMap(a.Expr)
	if diags.HasErrors() {
		l.addHCL(codeType, path, nil, diags)
		return false
	}
	merged := maps.Clone(*m)
	if merged == nil {
		merged = map[string]string{}
	}
	for _, kv := range pairs {
		var key, val string
		diags := decode(kv.Key, &key)
		diags = append(diags, decode(kv.Value, &val)...)
		if diags.HasErrors() {
			l.addHCL(codeType, path, nil, diags)
			continue
		}
		where := fmt.Sprintf("%s[%q]", path, key)
		if c := keyChecks[path]; c != nil {
			if msg := c(key); msg != "" {
				r := kv.Key.Range()
				l.errorf(codeValue, &r, where, "%s", msg)
			}
		}
		if c := checks[path]; c != nil {
			if msg := c(val); msg != "" {
				r := kv.Value.Range()
				l.errorf(codeValue, &r, where, "%s", msg)
			}
		}
		merged[key] = val
	}
	*m = merged
	return true
}

// addHCL reports HCL's own diagnostics with its wording and positions.
// path is the block they arise in; when the subject is a name (an unknown
// argument or block), it is added to the path.
func (l *loader) addHCL(code, path string, src []byte, ds hcl.Diagnostics) {
	for _, d := range ds {
		msg := d.Summary
		if d.Detail != "" {
			msg += "; " + d.Detail
		}
		dg := rangeDiag(code, d.Subject, join(path, subjectName(src, d.Subject)), "%s", msg)
		if d.Severity == hcl.DiagWarning {
			dg.Severity = diag.Warning
		}
		l.diags = append(l.diags, dg)
	}
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func subjectName(src []byte, r *hcl.Range) string {
	if r == nil || src == nil || r.End.Byte > len(src) || r.Start.Byte >= r.End.Byte {
		return ""
	}
	name := strings.Trim(string(src[r.Start.Byte:r.End.Byte]), `"`)
	if !identRE.MatchString(name) {
		return ""
	}
	return name
}

func (l *loader) errorf(code string, r *hcl.Range, path, format string, args ...any) {
	l.diags = append(l.diags, rangeDiag(code, r, path, format, args...))
}

func rangeDiag(code string, r *hcl.Range, path, format string, args ...any) diag.Diagnostic {
	var pos diag.Pos
	if r != nil {
		pos = diag.Pos{File: r.Filename, Line: r.Start.Line, Col: r.Start.Column}
	}
	return diag.Diagnostic{Severity: diag.Error, Code: code, Pos: pos, Path: path,
		Message: fmt.Sprintf(format, args...)}
}

func join(parent, name string) string {
	if parent == "" || name == "" {
		return parent + name
	}
	return parent + "." + name
}

func extendsPath(from *source) string {
	if from == nil {
		return ""
	}
	return "extends"
}

// checks validate string values that HCL's types alone accept; each
// returns what is wrong, or "". The patterns match schema/site.schema.json.
// For a list or a map, the check applies to each element or value.
var checks = map[string]func(string) string{
	"kubernetes.ingress_class":        objectName,
	"kubernetes.tls_issuer":           objectName,
	"kubernetes.storage_class":        objectName,
	"kubernetes.shared_storage_class": objectName,
	"kubernetes.tls_issuer_kind":      oneOf("ClusterIssuer", "Issuer"),
	"kubernetes.published_ports":      oneOf("ClusterIP", "NodePort"),
	"kubernetes.domain":               domain,
	"kubernetes.volume_size":          quantity,
	"kubernetes.nfs.server":           host,
	"kubernetes.nfs.path":             absPath,
	"batch.scheduler":                 oneOf("slurm", "htcondor", "dirac", "none"),
	"batch.runtime":                   oneOf("auto", "apptainer", "singularity", "udocker"),
	"batch.walltime":                  walltime,
	"batch.partition":                 partition,
	"batch.account":                   schedulerName,
	"batch.qos":                       schedulerName,
	"batch.min_memory":                memory,
	"batch.image_cache":               oneLine,
	"batch.volume_base":               oneLine,
	"batch.cvmfs_unpacked":            optionalAbsPath,
	"batch.requirements":              oneLine,
	"batch.dirac_site":                diracSite,
	"batch.dirac_tags":                diracTag,
	"batch.extra":                     oneLine,
	"registry_mirrors":                mirrorPrefix,
	"cloud_init.secrets":              oneOf("embed", "prompt", "file"),
	"cloud_init.user":                 unixUser,
	"cloud_init.ssh_keys":             sshKey,
	"cloud_init.data_volume":          dataVolume,
	"cloud_init.swap":                 swapSize,
	"cloud_init.packages":             debPackage,
}

// keyChecks validate the keys of map attributes.
var keyChecks = map[string]func(string) string{
	"kubernetes.ingress_annotations": qualifiedName,
	"batch.extra":                    extraKey,
	"registry_mirrors":               registryHost,
}

// numberChecks validate number values.
var numberChecks = map[string]func(float64) string{
	"batch.min_cpus": positive,
}

const dnsLabel = `[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?`

var (
	subdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	domainRE    = regexp.MustCompile(`^` + dnsLabel + `(\.` + dnsLabel + `)*$`)
	quantityRE  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$`)
	numericTLD  = regexp.MustCompile(`(^|\.)[0-9]+$`)
	nameRE      = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)
)

// objectName checks the name of a Kubernetes object (IngressClass,
// StorageClass, issuer): a DNS-1123 subdomain. "" means the cluster default.
func objectName(s string) string {
	if s == "" || len(s) <= 253 && subdomainRE.MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a Kubernetes object name: lowercase letters, digits, '-' and '.', "+
		"starting and ending with a letter or digit", s)
}

// domain checks a DNS domain that hosts are made under. An IP address
// passes the DNS pattern but <service>.<ip> resolves nowhere, hence the hint.
func domain(s string) string {
	switch {
	case s == "":
		return ""
	case net.ParseIP(s) != nil:
		return fmt.Sprintf("%q is an IP address, not a DNS domain: hosts <service>.%s resolve nowhere (try %q)", s, s, s+".nip.io")
	case len(s) > 253 || !domainRE.MatchString(s):
		return fmt.Sprintf("%q is not a DNS domain: lowercase labels of letters, digits and '-', up to 63 characters, separated by dots", s)
	case numericTLD.MatchString(s): // no top-level domain is a number
		return fmt.Sprintf("%q is not a DNS domain: its last label is a number", s)
	}
	return ""
}

func quantity(s string) string {
	if !quantityRE.MatchString(s) {
		return fmt.Sprintf("%q is not a Kubernetes quantity such as \"1Gi\" or \"500Mi\"", s)
	}
	if strings.Trim(s, "0.KMGTPEik") == "" { // every digit is zero
		return fmt.Sprintf("%q is zero; a volume needs a size", s)
	}
	return ""
}

func host(s string) string {
	if net.ParseIP(s) != nil || s != "" && len(s) <= 253 && domainRE.MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a host name or IP address", s)
}

func absPath(s string) string {
	if strings.HasPrefix(s, "/") {
		return ""
	}
	return fmt.Sprintf("%q is not an absolute path", s)
}

func oneOf(allowed ...string) func(string) string {
	return func(s string) string {
		if slices.Contains(allowed, s) {
			return ""
		}
		msg := fmt.Sprintf("%q is not one of %s", s, strings.Join(allowed, ", "))
		if c := suggest(s, allowed); len(c) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", c[0])
		}
		return msg
	}
}

// qualifiedName checks an annotation key: [prefix/]name, the prefix a DNS
// subdomain, as the apiserver validates it.
func qualifiedName(s string) string {
	prefix, name, hasPrefix := strings.Cut(s, "/")
	if !hasPrefix {
		prefix, name = "", s
	}
	if nameRE.MatchString(name) && (!hasPrefix || prefix != "" && len(prefix) <= 253 && subdomainRE.MatchString(prefix)) {
		return ""
	}
	return fmt.Sprintf("%q is not a valid annotation key: [prefix/]name, the prefix a DNS subdomain and the name "+
		"up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit", s)
}

// suggest returns the candidates close to s: those s begins (a name cut
// short) or, failing that, the nearest one within a few edits, so a
// typo is helped without guessing wildly.
func suggest(s string, candidates []string) []string {
	var out []string
	for _, c := range candidates {
		if s != "" && strings.HasPrefix(c, s) {
			out = append(out, c)
		}
	}
	if len(out) > 0 {
		return out
	}
	lower := make([]string, len(candidates))
	for i, c := range candidates {
		lower[i] = strings.ToLower(c)
	}
	if i := diag.Nearest(strings.ToLower(s), lower, max(2, len(s)/3)+1); i >= 0 {
		return []string{candidates[i]}
	}
	return nil
}

// orList joins "a", "a or b", "a, b or c".
func orList(ss []string) string {
	if len(ss) <= 2 {
		return strings.Join(ss, " or ")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// registryHost checks a registry host (optionally with a port), the key
// of registry_mirrors: "docker.io", "ghcr.io", "registry.example.org:5000".
func registryHost(s string) string {
	h, port, hasPort := strings.Cut(s, ":")
	if domainRE.MatchString(h) && (!hasPort || portRE.MatchString(port)) {
		return ""
	}
	return fmt.Sprintf("%q is not a registry host (e.g. docker.io, registry.example.org:5000)", s)
}

// mirrorPrefix checks where a mirror serves images: a host and an optional
// path, "harbor.example.org/dockerhub".
func mirrorPrefix(s string) string {
	h, _, _ := strings.Cut(s, "/")
	if registryHost(h) == "" && !strings.ContainsAny(s, " \t\n@") && !strings.HasSuffix(s, "/") {
		return ""
	}
	return fmt.Sprintf("%q is not a registry prefix (e.g. harbor.example.org/dockerhub)", s)
}

var portRE = regexp.MustCompile(`^[0-9]{1,5}$`)
