package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// udockerGlobalFlags may precede the verb.
var udockerGlobalFlags = map[string]bool{
	"-q": true, "--quiet": true, "-D": true, "--debug": true, "--allow-root": true,
}

func udockerMain(rec *Record, args []string) (outcome, error) {
	topdir := os.Getenv("UDOCKER_DIR")
	if home, err := os.UserHomeDir(); topdir == "" && err == nil {
		topdir = filepath.Join(home, ".udocker")
	}
	i := 0
	for ; i < len(args) && args[i] != "--version" && strings.HasPrefix(args[i], "-"); i++ {
		switch a := args[i]; {
		case udockerGlobalFlags[a]:
			rec.Flags = append(rec.Flags, a)
		case strings.HasPrefix(a, "--repo="):
			// Like the real option, it replaces UDOCKER_DIR.
			topdir = strings.TrimPrefix(a, "--repo=")
		default:
			return outcome{}, udErr("test double: unknown global option %s", a)
		}
	}
	if i == len(args) {
		return outcome{}, udErr("test double: no verb given")
	}
	return udockerVerb(rec, udockerState{topdir}, args[i], args[i+1:])
}

func udockerVerb(rec *Record, st udockerState, verb string, args []string) (outcome, error) {
	rec.Verb = verb
	switch verb {
	case "version", "--version":
		rec.Verb = "version"
		return outcome{stdout: "udocker 1.3.16 (transship test double)\n"}, nil
	case "pull":
		return udockerPull(rec, args)
	case "create":
		return udockerCreate(rec, st, args)
	case "inspect":
		return udockerInspect(rec, st, args)
	case "rm":
		return udockerRm(rec, st, args)
	case "setup":
		return udockerSetup(rec, st, args)
	case "run":
		return udockerRun(rec, st, args)
	}
	return outcome{}, udErr("test double: unsupported verb %q", verb)
}

// splitOpts separates "-..." options from positionals; udocker verbs
// other than run take no option values in separate words.
func splitOpts(args []string) (opts, pos []string) {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			opts = append(opts, a)
		} else {
			pos = append(pos, a)
		}
	}
	return opts, pos
}

// udockerPull: `pull [--registry=URL] IMAGE`. Nothing is fetched or
// stored; create does not check that the image was pulled.
func udockerPull(rec *Record, args []string) (outcome, error) {
	opts, pos := splitOpts(args)
	for _, o := range opts {
		if !strings.HasPrefix(o, "--registry=") {
			return outcome{}, udErr("test double: unknown pull option %s", o)
		}
	}
	if len(pos) != 1 {
		return outcome{}, udErr("test double: pull needs exactly one IMAGE")
	}
	rec.Image = pos[0]
	return outcome{}, nil
}

// udockerCreate: `create --name=NAME IMAGE`; prints a fake container id.
func udockerCreate(rec *Record, st udockerState, args []string) (outcome, error) {
	opts, pos := splitOpts(args)
	name := ""
	for _, o := range opts {
		n, ok := strings.CutPrefix(o, "--name=")
		if !ok {
			return outcome{}, udErr("test double: unknown create option %s", o)
		}
		name = n
	}
	if len(pos) != 1 || name == "" {
		return outcome{}, udErr("test double: usage: create --name=NAME IMAGE")
	}
	rec.Image = pos[0]
	if err := st.create(name, pos[0]); err != nil {
		return outcome{}, err
	}
	return outcome{stdout: fakeID(name) + "\n"}, nil
}

