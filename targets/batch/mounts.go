package batch

import (
	"path"
	"strings"

	"github.com/transship/transship/translate"
)

// mayUdocker reports whether run.sh may pick udocker, which has no
// read-only mounts.
func (p *project) mayUdocker() bool {
	return p.o.Site.Runtime == "auto" || p.o.Site.Runtime == "udocker"
}

// mounts renders volumes, binds, tmpfs, secrets and configs as binds of
// host directories and files.
func (w *specWriter) mounts() {
	for _, m := range w.s.Mounts {
		if !w.mountPaths(m) {
			continue
		}
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		switch m.Kind {
		case translate.MountBind:
			w.bind(m, mode)
		case translate.MountVolume:
			w.volume(m, mode)
		case translate.MountTmpfs:
			w.call("tmpdir", m.Target)
			if m.TmpfsSize > 0 || m.Mode != nil {
				w.warn(CodeTmpfs, m.Src, "tmpfs %s is a per-job directory on the node: its size and mode are not kept", m.Target)
			}
		case translate.MountSecret:
			w.secret(m)
			w.fileOwner(m)
		case translate.MountConfig:
			w.config(m)
			w.fileOwner(m)
		default:
			w.warn(CodeMount, m.Src, "a %s mount cannot be expressed with Apptainer or udocker and is left out", m.Kind)
			continue
		}
		if m.ReadOnly && m.Kind != translate.MountSecret && m.Kind != translate.MountConfig && w.p.mayUdocker() {
			w.warn(CodeReadOnly, m.Src, "%s is mounted read-write if the job runs with udocker, which has no read-only mounts", m.Target)
		}
	}
	if w.s.Security.ReadOnly {
		w.call("read_only")
		if w.p.mayUdocker() {
			w.warn(CodeReadOnly, w.src("read_only"), "the root file system is writable if the job runs with udocker")
		}
	}
}

// mountPaths refuses paths the runtimes' mount syntax cannot carry.
func (w *specWriter) mountPaths(m translate.Mount) bool {
	paths := []string{m.Target}
	if m.Kind == translate.MountBind {
		paths = append(paths, m.Source)
	}
	for _, p := range paths {
		if strings.ContainsAny(p, ",:\x00") {
			w.p.errorf(CodeMountPath, m.Src, "mount path %q holds ',' or ':', which Apptainer and udocker split mount specifications on", p)
			return false
		}
	}
	return true
}

func (w *specWriter) bind(m translate.Mount, mode string) {
	fn := "bind_mount"
	if m.SourceKind == "file" {
		fn = "bind_file"
	}
	switch {
	case path.IsAbs(m.Source):
		w.warn(CodeHostPath, m.Src, "%s is a path on the node that runs the job: it must exist there", m.Source)
	case strings.HasPrefix(m.Source, "~/"):
		// compose expands ~ to the home directory; so does the job, on
		// the node, for the user who runs it.
		w.warn(CodeHostPath, m.Src, "%s is in the home directory of the user who runs the job, on the node", m.Source)
		w.lines = append(w.lines, fn+` "$HOME"/`+quoteAll([]string{strings.TrimPrefix(m.Source, "~/"), m.Target, mode}))
		return
	}
	w.call(fn, m.Source, m.Target, mode)
}

// volume: a named volume is a directory per job (TRANSSHIP_VOLUMES); an
// anonymous one is a temporary directory.
func (w *specWriter) volume(m translate.Mount, mode string) {
	if m.Source == "" {
		w.call("tmpdir", m.Target)
		return
	}
	dir := m.Source
	if m.SubPath != "" {
		dir += "/" + m.SubPath
	}
	w.call("volume", dir, m.Target, mode)
}

func (w *specWriter) secret(m translate.Mount) {
	target := m.Target // translate made it absolute, as compose does
	for _, sec := range w.p.g.Secrets {
		if sec.Name != m.Source {
			continue
		}
		switch {
		case sec.File != "":
			w.call("bind_file", sec.File, target, "ro")
		case sec.EnvVar != "":
			w.call("secret_from_env", sec.EnvVar, target)
			w.comment("secret %s: read from $%s when the job starts, never stored here", sec.Name, sec.EnvVar)
		default:
			w.warn(CodeExternal, m.Src, "external secret %s cannot be fetched by a job and is not mounted", sec.Name)
		}
	}
}

func (w *specWriter) config(m translate.Mount) {
	target := m.Target
	for _, c := range w.p.g.Configs {
		if c.Name != m.Source {
			continue
		}
		switch {
		case c.File != "":
			w.call("bind_file", c.File, target, "ro")
		case c.Content != nil:
			w.checkNUL(m.Src, "config content", *c.Content)
			w.call("inline_file", target, *c.Content)
		case c.EnvVar != "":
			w.call("secret_from_env", c.EnvVar, target)
		default:
			w.warn(CodeExternal, m.Src, "external config %s cannot be fetched by a job and is not mounted", c.Name)
		}
	}
}

// fileOwner: a bound file keeps its owner and mode on the host.
func (w *specWriter) fileOwner(m translate.Mount) {
	if m.UID != "" || m.GID != "" || m.Mode != nil {
		w.warn(CodeFileMode, m.Src, "uid, gid and mode of %s are not kept: the file is the host's, read-only", m.Target)
	}
}

// rootVolumes warns where a service that runs as root shares a writable
// volume with one that does not. Under Apptainer, root is --fakeroot: a
// user namespace where a chown to any uid but 0 gives the files to one of
// the user's subordinate uids, which a service running as the user cannot
// write (seen with batch-pipeline's `chown -R 1000:1000 /data`). udocker
// only pretends to chown.
func (p *project) rootVolumes() {
	if p.o.Site.Runtime == "udocker" {
		return
	}
	isRoot := func(s *translate.Service) bool {
		u, _, _ := strings.Cut(s.User, ":")
		return u == "root" || u == "0"
	}
	for _, s := range p.g.Services {
		if !isRoot(s) {
			continue
		}
		for _, m := range s.Mounts {
			if m.Kind != translate.MountVolume || m.ReadOnly || m.Source == "" {
				continue
			}
			if o := p.userOf(m.Source, isRoot); o != "" {
				p.warn(CodeRootVolume, m.Src, "volume %s: %s runs as root (Apptainer --fakeroot) and %s as the user who submits the job: files %s gives to another uid (chown) become a subordinate uid's, which %s cannot write", m.Source, s.Name, o, s.Name, o)
			}
		}
	}
}

// userOf is a service not running as root that mounts volume vol writable.
func (p *project) userOf(vol string, isRoot func(*translate.Service) bool) string {
	for _, s := range p.g.Services {
		if isRoot(s) {
			continue
		}
		for _, m := range s.Mounts {
			if m.Kind == translate.MountVolume && m.Source == vol && !m.ReadOnly {
				return s.Name
			}
		}
	}
	return ""
}
