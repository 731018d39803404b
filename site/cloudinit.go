package site

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/transship/transship/internal/lazy"
)

// CloudInit holds what the cloud-init target takes from a site: what a
// VM there needs besides the application. The command line's flags
// override each attribute.
type CloudInit struct {
	Secrets    string   // "embed" (default), "prompt" or "file": whether secrets go into user-data
	User       string   // an extra user in group docker; "" = only the image's default user
	SSHKeys    []string // public keys of User, one line each
	Sudo       bool     // User may sudo without a password
	DataVolume string   // "DEVICE:MOUNTPOINT" of a data disk, e.g. "/dev/vdb:/srv/data"; "" = none
	Swap       string   // a swap file: "auto" or a size such as "2G"; "" = none
	Packages   []string // packages to install, sorted
	// NvidiaToolkit installs the NVIDIA container toolkit and makes it
	// docker's GPU runtime, for services that reserve GPUs (the image
	// brings the driver, as GPU flavours' images do).
	NvidiaToolkit bool
}

// cloudInitDefaults are where a profile that extends nothing starts; they
// equal the built-in generic's cloud_init block (a test checks).
func cloudInitDefaults() CloudInit { return CloudInit{Secrets: "embed"} }

var cloudInitSchema = &hcl.BodySchema{Attributes: attrSchemas(cloudInitFields(&CloudInit{}))}

// cloudInitFields maps each attribute of the cloud_init block to the
// field it sets.
func cloudInitFields(c *CloudInit) map[string]any {
	return map[string]any{
		"secrets":        &c.Secrets,
		"user":           &c.User,
		"ssh_keys":       &c.SSHKeys,
		"sudo":           &c.Sudo,
		"data_volume":    &c.DataVolume,
		"swap":           &c.Swap,
		"packages":       &c.Packages,
		"nvidia_toolkit": &c.NvidiaToolkit,
	}
}

func (l *loader) decodeCloudInit(c *CloudInit, blk *hcl.Block, data []byte) {
	content, diags := blk.Body.Content(cloudInitSchema)
	l.addHCL(codeStructure, "cloud_init", data, diags)
	targets := cloudInitFields(c)
	for _, name := range slices.Sorted(maps.Keys(content.Attributes)) {
		l.set(targets[name], "cloud_init."+name, content.Attributes[name])
	}
}

// The patterns below match schema/site.schema.json.
var (
	unixUserRE   = lazy.Regexp(`^[a-z_][a-z0-9_-]{0,31}$`)
	sshKeyRE     = lazy.Regexp(`^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+=* ?[^\n]*$`)
	dataVolumeRE = lazy.Regexp(`^/dev/[A-Za-z0-9/_.-]+:/[A-Za-z0-9/_.-]*$`)
	packageRE    = lazy.Regexp(`^[a-z0-9][a-z0-9+.-]+$`)
)

func unixUser(s string) string {
	if s == "" || unixUserRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a user name (lower case letters, digits, '_' and '-', at most 32)", s)
}

func sshKey(s string) string {
	if sshKeyRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not an OpenSSH public key line (ssh-ed25519 AAAA... comment)", s)
}

func dataVolume(s string) string {
	if s == "" || dataVolumeRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not DEVICE:MOUNTPOINT (e.g. /dev/vdb:/srv/data)", s)
}

func swapSize(s string) string {
	if s == "" || s == "auto" {
		return ""
	}
	if _, err := ParseBytes(strings.TrimSuffix(strings.TrimSuffix(s, "B"), "b")); err == nil {
		return ""
	}
	return fmt.Sprintf("%q is not a swap size: auto, or a size such as 2G or 512M", s)
}

func debPackage(s string) string {
	if packageRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a package name", s)
}
