package images

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/transship/transship/translate"
)

// LockFile is the lock file's conventional name, beside the compose file.
const LockFile = "transship.lock"

// LockVersion is the only lock format this code reads and writes.
const LockVersion = 1

// Lock is the lock file: the infos sorted by ref, plus the platform they
// were resolved for, so a later run can tell whether the lock still answers
// its question. Mirrors are not recorded: a digest names the same content
// at any mirror, and the lock stays the same on every machine.
type Lock struct {
	Version  int                    `json:"version"`
	Platform string                 `json:"platform"`
	Images   []translate.ImageFacts `json:"images"`
}

// NewLock records infos resolved with o.
func NewLock(infos []translate.ImageFacts, o Options) *Lock {
	l := &Lock{Version: LockVersion, Platform: o.withDefaults().Platform, Images: slices.Clone(infos)}
	sortInfos(l.Images)
	return l
}

// Marshal writes the lock deterministically (images sorted by ref, map
// keys sorted by encoding/json, no timestamps), indented by two spaces
// with a trailing newline, so it diffs well in review. HTML escaping is
// off: "&" in an env URL should read as "&".
func (l *Lock) Marshal() []byte {
	c := *l
	c.Images = slices.Clone(l.Images)
	if c.Images == nil {
		c.Images = []translate.ImageFacts{} // "images": [] rather than null
	}
	sortInfos(c.Images)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		// Only strings, slices and maps of strings: encoding cannot fail.
		panic("images: encoding lock: " + err.Error())
	}
	return buf.Bytes()
}

// ParseLock reads a lock file strictly: unknown fields, trailing data, a
// version other than 1, and images without a ref or digest or listed
// twice are errors, since a lock that is silently misread would pin the
// wrong images.
func ParseLock(data []byte) (*Lock, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var l Lock
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("reading lock: %w", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return nil, errors.New("reading lock: unexpected data after the lock object")
	}
	if l.Version != LockVersion {
		return nil, fmt.Errorf("reading lock: version %d is not supported (want %d)", l.Version, LockVersion)
	}
	if err := l.check(); err != nil {
		return nil, fmt.Errorf("reading lock: %w", err)
	}
	sortInfos(l.Images)
	return &l, nil
}

func sortInfos(infos []translate.ImageFacts) {
	slices.SortStableFunc(infos, func(a, b translate.ImageFacts) int { return strings.Compare(a.Ref, b.Ref) })
}

func (l *Lock) check() error {
	if _, err := parsePlatform(l.Platform); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, im := range l.Images {
		switch {
		case im.Ref == "":
			return fmt.Errorf("images[%d]: no ref", i)
		case seen[im.Ref]:
			return fmt.Errorf("images[%d]: %s is listed twice", i, im.Ref)
		case !strings.Contains(im.Resolved, "@sha256:"):
			return fmt.Errorf("images[%d]: %s: resolved %q has no sha256 digest", i, im.Ref, im.Resolved)
		}
		seen[im.Ref] = true
	}
	return nil
}

// Lookup finds the info for ref, as compose gives it.
func (l *Lock) Lookup(ref string) (translate.ImageFacts, bool) {
	for _, im := range l.Images {
		if im.Ref == ref {
			return im, true
		}
	}
	return translate.ImageFacts{}, false
}

// Stale says why the lock does not answer for refs resolved with o: refs
// missing from it, refs it has that are no longer used, and a platform
// that differs from o's. No reasons means the lock is current.
func (l *Lock) Stale(refs []string, o Options) []string {
	var reasons []string
	if want := o.withDefaults().Platform; l.Platform != want {
		reasons = append(reasons, fmt.Sprintf("platform: the lock has %s, now %s", l.Platform, want))
	}
	used := map[string]bool{}
	for _, ref := range slices.Compact(slices.Sorted(slices.Values(refs))) {
		used[ref] = true
		if _, ok := l.Lookup(ref); !ok {
			reasons = append(reasons, ref+": not in the lock")
		}
	}
	lockRefs := make([]string, len(l.Images))
	for i, im := range l.Images {
		lockRefs[i] = im.Ref
	}
	slices.Sort(lockRefs) // a hand-made Lock may be unsorted
	for _, ref := range lockRefs {
		if !used[ref] {
			reasons = append(reasons, ref+": in the lock but no longer used")
		}
	}
	return reasons
}
