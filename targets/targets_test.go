package targets

import "testing"

// TestBuiltImage: compose's <project>-<service>, under the prefix, in
// lower case (review4 F2: a service named Api gave demo-Api, which no
// registry, kubelet or runtime accepts).
func TestBuiltImage(t *testing.T) {
	for _, c := range []struct{ prefix, service, want string }{
		{"", "web", "demo-web"},
		{"", "Api", "demo-api"},
		{"ghcr.io/org/ci", "My_Svc", "ghcr.io/org/ci/demo-my_svc"},
	} {
		if got := BuiltImage(c.prefix, "demo", c.service); got != c.want {
			t.Errorf("BuiltImage(%q, demo, %q) = %q, want %q", c.prefix, c.service, got, c.want)
		}
	}
}
