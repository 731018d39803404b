package batch_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/transship/transship/targets/batch"
)

// sifCache keeps the SIFs that Apptainer built from the examples'
// stand-in archives, keyed by the image's digest and the Apptainer that
// built them, so a warm suite builds each once: building is most of an
// Apptainer run's CPU (mksquashfs). A run finds the SIF in its image
// cache beside the archive, as a site's pre-built SIF. TestRealRuntimes
// does not use it: its first runs build from the archives every time.
type sifCache struct {
	dir     string // under e2ecache.RuntimesDir(): the user reads it
	version string // the apptainer binary's size and time
}

// sifMaxAge: a SIF unused that long is removed (its example changed).
const sifMaxAge = 7 * 24 * time.Hour

func newSIFCache(dir, apptainer string) (*sifCache, error) {
	fi, err := os.Stat(apptainer)
	if err != nil {
		return nil, err
	}
	c := &sifCache{dir: dir, version: fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().UnixNano())}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.sif"))
	for _, f := range old {
		if fi, err := os.Stat(f); err == nil && time.Since(fi.ModTime()) > sifMaxAge {
			os.Remove(f)
		}
	}
	return c, nil
}

func (c *sifCache) path(digest v1.Hash) string {
	sum := sha256.Sum256([]byte(digest.String() + "\x00" + c.version))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:12])+".sif")
}

// seed puts the cached SIF of the image ref (digest) into the image
// cache dir, when there is one, and remembers the key for keep.
func (c *sifCache) seed(t *testing.T, x *exampleRun, dir, ref string, digest v1.Hash) {
	t.Helper()
	src := c.path(digest)
	x.sifs[ref] = src
	if _, err := os.Stat(src); err != nil {
		return
	}
	now := time.Now()
	os.Chtimes(src, now, now)
	if err := copyFile(src, filepath.Join(dir, batch.ImageFile(ref)+".sif")); err != nil {
		t.Fatal(err)
	}
}

// keep copies the SIFs the run built into the cache.
func (c *sifCache) keep(t *testing.T, x *exampleRun, dir string) {
	t.Helper()
	for ref, dst := range x.sifs {
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		built := filepath.Join(dir, batch.ImageFile(ref)+".sif")
		if _, err := os.Stat(built); err != nil {
			continue // the run did not get that far
		}
		// Through a file of its own: runs side by side may keep the same.
		tmp, err := os.CreateTemp(c.dir, ".sif-")
		if err != nil {
			t.Fatal(err)
		}
		tmp.Close()
		os.Remove(tmp.Name())
		if err := copyFile(built, tmp.Name()); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp.Name(), dst); err != nil {
			t.Fatal(err)
		}
	}
}

// copyFile copies src to dst, readable by all.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
