package images

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

type countingKeychain struct{ calls atomic.Int64 }

func (k *countingKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	k.calls.Add(1)
	return authn.Anonymous, nil
}

func TestRegistryCache(t *testing.T) {
	inner := &countingKeychain{}
	c := &registryCache{inner: inner, m: map[string]authn.Authenticator{}}
	for _, repo := range []string{"a.example/x", "a.example/y", "b.example/x", "a.example/x"} {
		r, err := name.NewRepository(repo)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Resolve(r); err != nil {
			t.Fatal(err)
		}
	}
	if got := inner.calls.Load(); got != 2 {
		t.Errorf("inner keychain asked %d times for 2 registries", got)
	}
}

type panickyKeychain struct{}

func (panickyKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { panic("boom") }

func TestResolveRecoversPanic(t *testing.T) {
	reg := newRegistry(t, nil)
	o := testOptions()
	o.Keychain = panickyKeychain{}
	_, problems := Resolve(context.Background(), []string{reg.host + "/a:1"}, o)
	if len(problems) != 1 || !strings.Contains(problems[0].Err, "internal error looking the image up: boom") {
		t.Errorf("problems %+v", problems)
	}
}
