// Package e2ecache names the directory where the end-to-end tests keep
// what is slow to make (scripts/e2e-deps.sh's kube binaries, the VM base
// image): $TRANSSHIP_E2E_CACHE, else ~/.cache/transship-e2e; the real
// container runtimes, which an unprivileged user runs, in RuntimesDir().
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

// RuntimesDir is where scripts/e2e-runtimes-deps.sh builds Apptainer,
// proot and udocker: $TRANSSHIP_E2E_RUNTIMES; else, as root,
// /var/cache/transship-e2e/runtimes, since the tests run the runtimes as an
// unprivileged user who cannot enter root's 0700 home; else Dir()/runtimes.
func RuntimesDir() string {
	if d := os.Getenv("TRANSSHIP_E2E_RUNTIMES"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/cache/transship-e2e/runtimes"
	}
	return filepath.Join(Dir(), "runtimes")
}
