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
// set to stand-ins through the values, and sees its pods Ready; upgrades
// web-db-cache with another image tag and more replicas and sees the
// rollout; and uninstalls each, leaving only the claims the chart marks to
// keep: its own claims annotated helm.sh/resource-policy: keep, and the
// claims of StatefulSets whose retention policy keeps them (web-db-cache's
// db by default; kompose-labels is installed with every keep false, so
// its StatefulSet's claims must go too). One line per example:
//
//	helm NAME install ready SECONDS, checked SECONDS [, upgrade ...], uninstall ok, kept N claims [...]
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
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout+6*time.Minute)
	defer cancel()
	dir := filepath.Join(c.Dir, "charts", ex)
	if _, err := s.convert(ctx, "convert", "--to", "helm", "-f", "examples/"+ex+"/compose.yaml", "-o", dir); err != nil {
		t.Fatal(err)
	}
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	vals, upgraded, keep, m, err := s.helmImages(ctx, ch, release, ns, dropped(ex, ch))
	if err != nil {
		t.Fatal(err)
	}
	if err := keep.showsSomething(ex); err != nil {
		t.Fatal(err)
	}
	for _, key := range m.Exclusive() {
		defer s.lock(key)()
	}
	defer s.cpu.acquire(m.CPUMillis())()
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
	if ex == "web-db-cache" {
		if len(keep.claims) == 0 || upgraded.deployment == "" {
			t.Fatalf("%s's chart has no claim marked keep (%v) or no web Deployment to upgrade: the test would show nothing", ex, keep.claims)
		}
		start = time.Now()
		up := action.NewUpgrade(cfg)
		up.Namespace, up.WaitStrategy, up.Timeout = ns, kube.HookOnlyStrategy, 5*time.Minute
		if _, err := up.RunWithContext(ctx, release, ch, upgraded.values); err != nil {
			t.Fatalf("helm upgrade: %v", err)
		}
		if err := s.rolledOut(ctx, ns, upgraded); err != nil {
			t.Fatalf("helm upgrade: %v", err)
		}
		line += fmt.Sprintf(", upgrade rolled out %5.1fs", time.Since(start).Seconds())
	}
	if jobCharts[ex] {
		took, err := s.upgradeJobs(ctx, cfg, ch, release, ns, vals)
		if err != nil {
			t.Fatalf("helm upgrade of the Jobs: %v", err)
		}
		line += fmt.Sprintf(", upgrade of the Jobs ready %5.1fs", took.Seconds())
	}
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

// upgrade is what the upgrade changes: one Deployment's image and
// replicas.
type upgrade struct {
	values     map[string]any
	deployment string
	image      string
	replicas   int
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
// the suite does for the manifests) and returns the values that put them
// in (with user's, which the render for the stand-ins takes too), the
// upgrade's values, and the claims the chart keeps.
func (s *suite) helmImages(ctx context.Context, ch *chartv2.Chart, release, ns string, user map[string]any) (map[string]any, upgrade, *kept, *Manifests, error) {
	var up upgrade
	keep, m, configs, names, err := helmStandins(ch, user, release, ns, filepath.Join(s.c.Dir, "rendered", ns))
	if err != nil {
		return nil, up, nil, nil, err
	}
	services, _ := ch.Values["services"].(map[string]any)
	vals, next := map[string]any{}, map[string]any{}
	imgs := map[string]v1.Image{}
	for i, svc := range sortedNames(services) {
		img, _ := services[svc].(map[string]any)["image"].(map[string]any)
		repo, _ := img["repository"].(string)
		if configs[repo] == nil {
			continue
		}
		standin, err := StandinImage(s.standin, names[repo], configs[repo])
		if err != nil {
			return nil, up, nil, nil, err
		}
		tag := fmt.Sprintf("%s-%d", ns, i)
		imgs["transship.test/standin:"+tag], imgs["transship.test/standin:"+tag+"-v2"] = standin, standin
		vals[svc] = map[string]any{"image": map[string]any{"repository": "transship.test/standin", "tag": tag}}
		next[svc] = map[string]any{"image": map[string]any{"repository": "transship.test/standin", "tag": tag}}
		if svc == "web" {
			next[svc] = map[string]any{"image": map[string]any{"repository": "transship.test/standin", "tag": tag + "-v2"}, "replicas": 2}
			up = upgrade{deployment: release + "-" + ch.Metadata.Name + "-web", image: "transship.test/standin:" + tag + "-v2", replicas: 2}
		}
	}
	if len(imgs) > 0 {
		archive := filepath.Join(s.c.Dir, "rendered", ns+"-images.tar")
		if err := WriteArchive(archive, imgs); err != nil {
			return nil, up, nil, nil, err
		}
		if err := s.c.ImportImages(ctx, archive); err != nil {
			return nil, up, nil, nil, err
		}
	}
	s.busyboxImages(ctx, m)
	up.values = map[string]any{"services": next}
	out := map[string]any{"services": vals}
	for k, v := range user {
		out[k], up.values[k] = v, v
	}
	return out, up, keep, m, nil
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

// rolledOut waits for the upgraded Deployment to run its replicas, every
// pod on the new image.
func (s *suite) rolledOut(ctx context.Context, ns string, up upgrade) error {
	if b, err := s.c.Kubectl(ctx, nil, "rollout", "status", "-n", ns, "deployment/"+up.deployment, "--timeout=4m"); err != nil {
		return fmt.Errorf("%v\n%s", err, b)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := s.c.Kubectl(ctx, nil, "get", "pods", "-n", ns, "-l", "app.kubernetes.io/name=web",
			"--field-selector=status.phase=Running", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}")
		images := strings.Fields(string(out))
		good := err == nil && len(images) == up.replicas
		for _, img := range images {
			good = good && img == up.image
		}
		if good {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("web's running pods have images %v (%v), want %d of %s", images, err, up.replicas, up.image)
		}
		time.Sleep(2 * time.Second)
	}
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
