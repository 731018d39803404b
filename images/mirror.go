package images

import (
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Mirror rewrites a reference according to mirrors, a map from registry
// host to a replacement prefix: "nginx:1.27" with
// {"docker.io": "harbor.example.org/dockerhub"} gives
// "harbor.example.org/dockerhub/library/nginx:1.27". Keys are compared as
// registries, so "docker.io", "index.docker.io" and "registry-1.docker.io"
// are the same. A reference no mirror matches, or that does not parse, is
// returned unchanged (the lookup then reports the parse error).
func Mirror(ref string, mirrors map[string]string) string {
	if len(mirrors) == 0 {
		return ref
	}
	r, err := name.ParseReference(ref, name.WeakValidation)
	if err != nil {
		return ref
	}
	prefix, ok := mirrorFor(mirrors, r.Context().RegistryStr())
	if !ok {
		return ref
	}
	sep := ":"
	if _, isDigest := r.(name.Digest); isDigest {
		sep = "@"
	}
	// RepositoryStr has Docker Hub's implicit "library/" already, which the
	// mirror needs: it serves Docker Hub's namespaces under its prefix.
	return prefix + "/" + r.Context().RepositoryStr() + sep + r.Identifier()
}

// mirrorFor finds host's mirror. Keys are visited in sorted order so that
// a map holding two spellings of one registry always picks the same one.
func mirrorFor(mirrors map[string]string, host string) (string, bool) {
	keys := make([]string, 0, len(mirrors))
	for k := range mirrors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if normRegistry(k) == host {
			prefix := normPrefix(mirrors[k])
			return prefix, prefix != ""
		}
	}
	return "", false
}

// normRegistry spells a registry host the way name.Registry.RegistryStr
// does, so a user's key matches a parsed reference.
func normRegistry(host string) string {
	h := strings.ToLower(normPrefix(host))
	switch h {
	case "docker.io", "registry-1.docker.io", "index.docker.io":
		return name.DefaultRegistry
	}
	return h
}

// normPrefix drops a URL scheme and trailing slashes, which users copy
// from registry web pages but which a reference cannot hold.
func normPrefix(p string) string {
	p = strings.TrimSpace(p)
	p = strings.TrimPrefix(p, "https://")
	p = strings.TrimPrefix(p, "http://")
	return strings.TrimRight(p, "/")
}
