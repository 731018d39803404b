// Package images looks image references up in their registries: it pins
// tags to digests and reads the image configs (entrypoint, cmd, env,
// working dir, user, exposed ports, healthcheck, labels) that targets need
// to be exact. It is opt-in and runs at the edge, before the targets; its
// results can be saved to a lock file (transship.lock) so that later
// conversions run offline and give the same bytes.
//
// The package talks to registries through go-containerregistry and must
// stay free of k8s.io packages, so it uses the plain docker-config
// keychain, never k8schain. translate/ never imports it (`make lint`): the
// CLI runs it and hands the Graph the facts (translate.ApplyImages).
package images

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Problem is an image that could not be resolved. It is not fatal to the
// conversion: the caller reports it and carries on without the image's
// config.
type Problem struct {
	Ref string `json:"ref"`
	Err string `json:"err"` // one line, without the reference
}

// String is the problem as a message line: "ref: err".
func (p Problem) String() string { return p.Ref + ": " + p.Err }

// Options say where and how to look images up. The zero value is usable.
type Options struct {
	Platform  string            // "os/arch[/variant]"; "" = linux/amd64
	Mirrors   map[string]string // registry host -> replacement prefix; see Mirror
	Keychain  authn.Keychain    // nil = authn.DefaultKeychain (the user's docker config)
	Parallel  int               // references looked up at once; 0 = 8
	Timeout   time.Duration     // per attempt at one reference; 0 = 20s
	Retries   int               // extra attempts on network errors, 5xx and 429; 0 = 2, negative = none
	Transport http.RoundTripper // nil = remote.DefaultTransport
	Insecure  bool              // allow plain-http registries (name.Insecure)
	// Progress, when set, gets a "resolving images: n/total" line,
	// rewritten with \r, if the whole lookup takes more than a second.
	Progress io.Writer
}

// DefaultPlatform is the platform images are resolved for when
// Options.Platform is empty: what most clusters and batch nodes run.
const DefaultPlatform = "linux/amd64"

// withDefaults fills the zero fields, so the rest of the package never
// re-checks them. Keychain and Transport are left to Resolve, which wraps
// the default keychain in a cache.
func (o Options) withDefaults() Options {
	if o.Platform == "" {
		o.Platform = DefaultPlatform
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	switch {
	case o.Retries == 0:
		o.Retries = 2
	case o.Retries < 0:
		o.Retries = 0
	}
	return o
}

// parsePlatform reads "os/arch[/variant]". It is stricter than
// v1.ParsePlatform: the OS and the architecture are both required, since
// matching an index entry against a half-given platform would pick an
// arbitrary one.
func parsePlatform(s string) (v1.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return v1.Platform{}, fmt.Errorf("invalid platform %q: want os/arch[/variant]", s)
	}
	p := v1.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// platformString is os/arch[/variant]; unlike v1.Platform.String it never
// adds an OS version, so the lock file compares equal with Options.Platform.
func platformString(os, arch, variant string) string {
	if os == "" && arch == "" {
		return ""
	}
	s := os + "/" + arch
	if variant != "" {
		s += "/" + variant
	}
	return s
}
