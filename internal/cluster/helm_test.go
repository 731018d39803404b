package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/kube"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// TestHelmExamples installs every example's chart with Helm itself
// (helm.sh/helm/v4, a test dependency) on the real cluster, its images
// set to stand-ins through the values, and sees its pods Ready and the
// suite's checks pass; upgrades it (helm_upgrade_test.go: one
// Deployment, or a Job, with another image tag and one replica more,
// every Job's service with another tag) and sees it roll as the chart's
// two revisions say; and uninstalls it, leaving only the claims the
// chart marks to keep: its own claims annotated helm.sh/resource-policy:
// keep, and the claims of StatefulSets whose retention policy keeps them
// (web-db-cache's db by default; kompose-labels is installed with every
// keep false, so its StatefulSet's claims must go too). One line per
// example:
//
//	helm NAME install ready SECONDS, checked SECONDS, upgrade (SERVICE +1, N rolled) SECONDS, uninstall ok, kept N claims [...]
func TestHelmExamples(t *testing.T) {
	c := Require(t)
	standin, err := StandinBinary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{c: c, cli: buildCLI(t, c), standin: standin, locks: map[string]*sync.Mutex{}}
	if err := s.fakeGPUs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.cpu, err = s.nodeCPU(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Run("examples", func(t *testing.T) {
		for _, ex := range examplesWithGolden(t) {
			if k := known(ex, "generic"); k.want != "" {
				t.Logf("%s: not installed: %s", ex, k.why) // TestExamples asserts it still fails so
				continue
			}
			t.Run(ex, func(t *testing.T) {
				t.Parallel()
				s.helmExample(t, ex)
			})
		}
	})
}

// helmExample installs, maybe upgrades, and uninstalls one example's chart.
func (s *suite) helmExample(t *testing.T, ex string) {
	c := s.c
	release, ns := "r", "helm-"+ex
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // converting, rendering, importing the images
	defer cancel()
	dir := filepath.Join(c.Dir, "charts", ex)
	if _, err := s.convert(ctx, "convert", "--to", "helm", "-f", "examples/"+ex+"/compose.yaml", "-o", dir); err != nil {
		t.Fatal(err)
	}
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	vals, keep, m, err := s.helmImages(ctx, ch, release, ns, dropped(ex, ch))
	if err != nil {
		t.Fatal(err)
	}
	if err := keep.showsSomething(ex); err != nil {
		t.Fatal(err)
	}
	up, err := planUpgrade(ch, vals, release, ns, filepath.Join(c.Dir, "rendered", ns+"-upgrade"))
	if err != nil {
		t.Fatal(err)
	}
	if err := up.showsSomething(ex); err != nil {
		t.Fatal(err)
	}
	for _, key := range m.Exclusive() {
		defer s.lock(key)()
	}
	defer s.cpu.acquire(up.cpu())()
	// The time for the release starts once it may run: install, upgrade
	// and uninstall, each waiting at most readyTimeout or a few minutes.
	ctx, cancel = context.WithTimeout(context.Background(), 2*readyTimeout+10*time.Minute)
	defer cancel()
	defer c.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false")
	cfg, err := helmConfig(c, ns)
	if err != nil {
		t.Fatal(err)
	}
	// The namespace and the service accounts the output names but does
	// not create (K8S155) exist before, as the warnings ask of a user.
	if _, err := c.Kubectl(ctx, nil, "create", "namespace", ns); err != nil {
		t.Fatal(err)
	}
	if err := s.accounts(ctx, ns, m); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace = release, ns
	in.WaitStrategy, in.Timeout = kube.HookOnlyStrategy, 5*time.Minute
	if _, err := in.RunWithContext(ctx, ch, vals); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	ready, err := s.waitReady(ctx, ns, start, "")
	if err != nil {
		t.Fatalf("helm install: %v", err)
	}
	line := fmt.Sprintf("helm %-18s install ready %5.1fs", ex, ready.Seconds())
	// The suite's checks of the manifests, on the release: start order,
	// every Service answering, what each stand-in saw.
	graphJSON, err := s.convert(ctx, "graph", "-f", "examples/"+ex+"/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGraph(graphJSON)
	if err != nil {
		t.Fatal(err)
	}
	g.Dir = filepath.Join(repoRoot, "examples", ex) // the bind dirs' files, which checkReports compares
	began := time.Now()
	if fails := s.check(ctx, ns, m, g); len(fails) > 0 {
		t.Fatalf("helm install: %s", strings.Join(fails, "\n"))
	}
	line += fmt.Sprintf(", checked %4.1fs", time.Since(began).Seconds())
	pods, err := s.pods(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := s.runUpgrade(ctx, cfg, ch, release, ns, up, podsByWorkload(pods)); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	line += fmt.Sprintf(", upgrade (%s +1, %d rolled) %5.1fs", up.target, len(up.changed), time.Since(start).Seconds())
	un := action.NewUninstall(cfg)
	un.WaitStrategy, un.Timeout = kube.HookOnlyStrategy, 2*time.Minute
	if _, err := un.Run(release); err != nil {
		t.Fatalf("helm uninstall: %v", err)
	}
	claims, err := s.onlyKept(ctx, ns, release, keep, m.ForeignAccounts())
	if err != nil {
		t.Fatalf("helm uninstall: %v", err)
	}
	sort.Strings(claims)
	fmt.Printf("%s, uninstall ok, kept %d claims %v\n", line, len(claims), claims)
}

// dropClaims are the examples installed with every claim's keep false,
// so that helm uninstall must delete them all: kompose-labels has a
// StatefulSet (db) as well as claims of its own.
var dropClaims = map[string]bool{"kompose-labels": true}

// dropped are the values that set every claim's keep false, for the
// examples in dropClaims; nil for the others.
func dropped(ex string, ch *chartv2.Chart) map[string]any {
	if !dropClaims[ex] {
		return nil
	}
	claims, _ := ch.Values["persistence"].(map[string]any)
	p := map[string]any{}
	for name := range claims {
		p[name] = map[string]any{"keep": false}
	}
	return map[string]any{"persistence": p}
}

// helmImages builds and imports the stand-ins of the chart's images (as
// the suite does for the manifests, with a -v2 tag of each for the
// upgrade) and returns the values that put them in (with user's, which
// the render for the stand-ins takes too) and the claims the chart keeps.
func (s *suite) helmImages(ctx context.Context, ch *chartv2.Chart, release, ns string, user map[string]any) (map[string]any, *kept, *Manifests, error) {
	keep, m, configs, names, err := helmStandins(ch, user, release, ns, filepath.Join(s.c.Dir, "rendered", ns))
	if err != nil {
		return nil, nil, nil, err
	}
	vals, repos := standinValues(ch, configs, ns)
	imgs := map[string]v1.Image{}
	for svc, v := range vals {
		standin, err := StandinImage(s.standin, names[repos[svc]], configs[repos[svc]])
		if err != nil {
			return nil, nil, nil, err
		}
		tag := v.(map[string]any)["image"].(map[string]any)["tag"].(string)
		imgs["transship.test/standin:"+tag], imgs["transship.test/standin:"+tag+"-v2"] = standin, standin
	}
	if len(imgs) > 0 {
		archive := filepath.Join(s.c.Dir, "rendered", ns+"-images.tar")
		if err := WriteArchive(archive, imgs); err != nil {
			return nil, nil, nil, err
		}
		if err := s.c.ImportImages(ctx, archive); err != nil {
			return nil, nil, nil, err
		}
	}
	s.busyboxImages(ctx, m)
	out := map[string]any{"services": vals}
	for k, v := range user {
		out[k] = v
	}
	return out, keep, m, nil
}

// standinValues put every service whose image has a stand-in config on
// its stand-in (a tag per namespace and service): the services' values,
// and the image repository each replaces.
func standinValues(ch *chartv2.Chart, configs map[string][]byte, ns string) (map[string]any, map[string]string) {
	services, _ := ch.Values["services"].(map[string]any)
	vals, repos := map[string]any{}, map[string]string{}
	for i, svc := range sortedNames(services) {
		img, _ := services[svc].(map[string]any)["image"].(map[string]any)
		repo, _ := img["repository"].(string)
		if configs[repo] == nil {
			continue
		}
		vals[svc] = map[string]any{"image": map[string]any{"repository": "transship.test/standin", "tag": fmt.Sprintf("%s-%d", ns, i)}}
		repos[svc] = repo
	}
	return vals, repos
}

func sortedNames(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// helmStandins renders the chart as revision 1 (what the install makes)
// into dir, and returns its kept claims, its manifests, and the stand-in
// configs of its images. A stand-in finds its role by its pod's hostname,
// which starts with the workload's name, and a Job's name carries the
// revision: the roles are keyed by revision 1's and 2's names, so a Job's
// stand-in knows it is a Job after the install and after an upgrade.
// (Rendering without a revision named the Jobs -r0: the -r1 Job's
// stand-in found no role, took all the image's roles merged, served as
// the image's Deployment did and never finished.)
func helmStandins(ch *chartv2.Chart, user map[string]any, release, ns, dir string) (*kept, *Manifests, map[string][]byte, map[string][]string, error) {
	keep, err := renderTo(ch, user, release, ns, dir, 1)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	m, err := ReadManifests(dir)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if _, err := renderTo(ch, user, release, ns, dir+"-r2", 2); err != nil {
		return nil, nil, nil, nil, err
	}
	m2, err := ReadManifests(dir + "-r2")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	both := &Manifests{Workloads: append(slices.Clone(m.Workloads), m2.Workloads...)}
	configs, names := both.StandinConfigs()
	return keep, m, configs, names, nil
}

// renderTo is `helm template -f user` of revision rev into a directory
// of manifests, and the claims that helm uninstall leaves.
func renderTo(ch *chartv2.Chart, user map[string]any, release, ns, dir string, rev int) (*kept, error) {
	opts := common.ReleaseOptions{Name: release, Namespace: ns, Revision: rev, IsInstall: rev == 1, IsUpgrade: rev > 1}
	rv, err := util.ToRenderValuesWithSchemaValidation(ch, user, opts, common.DefaultCapabilities, false)
	if err != nil {
		return nil, err
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	keep := &kept{claims: map[string]bool{}, sets: map[string]bool{}}
	for name, text := range out {
		if !strings.HasSuffix(name, ".yaml") || strings.TrimSpace(text) == "" {
			continue
		}
		if err := keep.add([]byte(text)); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), []byte(text), 0o644); err != nil {
			return nil, err
		}
	}
	return keep, nil
}

// helmConfig is Helm's client of the cluster, keeping releases in Secrets.
func helmConfig(c *Cluster, ns string) (*action.Configuration, error) {
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = &c.Kubeconfig, &ns
	cfg := action.NewConfiguration()
	return cfg, cfg.Init(flags, ns, "secret")
}

// onlyKept waits until the namespace holds nothing of the release but
// the claims it keeps: its own marked keep, and those of the StatefulSets
// that retain theirs (which must be there, at least one each). Every
// object is listed, labelled or not, but what the cluster and the harness
// made: the default account, kube-root-ca.crt, the accounts created for
// K8S155 and the checks' client pod.
func (s *suite) onlyKept(ctx context.Context, ns, release string, keep *kept, accounts []string) ([]string, error) {
	deadline := time.Now().Add(2 * time.Minute)
	kinds := "deployments,statefulsets,daemonsets,replicasets,jobs,cronjobs,pods,services,endpoints,ingresses,configmaps,secrets,networkpolicies,serviceaccounts,roles,rolebindings,persistentvolumeclaims,horizontalpodautoscalers,poddisruptionbudgets"
	ours := map[string]bool{"serviceaccount/default": true, "configmap/kube-root-ca.crt": true, "pod/transship-client": true}
	for _, a := range accounts {
		ours["serviceaccount/"+a] = true
	}
	for {
		out, err := s.c.Kubectl(ctx, nil, "get", kinds, "-n", ns, "-o", "name")
		var objects []string
		for _, o := range strings.Fields(string(out)) {
			kind, name, _ := strings.Cut(o, "/")
			kind, _, _ = strings.Cut(kind, ".") // kubectl names some kinds with their group
			if !ours[kind+"/"+name] {
				objects = append(objects, kind+"/"+name)
			}
		}
		left, missing, claims := keep.check(objects)
		if err == nil && len(left) == 0 && len(missing) == 0 {
			return claims, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("after uninstall: left %v, kept claims missing %v (%v)", left, missing, err)
		}
		time.Sleep(2 * time.Second)
	}
}