// fakeID is stable per name and shaped like udocker's UUID ids.
func fakeID(name string) string {
	h := sha256.Sum256([]byte(name))
	s := hex.EncodeToString(h[:16])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

func udockerInspect(rec *Record, st udockerState, args []string) (outcome, error) {
	opts, pos := splitOpts(args)
	if len(opts) != 0 || len(pos) != 1 {
		return outcome{}, udErr("test double: usage: inspect NAME")
	}
	image, err := st.image(pos[0])
	if err != nil {
		return outcome{}, err
	}
	rec.Image = image
	out, _ := json.Marshal(struct {
		Image string `json:"image"`
	}{image})
	return outcome{stdout: string(out) + "\n"}, nil
}

// udockerRm: `rm [-f] NAME...`; -f makes a missing name no error, so
// teardown can be idempotent.
func udockerRm(rec *Record, st udockerState, args []string) (outcome, error) {
	opts, pos := splitOpts(args)
	force := false
	for _, o := range opts {
		if o != "-f" {
			return outcome{}, udErr("test double: unknown rm option %s", o)
		}
		force = true
		rec.Flags = append(rec.Flags, o)
	}
	if len(pos) == 0 {
		return outcome{}, udErr("test double: usage: rm [-f] NAME...")
	}
	// As udocker does: every name is tried, the status is a failure's.
	var first error
	for _, name := range pos {
		if err := st.remove(name, force); err != nil && first == nil {
			first = err
		}
	}
	return outcome{}, first
}

// udockerSetup: `setup --execmode=P1|P2 [--nvidia] NAME`. R modes run
// through runc/crun without a TTY and lose the command's exit status.
func udockerSetup(rec *Record, st udockerState, args []string) (outcome, error) {
	opts, pos := splitOpts(args)
	mode := ""
	for _, o := range opts {
		switch m, isMode := strings.CutPrefix(o, "--execmode="); {
		case isMode:
			mode = m
		case o == "--nvidia":
			rec.Flags = append(rec.Flags, o)
		default:
			return outcome{}, udErr("test double: unknown setup option %s", o)
		}
	}
	if len(pos) != 1 {
		return outcome{}, udErr("test double: usage: setup --execmode=MODE [--nvidia] NAME")
	}
	if mode != "P1" && mode != "P2" {
		return outcome{}, udErr("test double: generated scripts must use P1/P2: R1 loses exit codes without a TTY (got --execmode=%q)", mode)
	}
	image, err := st.image(pos[0])
	rec.Image = image
	return outcome{}, err
}

// udockerState remembers created containers as files TOPDIR/containers/NAME
// holding the image name, so create/inspect/rm/run agree across processes.
type udockerState struct {
	topdir string
}

func (s udockerState) file(name string) (string, error) {
	if s.topdir == "" {
		return "", udErr("test double: neither UDOCKER_DIR nor HOME is set")
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return "", udErr("test double: invalid container name %q", name)
	}
	return filepath.Join(s.topdir, "containers", name), nil
}

// create uses O_EXCL so two concurrent creates of one name cannot both win.
func (s udockerState) create(name, image string) error {
	p, err := s.file(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return udErr("test double: %v", err)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, os.ErrExist) {
		return udErr("Error: container name already exists: %s", name)
	} else if err != nil {
		return udErr("test double: %v", err)
	}
	_, err = f.WriteString(image)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return udErr("test double: %v", err)
	}
	return nil
}

func (s udockerState) image(name string) (string, error) {
	p, err := s.file(name)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", udErr("Error: container id or name not found: %s", name)
	}
	return string(b), nil
}

func (s udockerState) remove(name string, force bool) error {
	p, err := s.file(name)
	if err != nil {
		return err
	}
	err = os.Remove(p)
	if errors.Is(err, os.ErrNotExist) && !force {
		return udErr("Error: container id or name not found: %s", name)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return udErr("test double: %v", err)
	}
	return nil
}

// udockerRun: `run [options] NAME [ARGS...]`.
func udockerRun(rec *Record, st udockerState, args []string) (outcome, error) {
	p := runParser{rec: rec, args: args, env: []string{}}
	if err := p.parse(); err != nil {
		return outcome{}, err
	}
	rec.Env = toBytes(p.env)
	if p.i == len(args) {
		return outcome{}, udErr("test double: run needs a container NAME")
	}
	name, rest := args[p.i], args[p.i+1:]
	cmd := rest
	if p.hasEntrypoint && p.entrypoint != "" {
		cmd = append([]string{p.entrypoint}, rest...)
	}
	rec.Command = toBytes(cmd)
	image, err := st.image(name)
	rec.Image = image
	if err != nil {
		return outcome{}, err
	}
	mounts, err := udockerMounts(rec.Binds)
	if err != nil {
		return outcome{}, err
	}
	if rec.Workdir != "" && !path.IsAbs(rec.Workdir) {
		return outcome{}, udErr("test double: --workdir must be an absolute container path, got %q", rec.Workdir)
	}
	if len(cmd) == 0 {
		// The double cannot know the image's entrypoint/cmd; it treats them as empty.
		return outcome{stderr: "test double: empty command for container " + name + "\n"}, nil
	}
	return outcome{run: &hostRun{argv: cmd, env: withDefaults(p.env), dir: hostDir(rec.Workdir, mounts)}}, nil
}

