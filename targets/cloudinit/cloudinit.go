// Package cloudinit renders a compose project as one #cloud-config
// user-data file for a VM that already runs docker (EGI's docker image):
// cloud-init writes the compose file and the project files it needs under
// /opt/<project>/, and a systemd unit that runs `docker compose up` at
// every boot. docker compose itself runs the project, so almost every
// compose feature is kept as is; this target only reports what does not
// reach the VM (images to build, files that are not shipped, secrets).
package cloudinit

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/lazy"
	"github.com/transship/transship/targets"
	"github.com/transship/transship/translate"
)

// Options are what the cloud-init target takes besides the Graph.
type Options struct {
	// Compose is the normalised, interpolated compose file, as `docker
	// compose config` prints it (translate.Graph.Compose), given by the edge.
	Compose []byte
	// Files are project files by project-relative path (env files, secret
	// and config files, bind-mounted files), read at the edge; see FileNames.
	Files map[string]translate.FileData
	// Secrets says what happens to secret files: "embed" (the default:
	// written into the user-data, with a warning), "prompt" or "file" (not
	// written: the unit waits until the user copies them to the VM).
	Secrets    string
	Users      []User      // users to create besides the image's default one
	DataVolume *DataVolume // a second disk, formatted and mounted; nil: none
	Swap       string      // swap file size: "" none, "auto", "2G", ...
	Packages   []string    // extra packages to install
	// NvidiaToolkit installs the NVIDIA container toolkit and configures
	// docker with it before the app starts (nvidia.go).
	NvidiaToolkit bool
	// Contexts are the build contexts BuildContexts lists, read at the
	// edge: the VM builds those services (build.go).
	Contexts map[string]translate.DirData
	// ImagePrefix is where a service with build: and no image: is pulled
	// from (--image-prefix REG/PATH): <prefix>/<project>-<service>, and
	// then the VM builds nothing.
	ImagePrefix string
}

// User is a login user with SSH keys, in group docker.
type User struct {
	Name    string
	SSHKeys []string
	Sudo    bool
}

// DataVolume is a disk (a Cinder volume) formatted ext4 on first boot and
// mounted; the project's local named volumes are kept on it.
type DataVolume struct {
	Device     string // default /dev/vdb
	MountPoint string // default /srv/data
}

// UserData is the one file Emit writes.
const UserData = "user-data.yaml"

// MaxUserData is the largest user-data OpenStack accepts: nova takes it
// base64-encoded, at most 65,535 characters.
const MaxUserData = 49149

// compressAbove is the size from which a file is always compressed. Below
// it gzip+base64 saves little or even grows the file, and plain text keeps
// the user-data reviewable; above it the saving is large and a file's
// encoding does not depend on the size of the others.
const compressAbove = 4 << 10

var (
	projectName = lazy.Regexp(`^[a-z0-9][a-z0-9_-]*$`)
	userName    = lazy.Regexp(`^[a-z_][a-z0-9_-]*$`)
)

