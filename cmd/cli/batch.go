package cli

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	batchtarget "github.com/transship/transship/targets/batch"
	"github.com/transship/transship/translate"
)

// batchFlags are convert's flags for the batch target; the site profile
// gives the defaults, these override it.
type batchFlags struct {
	scheduler string
	runtime   string
	walltime  string
	partition string
	account   string
}

// batchOnly are the flags only the batch target reads.
var batchOnly = []string{"scheduler", "runtime", "walltime", "partition", "account"}

// runtimeAliases are the names of --to that preselect a runtime.
var runtimeAliases = []string{"apptainer", "singularity", "udocker"}

func (b *batchFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&b.scheduler, "scheduler", "", "batch: slurm, htcondor, dirac or none (default from the site profile: slurm)")
	fs.StringVar(&b.runtime, "runtime", "", "batch: auto, apptainer, singularity or udocker (default from the site profile: auto)")
	fs.StringVar(&b.walltime, "walltime", "", "batch: the job's time limit, D-HH:MM:SS, HH:MM:SS, MM:SS or minutes (default from the site profile)")
	fs.StringVar(&b.partition, "partition", "", "batch: Slurm partition (default from the site profile)")
	fs.StringVar(&b.account, "account", "", "batch: Slurm account or HTCondor accounting group (default from the site profile)")
}

// check refuses batch flags with another target and bad values; alias is
// the name given to --to.
func (b *batchFlags) check(fs *pflag.FlagSet, target, alias string) string {
	if target != "batch" {
		for _, n := range batchOnly {
			if fs.Changed(n) {
				return "--" + n + " applies only to --to batch"
			}
		}
		return ""
	}
	if slices.Contains(runtimeAliases, alias) {
		if b.runtime != "" && b.runtime != alias {
			return fmt.Sprintf("--to %s and --runtime %s disagree", alias, b.runtime)
		}
		b.runtime = alias
	}
	if b.scheduler != "" && !slices.Contains([]string{"slurm", "htcondor", "dirac", "none"}, b.scheduler) {
		return fmt.Sprintf("unknown --scheduler %q (one of: slurm, htcondor, dirac, none)", b.scheduler)
	}
	if b.runtime != "" && !slices.Contains([]string{"auto", "apptainer", "singularity", "udocker"}, b.runtime) {
		return fmt.Sprintf("unknown --runtime %q (one of: auto, apptainer, singularity, udocker)", b.runtime)
	}
	if b.walltime != "" {
		if _, err := site.ParseWalltime(b.walltime); err != nil {
			return "--walltime: " + err.Error()
		}
	}
	return ""
}

// apply puts the flags given over the site's batch part.
func (b *batchFlags) apply(s *site.Batch) {
	if b.scheduler != "" {
		s.Scheduler = b.scheduler
	}
	if b.runtime != "" {
		s.Runtime = b.runtime
	}
	if b.walltime != "" {
		s.Walltime = b.walltime
	}
	if b.partition != "" {
		s.Partition = b.partition
	}
	if b.account != "" {
		s.Account = b.account
	}
}

// emitBatch gathers what the pure target needs from the edges: the site
// profile and where the project is relative to the output.
func (f *convertFlags) emitBatch(e *env, g *translate.Graph, prof *site.Profile) ([]targets.File, diag.Diagnostics) {
	o := batchtarget.Options{Site: prof.Batch, ImagePrefix: f.images.prefix}
	f.batch.apply(&o.Site)
	dir, err := projectDirFrom(e.cwd, f.out, g.Dir)
	if err != "" {
		return nil, diag.Diagnostics{{Severity: diag.Error, Code: "CLI002", Message: err}}
	}
	o.ProjectDir = dir
	return batchtarget.Emit(g, o)
}

// projectDirFrom is the project directory relative to the output
// directory (the working directory for -o -). It always ends with the
// project directory's name, which HTCondor and DIRAC give the copy they
// transfer: "../.." becomes "../../../NAME".
func projectDirFrom(cwd, out, project string) (string, string) {
	outAbs := cwd
	if out != "-" {
		outAbs = out
		if !filepath.IsAbs(out) {
			outAbs = filepath.Join(cwd, out)
		}
	}
	rel, err := filepath.Rel(outAbs, project)
	if err != nil {
		return "", "cannot place the project directory " + project + " relative to " + outAbs
	}
	if base := filepath.Base(rel); base == ".." || base == "." {
		rel = filepath.Join(rel, "..", filepath.Base(project))
	}
	rel = filepath.ToSlash(rel)
	if strings.ContainsAny(rel, ", \t\n\"'") {
		return "", fmt.Sprintf("the project directory's path from the output directory, %q, holds a comma, a quote or white space, which scheduler file lists cannot carry", rel)
	}
	return rel, ""
}
