package batch

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/translate"
)

// specWriter collects the spec lines of one service.
type specWriter struct {
	p     *project
	s     *translate.Service
	lines []string
}

// call adds a call of a lib.sh spec function; every argument is quoted.
func (w *specWriter) call(fn string, args ...string) {
	if len(args) == 0 {
		w.lines = append(w.lines, fn)
		return
	}
	w.lines = append(w.lines, fn+" "+quoteAll(args))
}

// comment adds a comment line to the spec, for a reader of run.sh.
func (w *specWriter) comment(format string, args ...any) {
	w.lines = append(w.lines, "# "+oneLine(fmt.Sprintf(format, args...)))
}

// warn reports a warning and repeats it as a comment where it applies.
func (w *specWriter) warn(code string, src diag.Src, format string, args ...any) {
	w.p.warn(code, src, format, args...)
	w.comment("%s: %s", code, fmt.Sprintf(format, args...))
}

// spec renders one service as calls of lib.sh's spec functions.
func (p *project) spec(sv *service) []string {
	s := sv.s
	w := &specWriter{p: p, s: s}
	w.call("service_id", strconv.Itoa(sv.id))
	if !w.image() {
		return nil
	}
	w.command()
	w.environment()
	w.user()
	w.mounts()
	w.health()
	w.network()
	w.stop()
	w.resources()
	w.isolation()
	w.rest()
	return w.lines
}

// image picks what is pulled; false when there is nothing to pull.
func (w *specWriter) image() bool {
	s := w.s
	ref := s.Image
	switch {
	case ref == "":
		// As compose tags what it builds, and as the Kubernetes target
		// does (K8S102): one compose file gives every target.
		ref = targets.BuiltImage(w.p.o.ImagePrefix, w.p.g.Name, s.Name)
		w.warn(CodeBuilt, s.BuildSrc, "service %s is built from %s and names no image; the job runs %q, which must be pushed to a registry the node can pull from, or pre-loaded (README.txt)", s.Name, buildContext(s), ref)
	case s.Build != nil:
		w.warn(CodeBuild, s.Src, "build: is ignored: the image %s is pulled, so it must be in a registry", s.Image)
	}
	img := w.p.addImage(ref)
	w.call("image", img.ref, img.sif, img.cvmfs)
	return true
}

// command composes entrypoint and command as docker does: a compose
// entrypoint replaces the image's entrypoint and drops its CMD; a command
// alone replaces the image's CMD and keeps its entrypoint, which is what
// `apptainer run` (the image's runscript) and udocker without
// --entrypoint do with arguments.
func (w *specWriter) command() {
	s := w.s
	src := diag.Src{Pos: s.Src.Pos, Path: "services." + s.Name + ".command"}
	w.checkNUL(src, "command", s.Command...)
	w.checkNUL(src, "entrypoint", s.Entrypoint...)
	if w.p.mayUdocker() && slices.Contains(append(append([]string{}, s.Entrypoint...), s.Command...), "") {
		// Seen in the real run of web-db-cache: udocker's parser skips
		// empty words (cmdparser.py), so redis got --save --appendonly.
		w.warn(CodeEmptyArg, src, "an empty argument is dropped if the job runs with udocker, whose command line skips empty words: the service gets one argument less")
	}
	if info := w.p.g.ImageInfo(s.Image); info != nil {
		w.exactCommand(src, info)
		return
	}
	switch {
	case s.Entrypoint == nil:
		w.call("entrypoint_mode", "run")
		if s.Command != nil && len(s.Command) == 0 {
			w.warn(CodeAssumed, src, "command: [] cannot clear the image's CMD with Apptainer: the image's default command runs")
		}
		if len(s.Command) > 0 {
			w.call("args", s.Command...)
		}
	case len(s.Entrypoint) == 0 && len(s.Command) == 0:
		w.p.errorf(CodeNothing, src, "entrypoint is cleared and there is no command: service %s has nothing to run", s.Name)
	default:
		w.call("entrypoint_mode", "exec")
		w.call("args", append(append([]string{}, s.Entrypoint...), s.Command...)...)
	}
	if s.WorkingDir != "" {
		w.call("workdir", s.WorkingDir)
		return
	}
	w.warn(CodeAssumed, diag.Src{Pos: s.Src.Pos, Path: "services." + s.Name}, "the image's working directory is not known (Apptainer ignores WORKDIR): service %s starts in /; set working_dir if the image needs another", s.Name)
}

