package translate

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/transship/transship/diag"
)

// Mounts: a service's volumes:, tmpfs:, secrets: and configs: as edges.

// listSrc finds a secrets:/configs: entry: the i-th when it is written in
// the long syntax (a mapping), else by name in the short syntax.
func (c *converter) listSrc(base, name string, i int) diag.Src {
	item := base + "[" + strconv.Itoa(i) + "]"
	if c.ix.has(item + ".source") {
		return c.ix.src(item)
	}
	if src, ok := c.ix.valueSrc(base, name); ok {
		return src
	}
	return c.itemSrc(base, i)
}

// mounts lists volumes:, tmpfs:, secrets: and configs: as mount edges.
func (c *converter) mounts(base string, s types.ServiceConfig) []Mount {
	var out []Mount
	for i, v := range s.Volumes {
		out = append(out, c.volumeMount(v, c.itemSrc(base+".volumes", i)))
	}
	for i, t := range s.Tmpfs {
		out = append(out, tmpfsMount(t, c.itemSrc(base+".tmpfs", i)))
	}
	for i, sec := range s.Secrets {
		out = append(out, fileMount(MountSecret, types.FileReferenceConfig(sec), "/run/secrets/", c.listSrc(base+".secrets", sec.Source, i)))
	}
	for i, cfg := range s.Configs {
		out = append(out, fileMount(MountConfig, types.FileReferenceConfig(cfg), "/", c.listSrc(base+".configs", cfg.Source, i)))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}

func (c *converter) volumeMount(v types.ServiceVolumeConfig, src diag.Src) Mount {
	m := Mount{Target: v.Target, ReadOnly: v.ReadOnly, Src: src}
	switch v.Type {
	case types.VolumeTypeBind:
		m.Kind, m.Source, m.SourceKind = MountBind, c.bindSource(v.Source, src.Path), statKind(v.Source)
		c.checkBindLinks(m, v.Source)
	case types.VolumeTypeVolume:
		m.Kind, m.Source = MountVolume, v.Source
		if v.Volume != nil {
			m.SubPath = v.Volume.Subpath
		}
	case types.VolumeTypeTmpfs:
		m.Kind = MountTmpfs
		if v.Tmpfs != nil {
			m.TmpfsSize = int64(v.Tmpfs.Size)
			if v.Tmpfs.Mode != 0 {
				mode := int(v.Tmpfs.Mode)
				m.Mode = &mode
			}
		}
	case types.VolumeTypeImage:
		m.Kind, m.Source = MountImage, v.Source
	default:
		m.Kind, m.Source = MountOther, v.Type+":"+v.Source
	}
	return m
}

// bindSource keeps a bind source the user wrote absolute (or from ~)
// as written, and makes one written relative project-relative: compose-go
// has made both absolute, and only the written form tells them apart.
func (c *converter) bindSource(resolved, path string) string {
	written, ok := c.ix.raw[path+".source"]
	if !ok {
		written, _, _ = strings.Cut(c.ix.raw[path], ":")
	}
	switch {
	case strings.HasPrefix(written, "/"):
		return resolved
	case strings.HasPrefix(written, "~"):
		return written
	}
	return c.rel(resolved)
}

// tmpfsMount reads the short tmpfs syntax "/path:size=64m,mode=1777".
func tmpfsMount(t string, src diag.Src) Mount {
	target, opts, _ := strings.Cut(t, ":")
	m := Mount{Kind: MountTmpfs, Target: target, Src: src}
	for _, o := range strings.Split(opts, ",") {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "size":
			if n, err := parseBytes(v); err == nil {
				m.TmpfsSize = n
			}
		case "mode":
			if n, err := strconv.ParseInt(v, 8, 32); err == nil {
				mode := int(n)
				m.Mode = &mode
			}
		}
	}
	return m
}

// parseBytes reads docker's size syntax: a number with an optional b, k,
// m or g suffix, in powers of 1024.
func parseBytes(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for suffix, m := range map[string]int64{"k": 1 << 10, "m": 1 << 20, "g": 1 << 30} {
		if strings.HasSuffix(s, suffix) || strings.HasSuffix(s, suffix+"b") {
			s = strings.TrimSuffix(strings.TrimSuffix(s, "b"), suffix)
			mult = m
			break
		}
	}
	s = strings.TrimSuffix(s, "b")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}

// fileMount is a secret or config mount; a relative target is under dir,
// as compose does.
func fileMount(kind MountKind, f types.FileReferenceConfig, dir string, src diag.Src) Mount {
	target := f.Target
	if target == "" {
		target = f.Source
	}
	if !path.IsAbs(target) {
		target = dir + target
	}
	m := Mount{Kind: kind, Source: f.Source, Target: target, ReadOnly: true, UID: f.UID, GID: f.GID, Src: src}
	if f.Mode != nil {
		mode := int(*f.Mode)
		m.Mode = &mode
	}
	return m
}

// checkBindLinks refuses a bind source written inside the project that
// is a symlink loop (compose would fail to mount it; the targets made an
// empty claim of it without a word), or whose links lead outside the
// project (what it holds would not be the project's). A source written
// outside the project (../data, /srv) is the user's explicit choice and
// is left to the targets.
func (c *converter) checkBindLinks(m Mount, abs string) {
	if path.IsAbs(m.Source) || m.Source == ".." || strings.HasPrefix(m.Source, "../") || strings.HasPrefix(m.Source, "~") {
		return
	}
	if _, err := os.Stat(abs); errors.Is(err, syscall.ELOOP) {
		c.diags = append(c.diags, diag.Errorf(CodeBindLink, m.Src, "bind source %s is a symlink loop", m.Source))
		return
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return // missing: compose creates it
	}
	root, err := filepath.EvalSymlinks(c.dir)
	if err != nil {
		return
	}
	if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		c.diags = append(c.diags, diag.Errorf(CodeBindLink, m.Src, "bind source %s links to %s, outside the project directory; bind that path itself if it is meant", m.Source, real))
	}
}
