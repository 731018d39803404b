package batch_test

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/transship/transship/translate"
)

// check compares an example's run with its graph: the outcome, the order
// and waits of depends_on, and for every stand-in that ran: argv (the
// stand-in only reports when its argv is the service's, byte for byte),
// environment, working directory, uid, mounted files, write access, the
// dependencies it reached by name, and volume data left after the job.
func (x *exampleRun) check(t *testing.T, ws *realWorkspace, res runResult, long bool) {
	t.Helper()
	x.checkOutcome(t, ws, res, long)
	x.checkOrder(t, res.out)
	for _, s := range x.g.Services {
		r, ok := x.recs[s.Name]
		if x.plan.real[s.Name] || !ok {
			if !x.plan.real[s.Name] && strings.Contains(res.out, "transship: starting "+s.Name+"\n") && len(x.plan.low) == 0 {
				t.Errorf("%s started but its stand-in printed no record (argv not the service's?)", s.Name)
			}
			continue
		}
		for _, e := range s.Env {
			if e.Value != nil && r.Env[e.Name] != *e.Value {
				t.Errorf("%s: %s = %q, want %q", s.Name, e.Name, r.Env[e.Name], *e.Value)
			}
		}
		wd := s.WorkingDir
		if wd == "" {
			wd = "/"
		}
		if r.Cwd != wd {
			t.Errorf("%s: cwd %q, want %q", s.Name, r.Cwd, wd)
		}
		x.checkUser(t, ws, s, r.UID)
		x.checkMounts(t, ws, s, r.Files, r.Writes)
		for addr, got := range r.Dials {
			host, port, _ := strings.Cut(addr, ":")
			if want := "standin " + host + " " + port; got != want {
				t.Errorf("%s: calling %s got %q, want %q", s.Name, addr, got, want)
			}
		}
	}
}

// checkOutcome: a port below 1024 is warned about (BAT126, at the port)
// and makes the job fail naming that service; a long-running job stopped
// with TERM exits 143 within the grace periods; one that ends exits 0.
func (x *exampleRun) checkOutcome(t *testing.T, ws *realWorkspace, res runResult, long bool) {
	t.Helper()
	for _, s := range x.g.Services {
		for _, pt := range s.Ports {
			if pt.Target >= 1024 {
				continue
			}
			found := false
			for _, d := range x.ds {
				found = found || d.Code == "BAT126" && d.Path == pt.Src.Path && d.Pos == pt.Src.Pos
			}
			if !found {
				t.Errorf("%s: no BAT126 warning at %s for port %d", s.Name, pt.Src.Path, pt.Target)
			}
		}
	}
	for _, s := range x.g.Services {
		if ws.rt == "udocker" && slices.Contains(serviceArgv(s), "") && !x.warned("BAT129") {
			t.Errorf("%s has an empty argument, which udocker drops, and no BAT129 warning", s.Name)
		}
	}
	switch {
	case len(x.plan.low) > 0:
		named := false
		for _, svc := range x.plan.low {
			named = named || strings.Contains(res.out, svc+" | stand-in: listen tcp :") &&
				(strings.Contains(res.out, "transship: error: service "+svc+" exited with status 1") ||
					strings.Contains(res.out, "transship: error: dependency "+svc+" "))
		}
		if res.code == 0 || !named {
			t.Errorf("exit %d: want the job to fail naming one of %v, which cannot listen below port 1024", res.code, x.plan.low)
		}
	case long:
		if res.code != 143 && !x.cancelled {
			t.Errorf("stopped with TERM: exit %d, want 143", res.code)
		}
		if res.took > 25*time.Second {
			t.Errorf("stopping took %v", res.took)
		}
	default:
		if res.code != 0 {
			t.Errorf("exit %d, want 0", res.code)
		}
	}
}

// checkOrder: a service starts after its dependencies have started, are
// healthy, or have completed, as depends_on asks.
func (x *exampleRun) checkOrder(t *testing.T, out string) {
	t.Helper()
	for _, s := range x.g.Services {
		at := strings.Index(out, "transship: starting "+s.Name+"\n")
		if at < 0 {
			continue
		}
		for _, d := range s.DependsOn {
			want := "transship: starting " + d.Service + "\n"
			switch d.Condition {
			case "service_healthy":
				if dep := x.service(d.Service); dep.Health != nil && !dep.Health.Disabled {
					want = "transship: " + d.Service + " is healthy\n"
					x.checkLate(t, s.Name, d.Service)
				}
			case "service_completed_successfully":
				want = "transship: " + d.Service + " completed\n"
			}
			if i := strings.Index(out, want); i < 0 || i > at {
				t.Errorf("%s started before %q", s.Name, strings.TrimSpace(want))
			}
		}
	}
}

