package main

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// apptainerBoolFlags are the exec/run switches the generator may use.
var apptainerBoolFlags = map[string]bool{
	"--containall": true, "--contain": true, "--cleanenv": true,
	"--no-eval": true, "--writable-tmpfs": true, "--nv": true,
	"--rocm": true, "--fakeroot": true, "--no-home": true, "--net": true,
	"--no-init": true,
}

// apptainerValueFlags take a value, as "--flag value" or "--flag=value".
var apptainerValueFlags = map[string]bool{
	"--pwd": true, "--cwd": true, "--bind": true, "-B": true,
	"--hostname": true, "--network": true, "--scratch": true, "-S": true,
}

func apptainerMain(runtime string, rec *Record, args []string) (outcome, error) {
	if len(args) == 0 {
		return outcome{}, fatal("test double: no verb given")
	}
	rec.Verb = args[0]
	switch args[0] {
	case "version", "--version":
		rec.Verb = "version"
		if len(args) > 1 {
			return outcome{}, fatal("test double: version takes no arguments")
		}
		return outcome{stdout: apptainerVersion(runtime) + "\n"}, nil
	case "pull":
		return apptainerPull(rec, args[1:])
	case "exec", "run":
		return apptainerRun(runtime, rec, args[0], args[1:])
	}
	return outcome{}, fatal("test double: unsupported verb %q", args[0])
}

// apptainerVersion names a release that has every flag we accept; the
// singularity line uses SingularityCE's own numbering.
func apptainerVersion(runtime string) string {
	if runtime == "singularity" {
		return "singularity-ce version 4.3.1 (transship test double)"
	}
	return "apptainer version 1.5.3 (transship test double)"
}

// apptainerPull handles `pull [--force] [--disable-cache] DEST SOURCE` by
// writing a placeholder file, which exec/run later accept as an image.
func apptainerPull(rec *Record, args []string) (outcome, error) {
	var pos []string
	for _, a := range args {
		switch {
		case a == "--force" || a == "--disable-cache":
			rec.Flags = append(rec.Flags, a)
		case strings.HasPrefix(a, "-"):
			return outcome{}, fatal("test double: unknown flag %s", a)
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return outcome{}, fatal("test double: pull needs DEST SOURCE, got %d arguments", len(pos))
	}
	dest, src := pos[0], pos[1]
	rec.Image = src
	if !strings.HasPrefix(src, "docker://") && !strings.HasPrefix(src, "oras://") {
		return outcome{}, fatal("test double: pull SOURCE must start with docker:// or oras://, got %q", src)
	}
	return outcome{}, writeImage(dest, src, slices.Contains(rec.Flags, "--force"))
}

func writeImage(dest, src string, force bool) error {
	if _, err := os.Lstat(dest); err == nil && !force {
		return fatal("Image file already exists: %q - will not overwrite", dest)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fatal("test double: %v", err)
	}
	content := []byte("test double image for " + src + "\n")
	if err := os.WriteFile(dest, content, 0o644); err != nil {
		return fatal("test double: %v", err)
	}
	return nil
}

// apptainerRun handles exec and run. Everything is put in the record
// before it is validated, so a rejected call shows what was asked.
func apptainerRun(runtime string, rec *Record, verb string, args []string) (outcome, error) {
	rest, err := parseApptainerFlags(rec, args)
	if err != nil {
		return outcome{}, err
	}
	if err := requireSafeFlags(rec.Flags); err != nil {
		return outcome{}, err
	}
	if len(rest) == 0 {
		return outcome{}, fatal("test double: %s needs an IMAGE", verb)
	}
	rec.Image, rest = rest[0], rest[1:]
	env := envFromHost(strings.ToUpper(runtime)+"ENV_", os.Environ())
	rec.Env = toBytes(env)
	rec.Command = toBytes(rest)
	if _, err := os.Stat(rec.Image); err != nil {
		return outcome{}, fatal("could not open image %s: %v", rec.Image, err)
	}
	mounts, err := apptainerMounts(rec.Binds)
	if err != nil {
		return outcome{}, err
	}
	if rec.Workdir != "" && !path.IsAbs(rec.Workdir) {
		return outcome{}, fatal("test double: --pwd must be an absolute container path, got %q", rec.Workdir)
	}
	return apptainerCommand(verb, rec.Image, rest, env, hostDir(rec.Workdir, mounts))
}

func apptainerCommand(verb, image string, cmd, env []string, dir string) (outcome, error) {
	if len(cmd) > 0 {
		return outcome{run: &hostRun{argv: cmd, env: withDefaults(env), dir: dir}}, nil
	}
	if verb == "exec" {
		return outcome{}, fatal("test double: exec needs a command after IMAGE")
	}
	// The double cannot know an image's runscript; it treats it as empty.
	return outcome{stderr: "test double: no runscript for " + image + "\n"}, nil
}

// parseApptainerFlags consumes the options before IMAGE into rec and
// returns IMAGE and what follows. Like the real CLI, options after IMAGE
// belong to the command.
func parseApptainerFlags(rec *Record, args []string) ([]string, error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args[i+1:], nil
		}
		if !strings.HasPrefix(a, "-") {
			return args[i:], nil
		}
		name, val, inline := strings.Cut(a, "=")
		switch {
		case name == "--env" || name == "--env-file":
			return nil, fatal("test double: generated scripts must not use %s: apptainer splits --env on commas "+
				"and evaluates --env-file as shell; pass APPTAINERENV_/SINGULARITYENV_ variables instead", name)
		case apptainerBoolFlags[name] && !inline:
			rec.Flags = append(rec.Flags, a)
		case apptainerValueFlags[name]:
			if !inline {
				if i+1 == len(args) {
					return nil, fatal("test double: flag needs an argument: %s", a)
				}
				i++
				val = args[i]
			}
			setApptainerValue(rec, name, val)
		default:
			return nil, fatal("test double: unknown flag %s", a)
		}
	}
	return nil, nil
}

