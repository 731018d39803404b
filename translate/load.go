package translate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/transship/transship/diag"
)

// Options say which compose project to load, as `docker compose` flags do.
// The environment is passed in rather than read, so a load depends only on
// its Options and the files.
type Options struct {
	Files       []string // -f, merged in order; empty: COMPOSE_FILE, then discovery
	ProjectDir  string   // --project-directory; "" = the first file's directory
	ProjectName string   // -p; "" = COMPOSE_PROJECT_NAME, `name:`, or the directory name
	EnvFiles    []string // --env-file; empty = <project dir>/.env if present
	Profiles    []string // --profile; empty = COMPOSE_PROFILES
	Env         []string // KEY=VALUE, normally os.Environ() taken at the edge
	// Normalized asks for Graph.Compose: the project as `docker compose
	// config` prints it, for targets that hand it to docker (cloud-init).
	Normalized bool
	// Stdin is the content of the file named "-" (the caller reads
	// standard input: a load reads no stream of its own). Its positions
	// are diag.Stdin's; the project directory is the working directory.
	Stdin []byte
	// Sized, when set, is called with the total size in bytes of the
	// compose files once they are read and before compose-go loads them:
	// what compose-go will hold grows with it, and the CLI sizes the
	// garbage collector by it (cmd/transship/memory.go).
	Sized func(bytes int)
}

// Load reads a compose project with `docker compose config` semantics and
// builds its Graph. The Graph is nil when the diagnostics hold an error.
func Load(ctx context.Context, opts Options) (*Graph, diag.Diagnostics) {
	var (
		g     *Graph
		diags diag.Diagnostics
		ix    *posIndex
	)
	logged := captureComposeLog(func() { g, diags = load(ctx, opts, &ix) })
	diags = append(diags, composeWarnings(logged, ix)...)
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	return g, diags
}

// load does the work of Load; it reports the position index it built
// through ixOut, for placing compose-go's logged warnings.
func load(ctx context.Context, opts Options, ixOut **posIndex) (*Graph, diag.Diagnostics) {
	po, err := projectOptions(opts)
	if err != nil {
		return nil, diag.Diagnostics{optionsError(err)}
	}
	if len(po.ConfigPaths) == 0 {
		dir, _ := po.GetWorkingDir()
		return nil, diag.Diagnostics{{Severity: diag.Error, Code: CodeNoFile, Pos: diag.Pos{File: dir}, Message: fmt.Sprintf(
			"no compose file found in this directory or its parents (looked for %s)", strings.Join(cli.DefaultFileNames, ", "))}}
	}
	ix := newPosIndex()
	for _, f := range po.ConfigPaths {
		if f == "-" {
			if d := ix.addFile(diag.Stdin, opts.Stdin); d != nil {
				return nil, diag.Diagnostics{*d}
			}
			continue
		}
		if d := ix.addPath(f); d != nil {
			return nil, diag.Diagnostics{*d}
		}
	}
	ix.inheritExtends(ix.exts)
	*ixOut = ix
	if opts.Sized != nil {
		opts.Sized(ix.bytes)
	}
	// compose-go caps YAML node visits at 100,000 against alias bombs,
	// which a plain 5,000-service file exceeds. A cap proportional to the
	// input keeps the protection (aliases expand exponentially) and lets
	// large real files load.
	// The consistency check runs in checkConsistency instead (see there).
	if err := cli.WithLoadOptions(func(lo *loader.Options) {
		lo.MaxNodeVisits = max(100_000, 2*ix.bytes)
		lo.SkipConsistencyCheck = true
	})(po); err != nil {
		return nil, diag.Diagnostics{optionsError(err)}
	}
	project, err := loadProject(ctx, po, opts.Stdin)
	if err != nil {
		return nil, mapError(err, ix)
	}
	if d := checkProfiles(project, askedProfiles(opts)); d != nil {
		return nil, diag.Diagnostics{*d}
	}
	if ds := checkConsistency(project, ix); len(ds) > 0 {
		return nil, ds
	}
	g, diags := fromProject(project, ix)
	if opts.Normalized && g != nil {
		unexpandHome(project, g)
		data, err := normalized(project)
		if err != nil {
			return nil, diag.Diagnostics{optionsError(err)}
		}
		g.Compose = data
	}
	// The Graph keeps project-relative positions; diagnostics go back to
	// absolute ones, which the printer shows relative to the user's cwd.
	for i := range diags {
		if f := diags[i].Pos.File; f != "" && f != diag.Stdin && !filepath.IsAbs(f) {
			diags[i].Pos.File = filepath.Join(project.WorkingDir, filepath.FromSlash(f))
		}
	}
	return g, diags
}

// projectOptions builds compose-go's options in the order `docker compose`
// does: the process environment wins, then --env-file (or .env), then
// COMPOSE_FILE and discovery, then .env again in case discovery moved the
// project directory, then profiles and the name.
func projectOptions(opts Options) (*cli.ProjectOptions, error) {
	files := make([]string, 0, len(opts.Files))
	for _, f := range opts.Files {
		if f == "-" && slices.Contains(files, "-") {
			return nil, fmt.Errorf("-f - (standard input) can be given only once")
		}
		files = append(files, f)
	}
	return cli.NewProjectOptions(files,
		cli.WithWorkingDirectory(opts.ProjectDir),
		cli.WithEnv(opts.Env),
		cli.WithEnvFiles(opts.EnvFiles...),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithEnvFiles(opts.EnvFiles...),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(opts.Profiles...),
		cli.WithName(opts.ProjectName),
		cli.WithResolvedPaths(true),
	)
}

