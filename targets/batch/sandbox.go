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
// but the output sandbox (or OutputData): std.out, std.err, the volumes'
// tarball, and the tarball of what read-write binds wrote into the
// project (run.sh writes both at its end).

// diracFiles is a DIRAC job's input sandbox (besides run.sh), where the
// project directory is on the worker, relative to run.sh, and the
// project's entries that come back in BindsTarball.
type diracFiles struct {
	in, back []string
	dir      string
}

func (p *project) diracTransfer() diracFiles {
	reads := p.projectReads()
	whole := slices.ContainsFunc(reads, func(r projectRead) bool { return r.path == "." })
	var in, back []string
	for _, r := range reads {
		top, _, _ := strings.Cut(r.path, "/")
		if (!whole || top == "..") && !p.travels("DIRAC", top, r) {
			continue // in a whole project, its entries cannot clash
		}
		if r.writable {
			back = append(back, top)
			part := ""
			if top != r.path {
				part = ", with the rest of the project's " + top
			}
			what := r.path
			if what == "." {
				what = "the project directory"
			}
			p.warn(CodeTransfer, r.src, "DIRAC brings %s back in %s%s (README.txt says how to unpack it into the project directory), since the worker's scratch is wiped", what, BindsTarball, part)
		}
		if whole && top != "." {
			continue // inside the whole project
		}
		if r.missing {
			p.warn(CodeTransfer, r.src, "%s does not exist yet, and DIRAC refuses to submit a job whose input sandbox names a missing file: create it in the project directory before dirac-wms-job-submit", r.path)
		}
		in = append(in, path.Join(p.o.ProjectDir, top))
	}
	slices.Sort(back)
	back = slices.Compact(back)
	if whole {
		return diracFiles{in: []string{p.o.ProjectDir}, dir: path.Base(p.o.ProjectDir), back: back}
	}
	slices.Sort(in)
	return diracFiles{in: slices.Compact(in), dir: ".", back: back}
}

// diracReadme says what travels, and what comes back, for README.txt.
func (p *project) diracReadme() string {
	var b strings.Builder
	if len(p.dirac.in) == 0 {
		b.WriteString("Nothing of the project directory travels with the job: no service\nmounts a file of it.\n")
	} else {
		b.WriteString("These entries of the project directory travel in the input sandbox\n(what the services mount, and nothing else of it: no .git), which DIRAC\nlimits to a few MB: keep large data in storage elements. Each must exist\nwhen you submit:\n")
		for _, in := range p.dirac.in {
			fmt.Fprintf(&b, "  %s\n", in)
		}
	}
	if len(p.dirac.back) > 0 {
		where := "in the output sandbox (dirac-wms-job-get-output JOBID)"
		if se := p.o.Site.DiracOutputSE; se != "" {
			where = "on the storage element " + se + " (dirac-wms-job-get-output-data JOBID)"
		}
		what := strings.Join(p.dirac.back, ", ") + " of the project"
		if slices.Contains(p.dirac.back, ".") {
			what = "the project directory"
		}
		fmt.Fprintf(&b, "What the services write into %s comes back as\n%s, %s;\nunpack it into the project directory:\n  tar -xzf %s -C %s\n",
			what, BindsTarball, where, BindsTarball, p.o.ProjectDir)
	}
	return b.String()
}