// warned: a warning with code whose message has all of parts.
func (x *exampleRun) warned(code string, parts ...string) bool {
	for _, d := range x.ds {
		ok := d.Code == code
		for _, p := range parts {
			ok = ok && strings.Contains(d.Message, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// checkLate: by their own clocks, s started no sooner than its
// dependency dep could first pass its healthcheck (not only the
// launcher's word for it). dep says when (HealthyFrom): healthyAfter
// after its start, or, without ports, after the launcher prepared it;
// counting from the start failed a correct run on a loaded machine:
// migrate started 1.88 s after db, which had passed its check since the
// runtime took over 0.12 s from the launcher's /etc/hosts to db's start.
func (x *exampleRun) checkLate(t *testing.T, s, dep string) {
	t.Helper()
	a, ok1 := x.recs[s]
	b, ok2 := x.recs[dep]
	if ok1 && ok2 && a.Start.Before(b.HealthyFrom) {
		t.Errorf("%s started %v after %s, %v before %s could pass its healthcheck (%v after its start)",
			s, a.Start.Sub(b.Start), dep, b.HealthyFrom.Sub(a.Start), dep, b.HealthyFrom.Sub(b.Start))
	}
}

func (x *exampleRun) service(name string) *translate.Service {
	for _, s := range x.g.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// checkUser: user: root runs as root in the container (Apptainer's
// --fakeroot, udocker's --user=root); any other user as the submitting
// user, as BAT106 says, which udocker's proot (P1) shows as uid 0 in the
// container when the image has no USER (the stand-ins have none). On the
// host, what it writes is the user's either way (checkMounts).
func (x *exampleRun) checkUser(t *testing.T, ws *realWorkspace, s *translate.Service, uid int) {
	t.Helper()
	want := ws.env.uid
	if u, _, _ := strings.Cut(s.User, ":"); u == "root" || u == "0" || ws.rt == "udocker" {
		want = 0
	}
	if uid != want {
		t.Errorf("%s (user %q): uid %d, want %d", s.Name, s.User, uid, want)
	}
}

// checkMounts: secrets, configs and bind-mounted files have the project's
// content; volumes and read-write binds can be written and keep what was
// written after the job; read-only ones cannot be written under
// Apptainer, while udocker (BAT109) writes them.
func (x *exampleRun) checkMounts(t *testing.T, ws *realWorkspace, s *translate.Service, files, writes map[string]string) {
	t.Helper()
	for _, m := range s.Mounts {
		var want string
		var have bool
		switch m.Kind {
		case translate.MountSecret:
			want, have = x.secretContent(t, m.Source)
		case translate.MountConfig:
			want, have = x.configContent(t, m.Source)
		case translate.MountBind:
			if m.SourceKind == "file" {
				b, err := os.ReadFile(x.path(m.Source))
				want, have = string(b), err == nil
			}
		}
		if have && files[m.Target] != want {
			t.Errorf("%s: %s has %q, want %q", s.Name, m.Target, files[m.Target], want)
		}
		if m.Kind != translate.MountVolume && (m.Kind != translate.MountBind || m.SourceKind == "file") {
			continue
		}
		got := writes[m.Target]
		switch {
		case !m.ReadOnly && got != "ok" && ws.rt == "apptainer" && x.warned("BAT127", "volume "+m.Source+":", "and "+s.Name+" as the user"):
			// What BAT127 says: a --fakeroot service chowned it away.
		case !m.ReadOnly && got != "ok":
			t.Errorf("%s: cannot write to %s (read-write): %s", s.Name, m.Target, got)
		case m.ReadOnly && ws.rt == "apptainer" && got == "ok":
			t.Errorf("%s: wrote to %s, which is read-only", s.Name, m.Target)
		case m.ReadOnly && ws.rt == "udocker" && got != "ok":
			t.Errorf("%s: %s: udocker has no read-only mounts, yet: %s", s.Name, m.Target, got)
		}
		if m.Kind == translate.MountBind && !m.ReadOnly && got == "ok" {
			x.checkBindsTarball(t, s, m)
		}
		if m.Kind == translate.MountVolume && got == "ok" {
			fi, err := os.Stat(filepath.Join(ws.volumes(), m.Source, ".standin-"+s.Name))
			if err != nil {
				t.Errorf("%s: what it wrote to volume %s is gone after the job: %v", s.Name, m.Source, err)
			} else if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != ws.env.uid &&
				!(ws.rt == "apptainer" && x.warned("BAT127", "volume "+m.Source+":")) {
				// (BAT127: a --fakeroot service chowned the volume away.)
				t.Errorf("%s: what it wrote to volume %s belongs to uid %d on the node, not to the user (%d)", s.Name, m.Source, st.Uid, ws.env.uid)
			}
		}
	}
}

// checkBindsTarball: what s wrote into its read-write bind m of the
// project is in the tarball a DIRAC job brings back.
func (x *exampleRun) checkBindsTarball(t *testing.T, s *translate.Service, m translate.Mount) {
	t.Helper()
	src := path.Clean(m.Source)
	if x.bindsTarball == "" || path.IsAbs(src) || strings.HasPrefix(src, "~") || src == ".." || strings.HasPrefix(src, "../") {
		return // not the project's: it stays where it is
	}
	want := path.Join(src, ".standin-"+s.Name)
	names, err := tarNames(x.bindsTarball)
	if err != nil {
		t.Errorf("%s: no tarball of the read-write binds (TRANSSHIP_BINDS_TARBALL): %v", s.Name, err)
	} else if !slices.Contains(names, want) {
		t.Errorf("%s: the binds tarball holds %q, not %s, which it wrote", s.Name, names, want)
	}
}

func (x *exampleRun) secretContent(t *testing.T, name string) (string, bool) {
	for _, s := range x.g.Secrets {
		if s.Name == name && s.File != "" {
			b, err := os.ReadFile(x.path(s.File))
			return string(b), err == nil
		}
	}
	return "", false
}

func (x *exampleRun) configContent(t *testing.T, name string) (string, bool) {
	for _, c := range x.g.Configs {
		if c.Name != name {
			continue
		}
		if c.Content != nil {
			return *c.Content, true
		}
		if c.File != "" {
			b, err := os.ReadFile(x.path(c.File))
			return string(b), err == nil
		}
	}
	return "", false
}

// path is p, relative to the project directory unless absolute.
func (x *exampleRun) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(x.proj, p)
}
