package output

import (
	"fmt"
	"os"

	"github.com/transship/transship/targets"
)

// swap puts the finished temporary directory in place of dir with renames,
// so dir is always either all old or all new. POSIX has no portable way to
// exchange two directories in one step; between the two renames dir is
// briefly missing, and checkInterrupted guards the next run if a crash
// lands exactly there. On failure, dir is restored and tmp removed.
func swap(loc location, tmp string, old *oldDir, files []targets.File) error {
	// An interrupt waits for the swap (interrupt.go); once it is done, tmp
	// is either in place or removed.
	inFlight.Lock()
	defer inFlight.Unlock()
	defer delete(inFlight.tmp, tmp)
	if !old.exists {
		if err := rename(tmp, loc.abs); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("%s: moving the new output into place: %w", loc.dir, err)
		}
		return nil
	}
	aside, err := reserveName(loc)
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := rename(loc.abs, aside); err != nil {
		if mustSwapInPlace(err) { // a mount point (inplace.go)
			return swapInPlace(loc, tmp, old, files)
		}
		os.RemoveAll(tmp)
		return fmt.Errorf("%s: moving the old output aside: %w", loc.dir, err)
	}
	if err := rename(tmp, loc.abs); err != nil {
		if rerr := rename(aside, loc.abs); rerr != nil {
			// Nothing is lost, but the user must know where everything is.
			return fmt.Errorf("%s: moving the new output into place: %v; restoring the old output failed too (%v): it is in %s, the new output in %s",
				loc.dir, err, rerr, aside, tmp)
		}
		os.RemoveAll(tmp)
		return fmt.Errorf("%s: moving the new output into place: %w", loc.dir, err)
	}
	if err := os.RemoveAll(aside); err != nil {
		return fmt.Errorf("%s: written, but removing the old output in %s failed: %w", loc.dir, aside, err)
	}
	return nil
}

// reserveName picks an unused name beside dir for its old contents.
// MkdirTemp guarantees uniqueness; the empty directory is removed at once
// because renaming a directory onto an existing one is not portable.
func reserveName(loc location) (string, error) {
	name, err := os.MkdirTemp(loc.parent, "."+loc.base+".transship-old-*")
	if err != nil {
		return "", fmt.Errorf("%s: reserving a name beside it: %w", loc.dir, err)
	}
	if err := os.Remove(name); err != nil {
		return "", fmt.Errorf("%s: reserving a name beside it: %w", loc.dir, err)
	}
	return name, nil
}