// setApptainerValue stores the value flags the record has a field for;
// --network and --scratch are accepted and visible in Argv only.
func setApptainerValue(rec *Record, name, val string) {
	switch name {
	case "--pwd", "--cwd":
		rec.Workdir = val
	case "--bind", "-B":
		rec.Binds = append(rec.Binds, val)
	case "--hostname":
		rec.Hostname = val
	}
}

// requireSafeFlags enforces what the generator must always pass: without
// --no-eval apptainer shell-evaluates environment values, and without
// --cleanenv/--containall the host environment leaks into the container.
func requireSafeFlags(flags []string) error {
	clean := slices.Contains(flags, "--containall") || slices.Contains(flags, "--cleanenv")
	if !slices.Contains(flags, "--no-eval") || !clean {
		return fatal("test double: generated scripts must pass --no-eval and --containall")
	}
	return nil
}

// envFromHost builds the container environment: only PREFIXX=V host
// variables pass, as X=V, byte-exact and in host order.
func envFromHost(prefix string, host []string) []string {
	env := []string{}
	for _, kv := range host {
		rest, ok := strings.CutPrefix(kv, prefix)
		if k, _, hasEq := strings.Cut(rest, "="); ok && hasEq && k != "" {
			env = append(env, rest)
		}
	}
	return env
}

func apptainerMounts(binds []string) ([]mount, error) {
	var mounts []mount
	for _, b := range binds {
		m, err := parseBind(b)
		if err != nil {
			return nil, err
		}
		mounts = append(mounts, m)
	}
	return mounts, nil
}

// parseBind accepts "src", "src:dst", "src:dst:ro" and "src:dst:rw". A
// comma would make apptainer split the value into several mounts, which
// breaks paths that contain one, so the generator must not rely on it.
func parseBind(b string) (mount, error) {
	if strings.Contains(b, ",") {
		return mount{}, fatal("test double: one --bind per mount; commas are not allowed (got %q)", b)
	}
	parts := strings.Split(b, ":")
	src, dst := parts[0], parts[0]
	if len(parts) > 1 {
		dst = parts[1]
	}
	badOpt := len(parts) == 3 && parts[2] != "ro" && parts[2] != "rw"
	if src == "" || dst == "" || len(parts) > 3 || badOpt {
		return mount{}, fatal("test double: bind %q is not src[:dst[:ro|rw]]", b)
	}
	m, err := newMount(src, dst)
	if err != nil {
		return mount{}, fatal("container creation failed: %v", err)
	}
	return m, nil
}
