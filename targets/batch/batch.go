// Package batch renders a compose project as a batch job for HTC/HPC
// systems without docker: run.sh, a bash launcher that runs every service
// on one node with Apptainer/Singularity or udocker, in dependency order,
// with compose's health and completion waits, and stops them all on exit;
// and a wrapper for the scheduler (Slurm, HTCondor or DIRAC).
//
// The launcher's fixed part is lib.sh; what varies per project is a spec
// per service, written as calls to lib.sh's functions with every value
// quoted by Quote, and a main function with the start order.
package batch

import (
	"slices"
	"strings"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/translate"
)

// Options are what the batch target takes besides the Graph.
type Options struct {
	Site site.Batch
	// ProjectDir is the compose project directory relative to the output
	// directory, slash-separated. run.sh finds the project's files there
	// (TRANSSHIP_PROJECT_DIR overrides it); HTCondor and DIRAC jobs
	// transfer what the services mount of it. It ends with the project
	// directory's own name, not "..", so that a transfer keeps a name (the
	// CLI sees to it).
	ProjectDir string
	// ImagePrefix is where a service with build: and no image: is pulled
	// from (--image-prefix REG/PATH): <prefix>/<project>-<service>.
	ImagePrefix string
}

// The files Emit writes.
const (
	Launcher = "run.sh"
	Readme   = "README.txt"
	Sbatch   = "job.sbatch"
	Submit   = "job.sub"
	JDL      = "job.jdl"
)

// Emit renders g as a batch job. It is a pure function of its arguments.
func Emit(g *translate.Graph, o Options) ([]targets.File, diag.Diagnostics) {
	if o.ProjectDir == "" {
		o.ProjectDir = "."
	}
	if o.Site.Scheduler == "" {
		o.Site.Scheduler = "slurm"
	}
	if o.Site.Runtime == "" {
		o.Site.Runtime = "auto"
	}
	if !slices.Contains([]string{"slurm", "htcondor", "dirac", "none"}, o.Site.Scheduler) ||
		!slices.Contains([]string{"auto", "apptainer", "singularity", "udocker"}, o.Site.Runtime) {
		return nil, diag.Diagnostics{diag.Errorf(CodeOptions, diag.Src{}, "unknown scheduler %q or runtime %q", o.Site.Scheduler, o.Site.Runtime)}
	}
	p := plan(g, o)
	if p.diags.HasErrors() {
		return nil, p.diags
	}
	files := []targets.File{
		{Path: Launcher, Mode: 0o755, Data: []byte(p.script())},
		{Path: Readme, Data: []byte(p.readme())},
	}
	switch o.Site.Scheduler {
	case "slurm":
		files = append(files, targets.File{Path: Sbatch, Mode: 0o755, Data: []byte(p.sbatch())})
	case "htcondor":
		files = append(files, targets.File{Path: Submit, Data: []byte(p.htcondor())})
	case "dirac":
		files = append(files, targets.File{Path: JDL, Data: []byte(p.jdl())})
	}
	return files, p.diags
}

// oneLine keeps a message on one comment line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
