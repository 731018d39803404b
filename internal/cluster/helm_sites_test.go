package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	"sigs.k8s.io/yaml"
)

// TestHelmSiteValues installs charts converted for the generic site with
// the values file they ship for egi-im (values-egi-im.yaml), as a user
// moving a chart to an EGI IM cluster does, and sees the site's settings
// on the running objects: pods Ready, the Service of web-db-cache's
// published non-HTTP port a NodePort with a node port assigned, every
// claim Bound on egi-im's managed-nfs-storage (this cluster's stand-in
// class of that name, config.go, as for the manifests' egi-im runs; it has
// no NFS server, and egi-im names none). One line per example:
//
//	helm-site NAME egi-im ready SECONDS, SERVICE NodePort PORT, N claims on CLASS
func TestHelmSiteValues(t *testing.T) {
	c := Require(t)
	standin, err := StandinBinary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{c: c, cli: buildCLI(t, c), standin: standin, locks: map[string]*sync.Mutex{}}
	if s.cpu, err = s.nodeCPU(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Run("egi-im", func(t *testing.T) {
		for _, ex := range []struct{ name, nodePort string }{{"web-db-cache", "web-published"}, {"shared-volume", ""}} {
			t.Run(ex.name, func(t *testing.T) {
				t.Parallel()
				s.helmSite(t, ex.name, "egi-im", ex.nodePort)
			})
		}
	})
}

// helmSite installs ex's generic chart with values-SITE.yaml and checks
// it; nodePort names the Service the site makes a NodePort ("" for none).
func (s *suite) helmSite(t *testing.T, ex, siteName, nodePort string) {
	c := s.c
	release, ns := "r", "helm-"+siteName+"-"+ex
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout+4*time.Minute)
	defer cancel()
	dir := filepath.Join(c.Dir, "charts-"+siteName, ex)
	if _, err := s.convert(ctx, "convert", "--to", "helm", "-f", "examples/"+ex+"/compose.yaml", "-o", dir); err != nil {
		t.Fatal(err)
	}
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "values-"+siteName+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var siteVals map[string]any
	if err := yaml.Unmarshal(data, &siteVals); err != nil {
		t.Fatal(err)
	}
	class, _ := siteVals["site"].(map[string]any)["storageClass"].(string)
	if class == "" {
		t.Fatalf("values-%s.yaml names no storage class: the test would show nothing\n%s", siteName, data)
	}
	images, _, m, err := s.helmImages(ctx, ch, release, ns, nil)
	if err != nil {
		t.Fatal(err)
	}
	vals := util.MergeTables(images, siteVals) // -f values-SITE.yaml --set services.X.image...
	for _, key := range m.Exclusive() {
		defer s.lock(key)()
	}
	defer s.cpu.acquire(m.CPUMillis())()
	defer c.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false")
	cfg, err := helmConfig(c, ns)
	if err != nil {
		t.Fatal(err)
	}
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
		t.Fatalf("helm install -f values-%s.yaml: %v", siteName, err)
	}
	ready, err := s.waitReady(ctx, ns, start, "")
	if err != nil {
		t.Fatalf("helm install -f values-%s.yaml: %v", siteName, err)
	}
	line := fmt.Sprintf("helm-site %-14s %s ready %5.1fs", ex, siteName, ready.Seconds())
	if nodePort != "" {
		out, err := c.Kubectl(ctx, nil, "get", "service", "-n", ns, nodePort, "-o", "jsonpath={.spec.type} {.spec.ports[0].nodePort}")
		f := strings.Fields(string(out))
		if err != nil || len(f) != 2 || f[0] != "NodePort" {
			t.Fatalf("service %s: %q (%v), want a NodePort with its port", nodePort, out, err)
		}
		line += fmt.Sprintf(", %s NodePort %s", nodePort, f[1])
	}
	out, err := c.Kubectl(ctx, nil, "get", "persistentvolumeclaims", "-n", ns, "-o", "jsonpath={range .items[*]}{.spec.storageClassName} {.status.phase}{\"\\n\"}{end}")
	claims := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil || len(claims) == 0 || claims[0] == "" {
		t.Fatalf("claims: %q (%v)", out, err)
	}
	for _, cl := range claims {
		if cl != class+" Bound" {
			t.Fatalf("claims (class, phase): %q, want every one %s Bound", claims, class)
		}
	}
	line += fmt.Sprintf(", %d claims on %s", len(claims), class)
	un := action.NewUninstall(cfg)
	un.WaitStrategy, un.Timeout = kube.HookOnlyStrategy, 2*time.Minute
	if _, err := un.Run(release); err != nil {
		t.Fatalf("helm uninstall: %v", err)
	}
	fmt.Println(line + ", uninstall ok")
}