// FileNames lists, sorted, the project files the user-data should carry:
// env files, secret and config files, bind-mounted regular files. The edge
// reads them into Options.Files (translate.ReadProjectFiles).
func FileNames(g *translate.Graph) []string {
	names := make([]string, 0)
	for name := range needed(g) {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// needed maps each file FileNames lists to where the project uses it.
func needed(g *translate.Graph) map[string]diag.Src {
	out := map[string]diag.Src{}
	add := func(name string, src diag.Src) {
		if _, ok := out[name]; !ok {
			out[name] = src
		}
	}
	for _, s := range g.Services {
		for _, f := range s.EnvFiles {
			add(f, s.Src)
		}
		for _, m := range s.Mounts {
			if m.Kind == translate.MountBind && m.SourceKind == "file" && inProject(m.Source) {
				add(m.Source, m.Src)
			}
		}
	}
	for _, s := range g.Secrets {
		if s.File != "" {
			add(s.File, s.Src)
		}
	}
	for _, c := range g.Configs {
		if c.File != "" {
			add(c.File, c.Src)
		}
	}
	return out
}

func inProject(p string) bool {
	p = path.Clean(p)
	return !path.IsAbs(p) && p != ".." && !strings.HasPrefix(p, "../") && !strings.HasPrefix(p, "~")
}

// plan is what Emit works out before writing.
type plan struct {
	name, dir    string
	composeFiles []string // -f arguments, relative to dir
	waitFor      []string // secret files the unit waits for
	volumeDirs   []string // directories of named volumes on the data volume
	dataMount    string
	files        []wfile // write_files, in order
	diags        diag.Diagnostics
	// private and secret are project files written 0600, and secret
	// files (left out unless embedded), by project-relative path.
	private, secret map[string]bool
	built           []string      // services the VM builds, in name order
	renamed         []pulledImage // of those, the ones whose name is not compose's (upper case)
	pulled          []pulledImage // build-only services whose image the VM pulls
}

// wfile is one write_files entry.
type wfile struct {
	path string
	data []byte
	perm string
	gz   bool
}

// Emit renders g as cloud-init user-data. It is a pure function of its
// arguments.
func Emit(g *translate.Graph, o Options) ([]targets.File, diag.Diagnostics) {
	p, data := planAndRender(g, o, true, "")
	if len(data) > MaxUserData && len(p.built) > 0 {
		// The VM pulls those images instead of building them.
		p, data = planAndRender(g, o, false, "its build context does not fit in the user-data with the rest of the project")
	}
	if p.diags.HasErrors() {
		p.diags.Sort()
		return nil, p.diags
	}
	if len(data) > MaxUserData {
		top := diag.Src{}
		if len(g.Files) > 0 {
			top.Pos.File = g.Files[0]
		}
		p.diags = append(p.diags, diag.Errorf(CodeTooBig, top, "the user-data is %d bytes, %d more than OpenStack accepts (%d), even compressed; largest files: %s", len(data), len(data)-MaxUserData, MaxUserData, p.largest(3)))
		p.diags.Sort()
		return nil, p.diags
	}
	p.diags.Sort()
	return []targets.File{{Path: UserData, Mode: 0o600, Data: data}}, p.diags
}

// planAndRender plans the user-data and renders it, compressed if it is too big;
// ship says whether build contexts may travel in it (why not, else).
// Errors leave the data nil.
func planAndRender(g *translate.Graph, o Options, ship bool, why string) (*plan, []byte) {
	p := &plan{name: g.Name, dir: "/opt/" + g.Name, composeFiles: []string{"compose.yaml"}}
	top := diag.Src{}
	if len(g.Files) > 0 {
		top.Pos.File = g.Files[0]
	}
	if o.Secrets == "" {
		o.Secrets = "embed"
	}
	if o.DataVolume != nil {
		dv := *o.DataVolume
		if dv.Device == "" {
			dv.Device = "/dev/vdb"
		}
		if dv.MountPoint == "" {
			dv.MountPoint = "/srv/data"
		}
		o.DataVolume = &dv
		if !path.IsAbs(dv.Device) || !path.IsAbs(dv.MountPoint) || path.Clean(dv.MountPoint) == "/" {
			p.diags = append(p.diags, diag.Errorf(CodeOptions, top, "the data volume's device %q and mount point %q must be absolute paths, not /", dv.Device, dv.MountPoint))
		}
		p.dataMount = path.Clean(dv.MountPoint)
	}
	if !projectName().MatchString(g.Name) {
		p.diags = append(p.diags, diag.Errorf(CodeOptions, top, "project name %q is not a compose project name", g.Name))
	}
	if !slices.Contains([]string{"embed", "prompt", "file"}, o.Secrets) {
		p.diags = append(p.diags, diag.Errorf(CodeOptions, top, "secrets mode %q is not embed, prompt or file", o.Secrets))
	}
	for _, u := range o.Users {
		if !userName().MatchString(u.Name) || u.Name == "default" {
			p.diags = append(p.diags, diag.Errorf(CodeOptions, top, "%q is not a valid user name", u.Name))
		}
	}
	p.checkServices(g)
	p.gpus(g, o)
	p.addFiles(g, o, ship, why)
	if p.diags.HasErrors() {
		return p, nil
	}
	data := p.render(o)
	if len(data) > MaxUserData {
		// Compress every file that gets smaller, then measure again.
		for i := range p.files {
			f := &p.files[i]
			if !f.gz && len(gzB64(f.data)) < len(f.data) {
				f.gz = true
			}
		}
		data = p.render(o)
	}
	return p, data
}

// checkServices reports what docker on the VM cannot do as the file says.
func (p *plan) checkServices(g *translate.Graph) {
	for _, s := range g.Services {
		if s.Build != nil && s.Image != "" {
			p.diags = append(p.diags, diag.Warnf(CodeBuild, s.Src, "service %s: build: is ignored, the image %s is pulled", s.Name, s.Image))
		}
		for _, m := range s.Mounts {
			if m.Kind != translate.MountBind {
				continue
			}
			switch {
			case !inProject(m.Source):
				p.diags = append(p.diags, diag.Warnf(CodeNotShipped, m.Src, "%s is not in the project and not shipped: the VM's own %s is mounted", m.Source, m.Source))
			case m.SourceKind != "file":
				p.diags = append(p.diags, diag.Warnf(CodeNotShipped, m.Src, "directory %s is not shipped: it starts empty on the VM", m.Source))
			}
		}
	}
	for _, s := range g.Secrets {
		if s.EnvVar != "" {
			p.diags = append(p.diags, diag.Warnf(CodeSecretEnv, s.Src, "secret %s comes from variable %s, which the VM does not have", s.Name, s.EnvVar))
		}
	}
}

// addFiles decides the write_files entries: the compose file, an override
// for pulled builds and named volumes, the project files, the build
// contexts, the unit.
func (p *plan) addFiles(g *translate.Graph, o Options, ship bool, why string) {
	// The compose file holds the values of env files after
	// interpolation, so it is as private as they are.
	p.add("compose.yaml", o.Compose, "0600")
	private := map[string]bool{}
	secret := map[string]bool{}
	p.private, p.secret = private, secret
	for _, s := range g.Services {
		for _, f := range s.EnvFiles {
			private[f] = true
		}
	}
	for _, s := range g.Secrets {
		if s.File != "" {
			private[s.File], secret[s.File] = true, true
		}
	}
	srcs := needed(g)
	names := make([]string, 0, len(o.Files))
	for name := range o.Files {
		names = append(names, name)
	}
	for name, src := range srcs {
		if _, ok := o.Files[name]; !ok {
			p.diags = append(p.diags, diag.Warnf(CodeNotShipped, src, "%s is not shipped: it was not read", name))
		}
	}
	sort.Strings(names)
	for _, name := range names {
		fd, src := o.Files[name], srcs[name]
		switch {
		case !inProject(name):
			p.diags = append(p.diags, diag.Warnf(CodeNotShipped, src, "%s is not shipped: it is outside the project directory", name))
		case fd.Problem != "":
			p.diags = append(p.diags, diag.Warnf(CodeNotShipped, src, "%s is not shipped: %s", name, fd.Problem))
		case secret[name] && o.Secrets != "embed":
			p.waitFor = append(p.waitFor, path.Clean(name))
		default:
			if secret[name] {
				p.diags = append(p.diags, diag.Warnf(CodeSecretEmbedded, src, "secret file %s is written into the user-data, readable through the metadata service by anyone on the VM (use secrets mode prompt to copy it instead)", name))
			}
			perm := "0644"
			if private[name] || path.Base(name) == ".env" {
				perm = "0600"
			}
			p.add(path.Clean(name), fd.Data, perm)
		}
	}
	p.builds(g, o, ship, why)
	if ov := p.override(g); ov != nil {
		p.files = slices.Insert(p.files, 1, wfile{path: p.dir + "/compose.transship.yaml", data: ov, perm: "0644"})
		p.composeFiles = append(p.composeFiles, "compose.transship.yaml")
	}
	unit := wfile{path: "/etc/systemd/system/" + p.unitName(), data: []byte(p.unit()), perm: "0644"}
	p.files = append(p.files, unit)
}

// add adds a file of the project directory.
func (p *plan) add(rel string, data []byte, perm string) {
	p.files = append(p.files, wfile{path: p.dir + "/" + rel, data: data, perm: perm, gz: len(data) > compressAbove || !isText(data)})
}

func (p *plan) unitName() string { return "transship-" + p.name + ".service" }

// override is compose.transship.yaml: pulledOverride's services, and
// volumes; nil when it has neither.
func (p *plan) override(g *translate.Graph) []byte {
	svcs, vols := p.pulledOverride(), p.volumeOverride(g)
	var root *yaml.Node
	var what []string
	switch {
	case svcs != nil && vols != nil:
		root, what = mapping("services", svcs, "volumes", vols), []string{"the builds it cannot do are pulled", "the named volumes live on the data volume " + p.dataMount}
	case svcs != nil:
		root, what = mapping("services", svcs), []string{"the builds it cannot do are pulled"}
	case vols != nil:
		root, what = mapping("volumes", vols), []string{"the named volumes live on the data volume " + p.dataMount}
	default:
		return nil
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root},
		HeadComment: "Generated by transship: " + strings.Join(what, "; ") + "."}
	return encode(doc)
}

// volumeOverride keeps the project's local named volumes on the data
// volume. docker creates named volumes under its own data root, on the
// root disk; changing that root means rewriting daemon.json, which EGI's
// image configures (MTU), so instead a second compose file gives each
// plain local volume the local driver's bind options, pointing at a
// directory of the data volume that the unit creates. Volumes with a
// driver or driver options of their own, and external ones, are left as
// they are.
func (p *plan) volumeOverride(g *translate.Graph) *yaml.Node {
	if p.dataMount == "" {
		return nil
	}
	vols := mapping()
	for _, v := range g.Volumes {
		if v.External || (v.Driver != "" && v.Driver != "local") || len(v.DriverOpts) > 0 {
			continue
		}
		dir := p.dataMount + "/" + v.RealName
		p.volumeDirs = append(p.volumeDirs, dir)
		vols.Content = append(vols.Content, str(v.Name), mapping("driver_opts", mapping("type", str("none"), "o", str("bind"), "device", str(dir))))
	}
	if len(vols.Content) == 0 {
		return nil
	}
	return vols
}

// largest names the n biggest files as written.
func (p *plan) largest(n int) string {
	fs := slices.Clone(p.files)
	size := func(f wfile) int {
		if f.gz {
			return len(gzB64(f.data))
		}
		return len(f.data)
	}
	sort.SliceStable(fs, func(i, j int) bool { return size(fs[i]) > size(fs[j]) })
	var parts []string
	for _, f := range fs[:min(n, len(fs))] {
		parts = append(parts, fmt.Sprintf("%s (%d bytes)", strings.TrimPrefix(f.path, p.dir+"/"), size(f)))
	}
	return strings.Join(parts, ", ")
}

// render writes the user-data.
func (p *plan) render(o Options) []byte {
	var wf []*yaml.Node
	for _, f := range p.files {
		content, enc := text(string(f.data)), (*yaml.Node)(nil)
		if f.gz {
			content, enc = str(gzB64(f.data)), str("gz+b64")
		}
		wf = append(wf, mapping("path", str(f.path), "owner", str("root:root"), "permissions", quoted(f.perm), "encoding", enc, "content", content))
	}
	users := []*yaml.Node{str("default")}
	for _, u := range o.Users {
		var sudo *yaml.Node
		if u.Sudo {
			sudo = str("ALL=(ALL) NOPASSWD:ALL")
		}
		users = append(users, mapping("name", str(u.Name), "groups", flow(str("docker")), "shell", str("/bin/bash"),
			"lock_passwd", boolean(true), "sudo", sudo, "ssh_authorized_keys", seq(strs(u.SSHKeys...)...)))
	}
	var packages, swap, diskSetup, fsSetup, mounts *yaml.Node
	if len(o.Packages) > 0 {
		pk := slices.Compact(slices.Sorted(slices.Values(o.Packages)))
		packages = seq(strs(pk...)...)
	}
	if o.Swap != "" {
		swap = mapping("filename", str("/swapfile"), "size", str(o.Swap))
	}
	if dv := o.DataVolume; dv != nil {
		diskSetup = mapping(dv.Device, mapping("table_type", str("mbr"), "layout", boolean(true), "overwrite", boolean(false)))
		fsSetup = seq(mapping("label", str("transship-data"), "filesystem", str("ext4"), "device", str(dv.Device),
			"partition", str("any"), "overwrite", boolean(false)))
		mounts = seq(flow(str(dv.Device), str(dv.MountPoint), str("ext4"), quoted("defaults,nofail"), quoted("0"), quoted("2")))
	}
	root := mapping(
		"users", seq(users...),
		"ssh_pwauth", boolean(false),
		"packages", packages,
		"swap", swap,
		"disk_setup", diskSetup,
		"fs_setup", fsSetup,
		"mounts", mounts,
		"write_files", seq(wf...),
		// --no-block: the start waits for the pulls, and for secrets
		// copied by hand; blocking would hold cloud-init's final stage
		// (and `cloud-init status --wait`) until then.
		"runcmd", seq(append(p.nvidiaSetup(o), flow(strs("systemctl", "daemon-reload")...), flow(strs("systemctl", "enable", "--now", "--no-block", p.unitName())...))...),
	)
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	return append([]byte("#cloud-config\n"+p.header()), encode(doc)...)
}

// header is the comment at the top of the user-data.
func (p *plan) header() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by transship: compose project %s, started from %s by %s.\n", p.name, p.dir, p.unitName())
	b.WriteString("# Pass it with: openstack server create ... --user-data user-data.yaml NAME\n")
	for _, im := range p.pulled {
		fmt.Fprintf(&b, "# Service %s has build: and no image: push %s where the VM can pull it, before the boot.\n", im.service, oneLine(im.image))
	}
	if len(p.waitFor) > 0 {
		b.WriteString("# Secret files are not in this user-data: the app waits until they are on the VM. Copy each one with:\n")
		for _, f := range p.waitFor {
			dst := shQuote(p.dir + "/" + f)
			fmt.Fprintf(&b, "#   scp %s VM: && ssh VM sudo install -D -m 600 %s %s\n", oneLine(shQuote(f)), oneLine(shQuote(path.Base(f))), oneLine(dst))
		}
	}
	return b.String()
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
