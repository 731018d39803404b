package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Kubernetes names are DNS labels: lowercase letters, digits and '-',
// starting with a letter (Services need that) and at most 63 characters.
// Compose allows uppercase, '_' and '.', and longer names. dnsName maps a
// compose name to a valid one; a name it had to shorten ends in a hash of
// the whole original, so two long names stay apart and the result is the
// same on every run.

// maxName leaves room for the suffixes Kubernetes itself adds: a
// StatefulSet's pods carry "controller-revision-hash: <name>-<10 chars>",
// a label value of at most 63 characters.
const maxName = 52

func dnsName(s string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		switch {
		case ok:
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	out := b.String()
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "x-" + out
	}
	out = strings.TrimSuffix(out, "-")
	if len(out) <= max {
		return out
	}
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])[:8]
	return strings.TrimRight(out[:max-len(h)-1], "-") + "-" + h
}

// joinName builds "<base>-<suffix>" within max characters, shortening
// base (never the suffix, which says what the object is).
func joinName(base, suffix string, limit int) string {
	full := dnsName(base+"-"+suffix, 1<<10)
	if len(full) <= limit {
		return full
	}
	sum := sha256.Sum256([]byte(base + "\x00" + suffix))
	h := hex.EncodeToString(sum[:])[:8]
	suffix = dnsName(suffix, 1<<10)
	keep := limit - len(h) - len(suffix) - 2
	b := strings.TrimRight(dnsName(base, 1<<10)[:max(keep, 1)], "-")
	return b + "-" + h + "-" + suffix
}

// portName makes an IANA service name (at most 15 characters, a letter
// among them) for a container and Service port.
func portName(name, proto string, port uint32) string {
	if n := dnsName(name, 15); name != "" && len(n) <= 15 && n == strings.ToLower(name) {
		return n
	}
	return strings.ToLower(proto) + "-" + uitoa(port)
}

func uitoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// hashOf is a short stable hash, for names that must differ.
func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}