// exactCommand composes the command from the image's config, as docker
// does, so the job runs exactly it with `exec` and needs no assumption.
func (w *specWriter) exactCommand(src diag.Src, info *translate.ImageFacts) {
	s := w.s
	ep, cmd := s.Entrypoint, s.Command
	if ep == nil {
		ep = info.Entrypoint
		if cmd == nil {
			cmd = info.Cmd
		}
	}
	argv := append(append([]string{}, ep...), cmd...)
	if len(argv) == 0 {
		w.p.errorf(CodeNothing, src, "neither compose nor the image %s gives a command: service %s has nothing to run", s.Image, s.Name)
		return
	}
	w.call("entrypoint_mode", "exec")
	w.call("args", argv...)
	dir := cmp.Or(s.WorkingDir, info.WorkingDir, "/")
	w.call("workdir", dir)
	if s.WorkingDir == "" {
		w.comment("working dir %s and command from the image's config (%s)", dir, info.Resolved)
	}
	if info.User != "" && s.User == "" {
		// Apptainer ignores USER; udocker maps it to the submitting user.
		w.comment("the image's USER %s: %s", info.User, w.p.asSubmitter())
	}
}

// environment passes each value byte for byte: lib.sh exports it as
// APPTAINERENV_NAME or passes -e NAME=VALUE, never through a shell or a
// comma-splitting flag.
func (w *specWriter) environment() {
	for _, e := range w.s.Env {
		if e.Value == nil {
			continue // compose passes no variable for an unset name
		}
		src := diag.Src{Pos: w.s.Src.Pos, Path: "services." + w.s.Name + ".environment." + e.Name}
		if w.checkNUL(src, "environment variable", e.Name, *e.Value) {
			w.call("setenv", e.Name, *e.Value)
		}
	}
}

// checkNUL reports values no process can receive; true when all are fine.
func (w *specWriter) checkNUL(src diag.Src, what string, vals ...string) bool {
	for _, v := range vals {
		if strings.IndexByte(v, 0) >= 0 {
			w.p.errorf(CodeNUL, src, "%s holds a NUL byte, which no program can receive as an argument or environment value", what)
			return false
		}
	}
	return true
}

// asSubmitter says who a service that is not root runs as. udocker runs
// it under proot, which reports uid 0 inside the container (seen with
// udocker 1.3.16), while what it writes on the node belongs to the user.
func (p *project) asSubmitter() string {
	const who = "the service runs as the user who submits the job"
	switch p.o.Site.Runtime {
	case "udocker":
		return who + "; udocker's proot shows it as uid 0 inside the container, while the files it writes are that user's"
	case "auto":
		return who + "; if the job runs with udocker, proot shows it as uid 0 inside the container, while the files it writes are that user's"
	}
	return who
}

func (w *specWriter) user() {
	s := w.s
	switch u, _, _ := strings.Cut(s.User, ":"); u {
	case "":
	case "root", "0":
		w.call("as_root")
		w.comment("user %s: Apptainer --fakeroot (needs user namespaces), udocker --user=root", s.User)
	default:
		w.warn(CodeUser, w.src("user"), "user %s is not kept: %s", s.User, w.p.asSubmitter())
	}
	if len(s.GroupAdd) > 0 {
		w.warn(CodeUser, w.src("group_add"), "group_add is not kept: the service has the groups of the user who submits the job")
	}
}

// src is the position of the service with a key path below it.
func (w *specWriter) src(key string) diag.Src {
	return diag.Src{Pos: w.s.Src.Pos, Path: "services." + w.s.Name + "." + key}
}

// ms is a duration in milliseconds, as lib.sh counts time.
func ms(d *translate.Duration, def int64) string {
	if d == nil {
		return strconv.FormatInt(def, 10)
	}
	return strconv.FormatInt(int64(*d)/1e6, 10)
}

func (w *specWriter) health() {
	h := w.s.Health
	if h == nil || h.Disabled || len(h.Test) == 0 {
		return
	}
	w.checkNUL(h.Src, "healthcheck", h.Test...)
	if h.Shell {
		w.call("health_shell", h.Test[0])
	} else {
		w.call("health", h.Test...)
	}
	retries := "3"
	if h.Retries != nil {
		retries = strconv.FormatUint(*h.Retries, 10)
	}
	w.call("health_timing", ms(h.Interval, 30000), ms(h.Timeout, 30000), retries, ms(h.StartPeriod, 0), ms(h.StartInterval, 5000))
}

func (w *specWriter) stop() {
	sig, grace := "TERM", ms(w.s.StopGrace, 10000)
	if w.s.StopSignal != "" {
		sig = strings.TrimPrefix(strings.ToUpper(w.s.StopSignal), "SIG")
	}
	if sig != "TERM" || grace != "10000" {
		w.call("stop_with", sig, grace)
	}
}

func buildContext(s *translate.Service) string {
	if s.Build == nil || s.Build.Context == "" {
		return "a build context"
	}
	return s.Build.Context
}
