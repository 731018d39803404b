package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/pflag"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/images"
	"github.com/transship/transship/internal/lazy"
	"github.com/transship/transship/translate"
)

// Diagnostic codes of image lookup (the CLI does it, at the edge).
const (
	codeLockRead   = "IMG001" // transship.lock cannot be read or parsed
	codeLockStale  = "IMG002" // --check: transship.lock does not match the project
	codeUnresolved = "IMG101" // an image could not be looked up; its facts are assumed
	codeLockOld    = "IMG102" // transship.lock does not match the project: rerun with --resolve-images
)

// LockFile is the name of the lock beside the compose file.
const LockFile = "transship.lock"

// imageFlags say whether and how images are looked up.
type imageFlags struct {
	resolve  bool
	platform string
	mirrors  []string
	pin      bool
	prefix   string // --image-prefix
}

func (f *imageFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.resolve, "resolve-images", false, "look every image up in its registry (digest, entrypoint, working dir, ports...) and write "+LockFile+" beside the compose file; without it the lock is read, and nothing touches the network")
	fs.StringVar(&f.platform, "platform", "", "platform of multi-arch images to resolve (default linux/amd64)")
	fs.StringArrayVar(&f.mirrors, "registry-mirror", nil, "REGISTRY=PREFIX: look images of REGISTRY up at PREFIX and write them so (repeatable; e.g. docker.io=harbor.example.org/dockerhub)")
	fs.BoolVar(&f.pin, "pin", false, "write image@digest into the output (needs "+LockFile+" or --resolve-images)")
	fs.StringVar(&f.prefix, "image-prefix", "", "REG/PATH: a service with build: and no image: runs REG/PATH/<project>-<service>, which a CI pushes its builds to (default <project>-<service>, the name compose tags; cloud-init then builds it on the VM when it can)")
}

// checkPrefix refuses an --image-prefix that cannot start an image
// reference, with the reason; "" when it is good (or not given).
func (f *imageFlags) checkPrefix(target string) string {
	if f.prefix == "" {
		return ""
	}
	if target == "graph" {
		return "--image-prefix applies only to --to kubernetes, helm, batch and cloud-init"
	}
	p := strings.TrimRight(f.prefix, "/")
	if why := prefixProblem(p); why != "" {
		return fmt.Sprintf("--image-prefix %q: expected a registry path REG/PATH such as ghcr.io/org/ci (lower case, no tag or digest): %s", f.prefix, why)
	}
	f.prefix = p
	return ""
}

// pathComponent is the distribution reference grammar's path component:
// name.NewRepository checks only the characters, and the kubelet refuses
// ghcr.io/-x/demo-web or ghcr.io/a..b/demo-web (InvalidImageName).
var pathComponent = lazy.Regexp(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

// prefixProblem says why p cannot start an image reference, or "".
func prefixProblem(p string) string {
	if p == "" || strings.Contains(p, "@") {
		return "a digest or an empty prefix"
	}
	if _, err := name.NewRepository(p + "/x"); err != nil {
		return err.Error()
	}
	elems := strings.Split(p, "/")
	if first := elems[0]; len(elems) > 1 && (strings.ContainsAny(first, ".:") || first == "localhost") {
		elems = elems[1:] // the registry host, which NewRepository checked
	}
	for _, e := range elems {
		if !pathComponent().MatchString(e) {
			return fmt.Sprintf("path element %q is not lower-case letters and digits, joined by '.', '_', '__' or dashes", e)
		}
	}
	return ""
}

// mirrorMap reads the --registry-mirror flags over the site's mirrors.
func (f *imageFlags) mirrorMap(site map[string]string) (map[string]string, string) {
	m := map[string]string{}
	for k, v := range site {
		m[k] = v
	}
	for _, s := range f.mirrors {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" || v == "" || strings.ContainsAny(s, " \t") {
			return nil, fmt.Sprintf("--registry-mirror %q: expected REGISTRY=PREFIX, e.g. docker.io=harbor.example.org/dockerhub", s)
		}
		m[k] = strings.TrimSuffix(v, "/")
	}
	return m, ""
}

// enrichImages gives the Graph the registry's facts about its images: from
// the registry with --resolve-images (writing the lock), else from the
// lock if there is one. Then it rewrites references for mirrors and --pin.
func (f *convertFlags) enrichImages(e *env, g *translate.Graph, siteMirrors map[string]string) diag.Diagnostics {
	mirrors, msg := f.images.mirrorMap(siteMirrors)
	if msg != "" {
		return diag.Diagnostics{{Severity: diag.Error, Code: "CLI003", Message: msg}}
	}
	o := images.Options{Platform: f.images.platform, Mirrors: mirrors, Progress: e.stderr}
	refs := imageRefs(g)
	lockPath := filepath.Join(g.Dir, LockFile)
	lockSrc := diag.Src{Pos: diag.Pos{File: LockFile}}
	var lock *images.Lock
	var ds diag.Diagnostics
	if f.images.resolve {
		infos, problems := images.Resolve(context.Background(), refs, o)
		for _, p := range problems {
			ds = append(ds, diag.Warnf(codeUnresolved, imageSrc(g, p.Ref), "image %s could not be looked up: %s", p.Ref, p.Err))
		}
		lock = images.NewLock(infos, o)
		if !f.check {
			if err := writeFileAtomic(lockPath, lock.Marshal()); err != nil {
				return append(ds, diag.Errorf(codeLockRead, lockSrc, "writing %s: %v", LockFile, err))
			}
		}
	} else {
		data, err := os.ReadFile(lockPath)
		if os.IsNotExist(err) {
			if f.images.pin {
				return diag.Diagnostics{diag.Errorf(codeLockRead, lockSrc, "--pin needs %s beside the compose file, or --resolve-images", LockFile)}
			}
			translate.ApplyImages(g, nil, mirrorFunc(mirrors), false)
			return nil
		}
		if err == nil {
			lock, err = images.ParseLock(data)
		}
		if err != nil {
			return diag.Diagnostics{diag.Errorf(codeLockRead, lockSrc, "%v", err)}
		}
		if reasons := lock.Stale(refs, o); len(reasons) > 0 {
			code, sev := codeLockOld, diag.Warning
			if f.check {
				code, sev = codeLockStale, diag.Error
			}
			ds = append(ds, diag.Diagnostic{Severity: sev, Code: code, Pos: lockSrc.Pos,
				Message: fmt.Sprintf("%s is stale (%s): run with --resolve-images to update it", LockFile, strings.Join(reasons, "; "))})
		}
	}
	translate.ApplyImages(g, lock.Lookup, mirrorFunc(mirrors), f.images.pin)
	return ds
}

// mirrorFunc rewrites a reference to its registry mirror, for
// translate.ApplyImages, which takes no registry code of its own.
func mirrorFunc(mirrors map[string]string) func(string) string {
	return func(ref string) string { return images.Mirror(ref, mirrors) }
}

// imageRefs are the services' image references, sorted and unique.
func imageRefs(g *translate.Graph) []string {
	var refs []string
	for _, s := range g.Services {
		if s.Image != "" && !slices.Contains(refs, s.Image) {
			refs = append(refs, s.Image)
		}
	}
	slices.Sort(refs)
	return refs
}

// imageSrc is where the first service using ref names it.
func imageSrc(g *translate.Graph, ref string) diag.Src {
	for _, s := range g.Services {
		if s.Image == ref {
			return diag.Src{Pos: s.Src.Pos, Path: "services." + s.Name + ".image"}
		}
	}
	return diag.Src{}
}

// writeFileAtomic writes data to path through a temporary file beside it.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
