package images

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// pushMany pushes n small distinct images and returns their references.
func pushMany(t testing.TB, reg *testRegistry, n int) []string {
	t.Helper()
	refs := make([]string, n)
	for i := range refs {
		repo := fmt.Sprintf("many/img%03d:1", i)
		reg.pushImage(t, repo, testImage(t, "amd64", v1.Config{Cmd: []string{fmt.Sprint(i)}}))
		refs[i] = reg.host + "/" + repo
	}
	return refs
}

func TestProgressSlow(t *testing.T) {
	reg := newRegistry(t, delay(50*time.Millisecond))
	refs := pushMany(t, reg, 30)
	var out bytes.Buffer
	o := testOptions()
	o.Parallel, o.Progress = 2, &out
	infos, problems := Resolve(context.Background(), refs, o)
	if len(infos) != 30 || len(problems) != 0 {
		t.Fatalf("%d infos, problems %+v", len(infos), problems)
	}
	s := out.String()
	if !strings.HasPrefix(s, "\rresolving images: ") || !strings.HasSuffix(s, "\rresolving images: 30/30\n") ||
		strings.Count(s, "\n") != 1 {
		t.Errorf("progress output %q", s)
	}
}

func TestProgressFast(t *testing.T) {
	reg := newRegistry(t, nil)
	refs := pushMany(t, reg, 30)
	var out bytes.Buffer
	o := testOptions()
	o.Progress = &out
	start := time.Now()
	infos, _ := Resolve(context.Background(), refs, o)
	took := time.Since(start)
	if len(infos) != 30 {
		t.Fatalf("%d infos", len(infos))
	}
	if took >= progressDelay {
		t.Skipf("the loopback lookup took %v on this machine; nothing to check", took)
	}
	if out.Len() != 0 {
		t.Errorf("a lookup of %v wrote progress %q", took, out.String())
	}
}