func optionsError(err error) diag.Diagnostic {
	msg := err.Error()
	code := CodeCompose
	switch {
	case strings.HasPrefix(msg, "invalid project name"):
		code = CodeProjectName
	case strings.Contains(msg, "COMPOSE_FILE"), strings.Contains(msg, "standard input"):
		code = CodeNoFile
	case strings.Contains(msg, ".env"), strings.Contains(msg, "env file"), os.IsNotExist(err):
		code = CodeEnvFile
	}
	return diag.Diagnostic{Severity: diag.Error, Code: code, Message: msg}
}

// addPath reads and indexes a compose file and, recursively, the local
// files it includes.
func (ix *posIndex) addPath(file string) *diag.Diagnostic {
	abs, err := filepath.Abs(file)
	if err != nil || slices.Contains(ix.files, abs) || len(ix.files) > 64 {
		return nil
	}
	content, err := os.ReadFile(abs)
	if err != nil {
		return &diag.Diagnostic{Severity: diag.Error, Code: CodeNoFile, Pos: diag.Pos{File: abs}, Message: "cannot read compose file: " + unwrapPathError(err)}
	}
	if d := ix.addFile(abs, content); d != nil {
		return d
	}
	for _, inc := range ix.incs[abs] {
		if !filepath.IsAbs(inc) {
			inc = filepath.Join(filepath.Dir(abs), inc)
		}
		if _, err := os.Stat(inc); err == nil {
			ix.addPath(inc)
		}
	}
	for _, r := range ix.exts {
		if r.file != abs || r.baseFile == abs {
			continue
		}
		if _, err := os.Stat(r.baseFile); err == nil {
			ix.addPath(r.baseFile)
		}
	}
	return nil
}

func unwrapPathError(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// askedProfiles are --profile, or else COMPOSE_PROFILES, as compose-go
// applies them.
func askedProfiles(opts Options) []string {
	if len(opts.Profiles) > 0 {
		return opts.Profiles
	}
	for _, kv := range opts.Env {
		if v, ok := strings.CutPrefix(kv, "COMPOSE_PROFILES="); ok {
			return strings.Split(v, ",")
		}
	}
	return nil
}

// checkProfiles refuses a --profile that no service declares: a typo would
// otherwise silently convert fewer services.
func checkProfiles(p *types.Project, asked []string) *diag.Diagnostic {
	known := map[string]bool{}
	for _, svcs := range []types.Services{p.Services, p.DisabledServices} {
		for _, s := range svcs {
			for _, pr := range s.Profiles {
				known[pr] = true
			}
		}
	}
	for _, a := range asked {
		if a = strings.TrimSpace(a); a == "*" || a == "" || known[a] {
			continue
		}
		names := make([]string, 0, len(known))
		for k := range known {
			names = append(names, k)
		}
		slices.Sort(names)
		list := "none"
		if len(names) > 0 {
			list = strings.Join(names, ", ")
		}
		return &diag.Diagnostic{Severity: diag.Error, Code: CodeUnknownProfile, Path: "--profile",
			Message: fmt.Sprintf("no service has profile %q (profiles in this project: %s)", a, list)}
	}
	return nil
}

// composeWarnings turns what compose-go logged into diagnostics, placing
// an unset variable where the project uses it (ix may be nil).
func composeWarnings(msgs []string, ix *posIndex) diag.Diagnostics {
	var ds diag.Diagnostics
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m] {
			continue
		}
		seen[m] = true
		if strings.Contains(m, "the attribute `version` is obsolete") {
			continue // reported by fromProject with its position, every time
		}
		d := diag.Diagnostic{Severity: diag.Warning, Code: CodeComposeWarning, Message: m}
		if name, ok := unsetVariable(m); ok {
			d.Code = CodeUnsetVar
			d.Message = fmt.Sprintf("variable %s is not set; it defaults to an empty string", name)
			if ix != nil {
				if src, ok := ix.findVariable(name); ok {
					d.Pos, d.Path = src.Pos, src.Path
				}
			}
		}
		ds = append(ds, d)
	}
	return ds
}

func unsetVariable(msg string) (string, bool) {
	var name string
	if _, err := fmt.Sscanf(msg, "The %q variable is not set.", &name); err != nil {
		return "", false
	}
	return name, true
}

// normalized is the project as `docker compose config` writes it, with
// paths inside the project directory made relative again ("./x"), and
// paths compose-go expanded from "~" given back their "~/" (it expands
// them to the home of whoever converts): the file must mean the same in
// another directory (a VM's /opt/<project>) and be the same bytes on
// every machine.
func normalized(project *types.Project) ([]byte, error) {
	data, err := project.MarshalYAML()
	if err != nil {
		return nil, err
	}
	dir := project.WorkingDir
	data = bytes.ReplaceAll(data, []byte(dir+string(filepath.Separator)), []byte("./"))
	return bytes.ReplaceAll(data, []byte(": "+dir+"\n"), []byte(": .\n")), nil
}

// unexpandHome gives bind sources written with "~" their "~" back; g kept
// them so (a mount is matched by its target).
func unexpandHome(project *types.Project, g *Graph) {
	for _, s := range g.Services {
		ps, ok := project.Services[s.Name]
		if !ok {
			continue
		}
		for _, m := range s.Mounts {
			if m.Kind != MountBind || !strings.HasPrefix(m.Source, "~") {
				continue
			}
			for i := range ps.Volumes {
				if ps.Volumes[i].Type == types.VolumeTypeBind && ps.Volumes[i].Target == m.Target {
					ps.Volumes[i].Source = m.Source
				}
			}
		}
		project.Services[s.Name] = ps
	}
}
