package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/site"
	"github.com/transship/transship/targets"
	cloudtarget "github.com/transship/transship/targets/cloudinit"
	"github.com/transship/transship/translate"
)

// cloudFlags are convert's flags for the cloud-init target.
type cloudFlags struct {
	secrets    string
	sshKeys    []string
	user       string
	dataVolume string
	swap       string
	packages   []string
	nvidia     bool
	sudo       bool     // from the site profile
	siteKeys   []string // the site profile's keys, before --ssh-key files
}

// over is the site's cloud_init with the flags given on top.
func (c cloudFlags) over(s site.CloudInit) cloudFlags {
	out := cloudFlags{secrets: s.Secrets, user: s.User, sudo: s.Sudo, siteKeys: s.SSHKeys,
		dataVolume: s.DataVolume, swap: s.Swap, packages: s.Packages, sshKeys: c.sshKeys, nvidia: s.NvidiaToolkit || c.nvidia}
	if c.secrets != "" {
		out.secrets = c.secrets
	}
	if c.user != "" && c.user != s.User {
		out.user, out.sudo, out.siteKeys = c.user, false, nil
	}
	if c.dataVolume != "" {
		out.dataVolume = c.dataVolume
	}
	if c.swap != "" {
		out.swap = c.swap
	}
	if len(c.packages) > 0 {
		out.packages = c.packages
	}
	return out
}

// cloudOnly are the flags only the cloud-init target reads.
// (--secrets is the Kubernetes target's too, with its own values.)
var cloudOnly = []string{"ssh-key", "user", "data-volume", "swap", "package", "nvidia-toolkit"}

func (c *cloudFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.secrets, "secrets", "", "cloud-init: embed (in user-data, readable through the metadata service: a warning), prompt or file (left out: copy them to the VM, the app waits for them); default from the site profile: embed. kubernetes: embed (Secret manifests, a warning) or external (referred to, not written: warnings give the kubectl commands)")
	fs.StringArrayVar(&c.sshKeys, "ssh-key", nil, "cloud-init: a public key file for --user (repeatable)")
	fs.StringVar(&c.user, "user", "", "cloud-init: an extra user in group docker, with the --ssh-key keys")
	fs.StringVar(&c.dataVolume, "data-volume", "", "cloud-init: DEVICE:MOUNTPOINT of a data disk for the app, e.g. /dev/vdb:/srv/data")
	fs.StringVar(&c.swap, "swap", "", "cloud-init: a swap file: auto or a size such as 2G")
	fs.StringArrayVar(&c.packages, "package", nil, "cloud-init: a Debian/Ubuntu package to install (repeatable)")
	fs.BoolVar(&c.nvidia, "nvidia-toolkit", false, "cloud-init: install the NVIDIA container toolkit for services that reserve GPUs (the image must have the driver; site: nvidia_toolkit)")
}

// check refuses cloud-init flags with another target, and bad values.
func (c *cloudFlags) check(fs *pflag.FlagSet, target string) string {
	if target != "cloud-init" {
		for _, n := range cloudOnly {
			if fs.Changed(n) {
				return "--" + n + " applies only to --to cloud-init"
			}
		}
		if fs.Changed("secrets") && target != "kubernetes" && target != "helm" {
			return "--secrets applies only to --to cloud-init, kubernetes and helm"
		}
		return ""
	}
	if c.secrets != "" && !slices.Contains([]string{"embed", "prompt", "file"}, c.secrets) {
		return fmt.Sprintf("unknown --secrets %q (one of: embed, prompt, file)", c.secrets)
	}
	if len(c.sshKeys) > 0 && c.user == "" && !fs.Changed("site") {
		return "--ssh-key needs --user, or a site profile naming a user (the default user gets the key given to OpenStack with --key-name)"
	}
	if c.dataVolume != "" {
		dev, mnt, ok := strings.Cut(c.dataVolume, ":")
		if !ok || !strings.HasPrefix(dev, "/dev/") || !strings.HasPrefix(mnt, "/") {
			return fmt.Sprintf("--data-volume %q: expected DEVICE:MOUNTPOINT, e.g. /dev/vdb:/srv/data", c.dataVolume)
		}
	}
	return ""
}

// emitCloudInit reads what the pure target needs at the edge: the
// project's files (env files, secrets, configs, bind-mounted files) and
// the SSH keys.
func (f *convertFlags) emitCloudInit(e *env, g *translate.Graph, prof *site.Profile) ([]targets.File, diag.Diagnostics) {
	c := f.cloud.over(prof.CloudInit)
	o := cloudtarget.Options{Compose: g.Compose, Secrets: c.secrets, Swap: c.swap, Packages: c.packages, NvidiaToolkit: c.nvidia, ImagePrefix: f.images.prefix}
	o.Files = translate.ReadProjectFiles(g, cloudtarget.FileNames(g), translate.MaxEmbeddedFile)
	// Build contexts the VM may build from; never one holding the output
	// directory, which each conversion would then carry into the next.
	o.Contexts = translate.ReadProjectDirs(g, cloudtarget.BuildContexts(g, f.images.prefix), cloudtarget.MaxUserData, f.outputDirs(e)...)
	if len(c.sshKeys) > 0 && c.user == "" {
		return nil, diag.Diagnostics{{Severity: diag.Error, Code: "CLI004", Message: "--ssh-key needs --user, or a site profile naming a user"}}
	}
	if c.user != "" {
		u := cloudtarget.User{Name: c.user, Sudo: c.sudo, SSHKeys: c.siteKeys}
		for _, k := range c.sshKeys {
			p := k
			if !filepath.IsAbs(p) {
				p = filepath.Join(e.cwd, p)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, diag.Diagnostics{{Severity: diag.Error, Code: "CLI004", Message: "--ssh-key: " + err.Error()}}
			}
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
					u.SSHKeys = append(u.SSHKeys, line)
				}
			}
		}
		o.Users = []cloudtarget.User{u}
	}
	if c.dataVolume != "" {
		dev, mnt, _ := strings.Cut(c.dataVolume, ":")
		o.DataVolume = &cloudtarget.DataVolume{Device: dev, MountPoint: mnt}
	}
	return cloudtarget.Emit(g, o)
}
