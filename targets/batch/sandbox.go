package batch

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// A DIRAC job gets what run.sh reads from the project, as an HTCondor
// job does (transfer.go): the top-level entries of the project directory
// that hold its bind-mounted files and directories, secrets and configs.
// DIRAC's sandbox client adds each InputSandbox entry, file or directory,
// under its base name, and unpacks the sandbox in the job's working
// directory: so that directory is the project directory there
// (TRANSSHIP_PROJECT_DIR=.). When a service mounts the whole project, the
// project directory goes by its own name, as before. Nothing comes back
// but the output sandbox (std.out, std.err, the volumes' tarball).

// diracFiles is a DIRAC job's input sandbox (besides run.sh) and where
// the project directory is on the worker, relative to run.sh.
type diracFiles struct {
	in  []string
	dir string
}

func (p *project) diracTransfer() diracFiles {
	reads := p.projectReads()
	for _, r := range reads {
		if r.writable {
			p.warn(CodeTransfer, r.src, "DIRAC does not bring %s back: what the job writes there is wiped with the worker's scratch directory; keep the job's output in a named volume (volumes come back in %s)", r.path, VolumesTarball)
		}
	}
	whole := slices.ContainsFunc(reads, func(r projectRead) bool { return r.path == "." })
	var in []string
	for _, r := range reads {
		top, _, _ := strings.Cut(r.path, "/")
		if whole && top != ".." || !p.travels("DIRAC", top, r) {
			continue // inside the whole project, or cannot go
		}
		if r.missing {
			p.warn(CodeTransfer, r.src, "%s does not exist yet, and DIRAC refuses to submit a job whose input sandbox names a missing file: create it in the project directory before dirac-wms-job-submit", r.path)
		}
		in = append(in, path.Join(p.o.ProjectDir, top))
	}
	if whole {
		return diracFiles{in: []string{p.o.ProjectDir}, dir: path.Base(p.o.ProjectDir)}
	}
	slices.Sort(in)
	return diracFiles{in: slices.Compact(in), dir: "."}
}

// diracReadme says what travels, for README.txt.
func (p *project) diracReadme() string {
	if len(p.dirac.in) == 0 {
		return "Nothing of the project directory travels with the job: no service\nmounts a file of it.\n"
	}
	var b strings.Builder
	b.WriteString("These entries of the project directory travel in the input sandbox\n(what the services mount, and nothing else of it: no .git), which DIRAC\nlimits to a few MB: keep large data in storage elements. Each must exist\nwhen you submit:\n")
	for _, in := range p.dirac.in {
		fmt.Fprintf(&b, "  %s\n", in)
	}
	return b.String()
}
