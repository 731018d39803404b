// Package e2ecache names the directory where the end-to-end tests keep
// what is slow to make (scripts/e2e-deps.sh's kube binaries, the VM base
// image): $TRANSSHIP_E2E_CACHE, else ~/.cache/transship-e2e.
package e2ecache

import (
	"os"
	"path/filepath"
)

// Dir is the cache directory; it may not exist yet.
func Dir() string {
	if d := os.Getenv("TRANSSHIP_E2E_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.Getenv("HOME")
	}
	return filepath.Join(home, ".cache", "transship-e2e")
}
