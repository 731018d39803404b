package images

import (
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
)

// registryCache remembers the default keychain's answer per registry for
// one Resolve: it reads the docker config, and may run a credential
// helper, on every call, which is every image and every attempt. The
// default keychain answers per registry, so the cache cannot change what
// it says. The lock is held across the inner call on purpose: parallel
// lookups of one registry then run the helper once, not once each.
type registryCache struct {
	inner authn.Keychain
	mu    sync.Mutex
	m     map[string]authn.Authenticator
}

func (c *registryCache) Resolve(r authn.Resource) (authn.Authenticator, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.m[r.RegistryStr()]; ok {
		return a, nil
	}
	a, err := c.inner.Resolve(r)
	if err != nil { // not cached: the next attempt may succeed
		return nil, err
	}
	c.m[r.RegistryStr()] = a
	return a, nil
}