// runParser walks udocker run options up to NAME, writing into rec.
type runParser struct {
	rec           *Record
	args          []string
	i             int
	env           []string
	entrypoint    string
	hasEntrypoint bool
}

func (p *runParser) parse() error {
	for ; p.i < len(p.args) && strings.HasPrefix(p.args[p.i], "-"); p.i++ {
		if err := p.option(p.args[p.i]); err != nil {
			return err
		}
	}
	return nil
}

// value consumes the word after a flag such as "-e".
func (p *runParser) value() (string, error) {
	flag := p.args[p.i]
	if p.i+1 == len(p.args) {
		return "", udErr("test double: %s needs a value", flag)
	}
	p.i++
	return p.args[p.i], nil
}

// shortRunOpts take their value in the next word; each is an alias of
// the long "--name=value" form.
var shortRunOpts = map[string]string{"-e": "--env", "-v": "--volume", "-w": "--workdir"}

func (p *runParser) option(a string) error {
	switch long, isShort := shortRunOpts[a]; {
	case a == "--nobanner" || a == "--nometa":
		p.rec.Flags = append(p.rec.Flags, a)
	case a == "--hostenv":
		return udErr("test double: generated scripts must not pass --hostenv: it copies the host environment into the container")
	case isShort:
		v, err := p.value()
		if err != nil {
			return err
		}
		return p.longOption(long + "=" + v)
	default:
		return p.longOption(a)
	}
	return nil
}

// longOption handles "--name=value"; udocker wants the "=" form.
func (p *runParser) longOption(a string) error {
	name, val, hasVal := strings.Cut(a, "=")
	if !hasVal {
		return udErr("test double: unknown run option %s", a)
	}
	switch name {
	case "--env":
		// Split at the first "=": the value may hold anything, "=" included.
		if k, _, ok := strings.Cut(val, "="); !ok || k == "" {
			return udErr("test double: -e needs K=V, got %q", val)
		}
		p.env = append(p.env, val)
	case "--volume":
		p.rec.Binds = append(p.rec.Binds, val)
	case "--workdir":
		p.rec.Workdir = val
	case "--entrypoint":
		p.entrypoint, p.hasEntrypoint = val, true
	case "--hostname":
		p.rec.Hostname = val
	case "--user":
		// Accepted; the double runs as the caller. Visible in Argv.
	default:
		return udErr("test double: unknown run option %s", a)
	}
	return nil
}

func udockerMounts(vols []string) ([]mount, error) {
	var mounts []mount
	for _, v := range vols {
		m, err := parseVolume(v)
		if err != nil {
			return nil, err
		}
		mounts = append(mounts, m)
	}
	return mounts, nil
}

// parseVolume accepts "H:C" and "H". udocker has no mount options: it
// would take "H:C:ro" as container path "C:ro", silently read-write.
func parseVolume(v string) (mount, error) {
	if strings.HasSuffix(v, ":ro") {
		return mount{}, udErr("test double: udocker has no :ro; the generator must drop it (got %q)", v)
	}
	h, c, found := strings.Cut(v, ":")
	if !found {
		c = h
	}
	if strings.Contains(c, ":") || h == "" || c == "" {
		return mount{}, udErr("test double: volume must be HOST:CONTAINER, got %q", v)
	}
	if !filepath.IsAbs(h) {
		return mount{}, udErr("test double: volume host path must be absolute, got %q", v)
	}
	m, err := newMount(h, c)
	if err != nil {
		return mount{}, udErr("Error: invalid volume %q: %v", v, err)
	}
	return m, nil
}
