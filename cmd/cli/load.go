package cli

import (
	"context"
	"io"
	"slices"

	"github.com/spf13/pflag"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// InputSized, when set, is told the size of the compose files of each
// load before compose-go reads them (translate.Options.Sized). main sets
// it to size the garbage collector; tests running Run in-process leave
// their GC alone.
var InputSized func(bytes int)

// loadFlags are the flags that say which compose project to read; they
// mean what they mean to `docker compose`.
type loadFlags struct {
	opts        translate.Options
	diagnostics string // text or json
	strict      bool
}

func (l *loadFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&l.opts.Files, "file", "f", nil, "compose file, - for standard input (repeat to merge in order; default: COMPOSE_FILE, then compose.yaml etc. in this directory or a parent)")
	fs.StringVarP(&l.opts.ProjectName, "project-name", "p", "", "project name (default: COMPOSE_PROJECT_NAME, the top-level name:, or the directory name)")
	fs.StringVar(&l.opts.ProjectDir, "project-directory", "", "project directory (default: the first compose file's directory)")
	fs.StringArrayVar(&l.opts.Profiles, "profile", nil, "activate a profile (repeatable; default: COMPOSE_PROFILES)")
	fs.StringArrayVar(&l.opts.EnvFiles, "env-file", nil, "variables for interpolation (repeatable; default: .env in the project directory)")
	fs.StringVar(&l.diagnostics, "diagnostics", "text", "how to print errors and warnings: text or json")
	fs.BoolVar(&l.strict, "strict", false, "treat warnings as errors")
}

// parse parses a loading command's flags and checks them.
func (l *loadFlags) parse(e *env, fs *pflag.FlagSet, args []string) (int, bool) {
	if st, ok := parseNoArgs(e, fs, args); !ok {
		return st, false
	}
	if l.diagnostics != "text" && l.diagnostics != "json" {
		return usageError(e, fs, "--diagnostics must be text or json, not %q", l.diagnostics), false
	}
	return 0, true
}

// load reads the project and prints its diagnostics. It returns nil when
// the run must stop with exitError.
func (l *loadFlags) load(e *env) (*translate.Graph, diag.Diagnostics) {
	l.opts.Env = e.environ
	l.opts.Sized = InputSized
	if slices.Contains(l.opts.Files, "-") && l.opts.Stdin == nil {
		data, err := io.ReadAll(e.stdin)
		if err != nil {
			return nil, diag.Diagnostics{{Severity: diag.Error, Code: translate.CodeNoFile, Pos: diag.Pos{File: diag.Stdin},
				Message: "cannot read the compose file from standard input: " + err.Error()}}
		}
		l.opts.Stdin = data
	}
	return translate.Load(context.Background(), l.opts)
}

// report prints diagnostics on stderr and tells whether they stop the run
// (an error, or any warning under --strict).
func (l *loadFlags) report(e *env, ds diag.Diagnostics) (stop bool) {
	if l.strict {
		for i := range ds {
			if ds[i].Severity == diag.Warning {
				ds[i].Severity = diag.Error
			}
		}
	}
	ds.Sort()
	if l.diagnostics == "json" {
		if len(ds) > 0 || ds.HasErrors() {
			_ = ds.WriteJSON(e.stderr, e.cwd)
		}
	} else {
		_ = ds.WriteText(e.stderr, e.cwd)
	}
	return ds.HasErrors()
}
