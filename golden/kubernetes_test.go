package golden

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/corpus"
	"github.com/transship/transship/internal/kubeapi"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets/kubernetes"
	"github.com/transship/transship/translate"
)

// Every Kubernetes golden, and the output of every corpus file the loader
// accepts, goes to a real kube-apiserver: created as a dry run with
// strict field validation, after its Namespace was created for real.

// manifests are one output's objects, each a YAML document, by file.
type manifests map[string][]byte

// namespaceOf finds the namespace an output declares (its Namespace
// object), or "".
var namespaceLine = regexp.MustCompile(`(?m)^kind: Namespace$`)
var nameLine = regexp.MustCompile(`(?m)^  name: (\S+)$`)

func (ms manifests) namespace() string {
	for _, doc := range ms {
		if namespaceLine.Match(doc) {
			if m := nameLine.FindSubmatch(doc); m != nil {
				return strings.Trim(string(m[1]), `"`)
			}
		}
	}
	return ""
}

// validate submits every object of ms; it returns one error per object
// the server refused.
func validate(t *testing.T, srv *kubeapi.Server, fallbackNS string, ms manifests) []error {
	ns := ms.namespace()
	if ns == "" {
		ns = fallbackNS
	}
	if err := srv.EnsureNamespace(ns); err != nil {
		t.Fatalf("namespace %s: %v", ns, err)
	}
	names := make([]string, 0, len(ms))
	for n, doc := range ms {
		// The Namespace itself was created for real above.
		if n != kubernetes.Kustomization && !namespaceLine.Match(doc) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	docs := make([][]byte, len(names))
	for i, n := range names {
		docs[i] = ms[n]
	}
	var errs []error
	for i, err := range srv.DryRunAll(ns, docs) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", names[i], err))
		}
	}
	return errs
}

func TestKubernetesGoldensOnAPIServer(t *testing.T) {
	srv := kubeapi.Require(t)
	dirs, _ := filepath.Glob(filepath.Join(repoRoot(t), "golden", "*", "kubernetes*"))
	n := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		ms := manifests{}
		for f, data := range readTree(t, dir) {
			ms[f] = []byte(data)
		}
		for _, err := range validate(t, srv, "golden", ms) {
			t.Errorf("%s/%v", filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir), err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no Kubernetes goldens found")
	}
}

// corpusSites are the profiles every corpus file is converted with: the
// generic one, and the most restrictive (PodSecurity, named classes).
var corpusSites = []string{"generic", "egi-rancher"}

// TestCorpusKubernetes converts every corpus input the loader accepts:
// no error may come out (warnings are allowed, each with a code), and,
// where the API server is built, every object must be accepted by it.
func TestCorpusKubernetes(t *testing.T) {
	var outputs []manifests
	var names []string
	for _, files := range corpus.Inputs(t) {
		g, ds := translate.Load(context.Background(), translate.Options{Files: files, Profiles: []string{"*"}})
		if g == nil || ds.HasErrors() {
			continue // rejected by the loader: TestCorpus checks those
		}
		for _, name := range corpusSites {
			ms, err := convertCorpus(g, name)
			if err != nil {
				t.Errorf("%s (site %s): %v", corpus.Name(files), name, err)
				continue
			}
			outputs, names = append(outputs, ms), append(names, corpus.Name(files)+" @"+name)
		}
	}
	fmt.Fprintf(os.Stderr, "kubernetes corpus: %d outputs (%d sites) converted with exit 0\n", len(outputs), len(corpusSites))
	srv := kubeapi.Require(t)
	accepted, objects := 0, 0
	for i, ms := range outputs {
		errs := validate(t, srv, "corpus", ms)
		objects += len(ms) - 1
		for _, err := range errs {
			t.Errorf("%s: %v", names[i], err)
		}
		if len(errs) == 0 {
			accepted++
		}
	}
	fmt.Fprintf(os.Stderr, "kubernetes corpus: %d of %d outputs accepted by the API server (%d objects), %d rejected\n",
		accepted, len(outputs), objects, len(outputs)-accepted)
}

// kubeOptions are the options the CLI gives the Kubernetes target (and the
// chart) for a site without flags: the same project files and
// directories, read by the same function (translate.ReadEmbeddable).
func kubeOptions(g *translate.Graph, k site.Kubernetes) kubernetes.Options {
	o := kubernetes.Options{Site: k}
	o.Files, o.Dirs = translate.ReadEmbeddable(g)
	return o
}

func convertCorpus(g *translate.Graph, siteName string) (manifests, error) {
	prof, ds := site.Load(siteName, nil)
	if ds.HasErrors() {
		return nil, fmt.Errorf("site: %v", ds)
	}
	files, eds := kubernetes.Emit(g, kubeOptions(g, prof.Kubernetes))
	for _, d := range eds {
		if d.Severity == diag.Error {
			return nil, fmt.Errorf("%s", d.Format(""))
		}
		if d.Code == "" {
			return nil, fmt.Errorf("warning without a code: %s", d.Format(""))
		}
	}
	ms := manifests{}
	for _, f := range files {
		ms[f.Path] = f.Data
	}
	return ms, nil
}
