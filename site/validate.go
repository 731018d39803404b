package site

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/transship/transship/internal/lazy"
)

// The checks a value passes beyond its HCL type: DNS names, quantities,
// hosts, paths, enums, keyed by attribute path.

// checks validate string values that HCL's types alone accept; each
// returns what is wrong, or "". The patterns match schema/site.schema.json.
// For a list or a map, the check applies to each element or value.
var checks = map[string]func(string) string{
	"kubernetes.ingress_class":        objectName,
	"kubernetes.tls_issuer":           objectName,
	"kubernetes.storage_class":        objectName,
	"kubernetes.shared_storage_class": objectName,
	"kubernetes.tls_issuer_kind":      oneOf("ClusterIssuer", "Issuer"),
	"kubernetes.published_ports":      oneOf("ClusterIP", "NodePort"),
	"kubernetes.node_port_range":      portRange,
	"kubernetes.reserved_node_ports":  portNumber,
	"kubernetes.domain":               domain,
	"kubernetes.volume_size":          quantity,
	"kubernetes.nfs.server":           host,
	"kubernetes.nfs.path":             absPath,
	"batch.scheduler":                 oneOf("slurm", "htcondor", "dirac", "none"),
	"batch.runtime":                   oneOf("auto", "apptainer", "singularity", "udocker"),
	"batch.walltime":                  walltime,
	"batch.partition":                 partition,
	"batch.account":                   schedulerName,
	"batch.qos":                       schedulerName,
	"batch.min_memory":                memory,
	"batch.image_cache":               oneLine,
	"batch.volume_base":               oneLine,
	"batch.cvmfs_unpacked":            optionalAbsPath,
	"batch.requirements":              oneLine,
	"batch.dirac_site":                diracSite,
	"batch.dirac_tags":                diracTag,
	"batch.dirac_output_se":           diracSE,
	"batch.extra":                     oneLine,
	"registry_mirrors":                mirrorPrefix,
	"cloud_init.secrets":              oneOf("embed", "prompt", "file"),
	"cloud_init.user":                 unixUser,
	"cloud_init.ssh_keys":             sshKey,
	"cloud_init.data_volume":          dataVolume,
	"cloud_init.swap":                 swapSize,
	"cloud_init.packages":             debPackage,
}

// keyChecks validate the keys of map attributes.
var keyChecks = map[string]func(string) string{
	"kubernetes.ingress_annotations": qualifiedName,
	"batch.extra":                    extraKey,
	"registry_mirrors":               registryHost,
}

// numberChecks validate number values.
var numberChecks = map[string]func(float64) string{
	"batch.min_cpus": positive,
}

const dnsLabel = `[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?`

var (
	subdomainRE = lazy.Regexp(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	domainRE    = lazy.Regexp(`^` + dnsLabel + `(\.` + dnsLabel + `)*$`)
	quantityRE  = lazy.Regexp(`^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$`)
	numericTLD  = lazy.Regexp(`(^|\.)[0-9]+$`)
	nameRE      = lazy.Regexp(`^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)
)

// objectName checks the name of a Kubernetes object (IngressClass,
// StorageClass, issuer): a DNS-1123 subdomain. "" means the cluster default.
func objectName(s string) string {
	if s == "" || len(s) <= 253 && subdomainRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a Kubernetes object name: lowercase letters, digits, '-' and '.', "+
		"starting and ending with a letter or digit", s)
}

// domain checks a DNS domain that hosts are made under. An IP address
// passes the DNS pattern but <service>.<ip> resolves nowhere, hence the hint.
func domain(s string) string {
	switch {
	case s == "":
		return ""
	case net.ParseIP(s) != nil:
		return fmt.Sprintf("%q is an IP address, not a DNS domain: hosts <service>.%s resolve nowhere (try %q)", s, s, s+".nip.io")
	case len(s) > 253 || !domainRE().MatchString(s):
		return fmt.Sprintf("%q is not a DNS domain: lowercase labels of letters, digits and '-', up to 63 characters, separated by dots", s)
	case numericTLD().MatchString(s): // no top-level domain is a number
		return fmt.Sprintf("%q is not a DNS domain: its last label is a number", s)
	}
	return ""
}

func quantity(s string) string {
	if !quantityRE().MatchString(s) {
		return fmt.Sprintf("%q is not a Kubernetes quantity such as \"1Gi\" or \"500Mi\"", s)
	}
	if strings.Trim(s, "0.KMGTPEik") == "" { // every digit is zero
		return fmt.Sprintf("%q is zero; a volume needs a size", s)
	}
	return ""
}

func host(s string) string {
	if net.ParseIP(s) != nil || s != "" && len(s) <= 253 && domainRE().MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a host name or IP address", s)
}

func absPath(s string) string {
	if strings.HasPrefix(s, "/") {
		return ""
	}
	return fmt.Sprintf("%q is not an absolute path", s)
}

func oneOf(allowed ...string) func(string) string {
	return func(s string) string {
		if slices.Contains(allowed, s) {
			return ""
		}
		msg := fmt.Sprintf("%q is not one of %s", s, strings.Join(allowed, ", "))
		if c := suggest(s, allowed); len(c) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", c[0])
		}
		return msg
	}
}

// qualifiedName checks an annotation key: [prefix/]name, the prefix a DNS
// subdomain, as the apiserver validates it.
func qualifiedName(s string) string {
	prefix, name, hasPrefix := strings.Cut(s, "/")
	if !hasPrefix {
		prefix, name = "", s
	}
	if nameRE().MatchString(name) && (!hasPrefix || prefix != "" && len(prefix) <= 253 && subdomainRE().MatchString(prefix)) {
		return ""
	}
	return fmt.Sprintf("%q is not a valid annotation key: [prefix/]name, the prefix a DNS subdomain and the name "+
		"up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit", s)
}

// registryHost checks a registry host (optionally with a port), the key
// of registry_mirrors: "docker.io", "ghcr.io", "registry.example.org:5000".
func registryHost(s string) string {
	h, port, hasPort := strings.Cut(s, ":")
	if domainRE().MatchString(h) && (!hasPort || portRE().MatchString(port)) {
		return ""
	}
	return fmt.Sprintf("%q is not a registry host (e.g. docker.io, registry.example.org:5000)", s)
}

// mirrorPrefix checks where a mirror serves images: a host and an optional
// path, "harbor.example.org/dockerhub".
func mirrorPrefix(s string) string {
	h, _, _ := strings.Cut(s, "/")
	if registryHost(h) == "" && !strings.ContainsAny(s, " \t\n@") && !strings.HasSuffix(s, "/") {
		return ""
	}
	return fmt.Sprintf("%q is not a registry prefix (e.g. harbor.example.org/dockerhub)", s)
}

var portRE = lazy.Regexp(`^[0-9]{1,5}$`)

// portRange checks a node port range, "LOW-HIGH" with 1 <= LOW <= HIGH <= 65535.
func portRange(s string) string {
	a, b, ok := strings.Cut(s, "-")
	if !ok || portNumber(a) != "" || portNumber(b) != "" || atoi(a) > atoi(b) {
		return fmt.Sprintf("%q is not a port range: LOW-HIGH, two port numbers with LOW <= HIGH, such as 30000-32767", s)
	}
	return ""
}

// portNumber checks a TCP/UDP port number, 1-65535.
func portNumber(s string) string {
	if n := atoi(s); n < 1 || n > 65535 || strconv.Itoa(n) != s {
		return fmt.Sprintf("%q is not a port number (1-65535)", s)
	}
	return ""
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
