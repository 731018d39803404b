package batch

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// An HTCondor job gets only what run.sh reads from the project: the
// top-level entries of the project directory that hold its bind-mounted
// files and directories, secrets and configs (environment files were
// read at convert time; images come from the node's cache). HTCondor
// puts each entry of transfer_input_files in the job's scratch directory
// by its base name, so the scratch directory is the project directory
// there (TRANSSHIP_PROJECT_DIR=.). Finer lists would need
// preserve_relative_paths, which keeps a path below the submit
// directory only, and the project is usually above it (../app).
//
// Back come the named volumes (volumes/<job id>/) and the entries that
// hold read-write binds, beside job.sub.

// condorFiles is an HTCondor job's transfer lists. all: the whole
// project is mounted writable, so every file the job creates or changes
// comes back (HTCondor's own default, with no transfer_output_files).
type condorFiles struct {
	in, out []string
	all     bool
}

// jobNames are what the job itself keeps beside run.sh, which a project
// entry of the same name would overwrite (or be overwritten by): on
// DIRAC, also its output sandbox.
func (p *project) jobNames() []string {
	if p.o.Site.Scheduler == "dirac" {
		return []string{Launcher, "volumes", "std.out", "std.err", VolumesTarball, BindsTarball}
	}
	return []string{Launcher, "volumes"}
}

func (p *project) condorTransfer() condorFiles {
	var in, out []string
	reads := p.projectReads()
	wholeIn := slices.ContainsFunc(reads, func(r projectRead) bool { return r.path == "." })
	all := slices.ContainsFunc(reads, func(r projectRead) bool { return r.path == "." && r.writable })
	for _, r := range reads {
		top, _, _ := strings.Cut(r.path, "/")
		switch {
		case strings.ContainsAny(top, " \t\n\"'"):
			// condor_submit splits its lists at white space and commas
			// and has no quoting for a name (commas are BAT003 already);
			// inside a transferred "." it needs no list of its own.
			if !wholeIn || r.writable && !all {
				p.warn(CodeTransfer, r.src, "HTCondor cannot transfer %q: its file lists cannot hold white space or quotes; rename it in the project", top)
			}
			continue
		case !p.travels("HTCondor", top, r):
			continue
		case r.missing:
			p.warn(CodeTransfer, r.src, "%s does not exist yet, and HTCondor cannot transfer what is missing: create it in the project directory before condor_submit", r.path)
		}
		src := path.Join(p.o.ProjectDir, top)
		if top == "." { // the whole project directory: its contents
			src, top = p.o.ProjectDir+"/", ""
		}
		in = append(in, src)
		switch {
		case r.writable && top == "":
			p.warn(CodeTransfer, r.src, "the whole project directory is mounted writable: HTCondor brings back every file the job creates or changes, beside job.sub, not into the project directory")
		case r.writable:
			out = append(out, top)
			p.warn(CodeTransfer, r.src, "HTCondor brings %s back beside job.sub, not into the project directory", top)
		}
	}
	if p.usesVolumes() {
		out = append(out, "volumes")
	}
	if whole := p.o.ProjectDir + "/"; slices.Contains(in, whole) {
		in = []string{whole} // its contents include every entry
	}
	if all {
		out = nil
	}
	slices.Sort(in)
	slices.Sort(out)
	return condorFiles{in: slices.Compact(in), out: slices.Compact(out), all: all}
}

// travels: the entry top of read r can go with the job to the worker's
// scratch directory; otherwise BAT131 says why not.
func (p *project) travels(sched, top string, r projectRead) bool {
	switch {
	case top == "..":
		p.warn(CodeTransfer, r.src, "%s cannot transfer %s, which is outside the project directory: it must be on the worker node at that path, relative to the job's scratch directory", sched, r.path)
		return false
	case slices.Contains(p.jobNames(), top):
		p.warn(CodeTransfer, r.src, "%s puts the project's %s beside run.sh, where the job keeps its own %s: rename it in the project", sched, top, top)
		return false
	}
	return true
}

// projectRead is a path in the project directory that run.sh reads.
type projectRead struct {
	path              string // cleaned, relative to the project directory
	writable, missing bool
	src               diag.Src
}

// projectReads are the project-relative paths the services mount, in
// service and mount order.
func (p *project) projectReads() []projectRead {
	var reads []projectRead
	add := func(file string, m translate.Mount, writable, missing bool) {
		if file == "" || path.IsAbs(file) || strings.HasPrefix(file, "~") {
			return // on the node, where the job finds it (BAT114)
		}
		file = path.Clean(file)
		if i := slices.IndexFunc(reads, func(r projectRead) bool { return r.path == file }); i >= 0 {
			reads[i].writable = reads[i].writable || writable // one warning per path
			return
		}
		reads = append(reads, projectRead{path: file, writable: writable, missing: missing, src: m.Src})
	}
	for _, sv := range p.services {
		for _, m := range sv.s.Mounts {
			switch m.Kind {
			case translate.MountBind:
				add(m.Source, m, !m.ReadOnly, m.SourceKind == "missing")
			case translate.MountSecret:
				for _, s := range p.g.Secrets {
					if s.Name == m.Source {
						add(s.File, m, false, false)
					}
				}
			case translate.MountConfig:
				for _, c := range p.g.Configs {
					if c.Name == m.Source {
						add(c.File, m, false, false)
					}
				}
			}
		}
	}
	return reads
}

// condorReadme says what travels, for README.txt.
func (p *project) condorReadme() string {
	var b strings.Builder
	if len(p.condor.in) == 0 {
		b.WriteString("Nothing of the project directory travels with the job: no service\nmounts a file of it.\n")
	} else {
		b.WriteString("These entries of the project directory travel with the job (what the\nservices mount, and nothing else of it: no .git); each must exist when\nyou submit:\n")
		for _, in := range p.condor.in {
			fmt.Fprintf(&b, "  %s\n", in)
		}
	}
	switch {
	case p.condor.all:
		b.WriteString("Back beside job.sub comes every file the job creates or changes (the\nservices mount the whole project directory writable).\n")
	case len(p.condor.out) > 0:
		fmt.Fprintf(&b, "Back beside job.sub come: %s.\n", strings.Join(p.condor.out, ", "))
	}
	b.WriteString("\n")
	return b.String()
}
