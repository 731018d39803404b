package site

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"

	"github.com/transship/transship/diag"
)

// Finding and reading profiles: a built-in name or a file, its syntax
// (native HCL or JSON), and the blocks of each part.

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
