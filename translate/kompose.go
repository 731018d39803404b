package translate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/transship/transship/diag"
)

// The kompose.* labels transship honours, so kompose users can migrate.

// honoured maps the kompose labels transship understands to the field
// they set. The values are checked like their x-transship counterparts.
var komposeEnums = map[string]map[string]string{
	"kompose.service.type":                    {"nodeport": "NodePort", "clusterip": "ClusterIP", "loadbalancer": "LoadBalancer", "headless": "Headless"},
	"kompose.controller.type":                 {"deployment": "deployment", "daemonset": "daemonset", "statefulset": "statefulset"},
	"kompose.image-pull-policy":               {"always": "Always", "ifnotpresent": "IfNotPresent", "never": "Never"},
	"kompose.service.external-traffic-policy": {"cluster": "Cluster", "local": "Local"},
	"kompose.volume.type":                     {"persistentvolumeclaim": "persistentVolumeClaim", "emptydir": "emptyDir", "hostpath": "hostPath", "configmap": "configMap"},
}

// labelSrcs is where each label of a service is written, a kompose
// label by the key komposeAlias gives, for targets to point at.
func labelSrcs(ix *posIndex, name string, labels map[string]string) map[string]diag.Src {
	if len(labels) == 0 {
		return nil
	}
	out := make(map[string]diag.Src, len(labels))
	for k, v := range labels {
		key := k
		if strings.HasPrefix(k, "kompose.") {
			key = komposeAlias(k)
		}
		out[key] = ix.labelSrc("services."+name+".labels", k, v)
	}
	return out
}

func komposeLabels(ix *posIndex, name string, labels map[string]string, ext *ServiceExt) diag.Diagnostics {
	var diags diag.Diagnostics
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if strings.HasPrefix(k, "kompose.") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	base := "services." + name + ".labels"
	src := func(k string) diag.Src { return ix.labelSrc(base, k, labels[k]) }
	for _, k := range keys {
		v := strings.TrimSpace(labels[k])
		if enum, ok := komposeEnums[k]; ok {
			mapped, ok := enum[strings.ToLower(v)]
			if !ok {
				diags = append(diags, diag.Warnf(CodeKomposeValue, src(k), "label %s: %q is not one of %s; the label is ignored", k, v, enumList(enum)))
				continue
			}
			switch k {
			case "kompose.service.type":
				ext.ServiceType = mapped
			case "kompose.controller.type":
				ext.Workload = mapped
			case "kompose.image-pull-policy":
				ext.ImagePullPolicy = mapped
			case "kompose.service.external-traffic-policy":
				ext.TrafficPolicy = mapped
			case "kompose.volume.type":
				ext.VolumeType = mapped
			}
			continue
		}
		switch problem := komposeValue(komposeAlias(k), v, ext); problem {
		case "":
		case notHonoured:
			diags = append(diags, diag.Warnf(CodeKomposeLabel, src(k), "%s is no kompose 1.38 label transship knows; it has no effect", k))
		default:
			diags = append(diags, diag.Warnf(CodeKomposeValue, src(k), "label %s: %s; the label is ignored", k, problem))
		}
	}
	return append(diags, komposeCheck(ext, func(k string) diag.Src { return src(komposeKey(labels, k)) })...)
}

const notHonoured = "not honoured"

// komposeValue applies a free-form kompose label; it returns "" when the
// label was applied, notHonoured for a label transship ignores, or what is
// wrong with the value. kompose labels are someone else's format, so a bad
// value is a warning, unlike a bad x-transship value.
func komposeValue(k, v string, ext *ServiceExt) string {
	switch k {
	case "kompose.service.expose":
		if strings.EqualFold(v, "false") || v == "" {
			return ""
		}
		if ext.Expose == nil {
			ext.Expose = &Expose{}
		}
		if !strings.EqualFold(v, "true") {
			for _, h := range strings.Split(v, ",") {
				h = strings.TrimSpace(h)
				if host, path, ok := strings.Cut(h, "/"); ok {
					h, ext.Expose.Path = host, "/"+path
				}
				ext.Expose.Hosts = append(ext.Expose.Hosts, h)
			}
		}
	case "kompose.service.expose.tls-secret":
		if ext.Expose == nil {
			ext.Expose = &Expose{}
		}
		ext.Expose.TLS = true
		if !strings.EqualFold(v, "true") {
			ext.Expose.TLSSecret = v
		}
	case "kompose.service.expose.ingress-class-name":
		if ext.Expose == nil {
			ext.Expose = &Expose{}
		}
		ext.Expose.IngressClass = v
	case "kompose.service.nodeport.port":
		n, err := strconv.Atoi(v)
		// Only a port number here: which node ports a cluster opens is
		// the site's node_port_range, which the Kubernetes target checks.
		if err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%q is not a port number (1-65535)", v)
		}
		ext.NodePort = n
	case "kompose.image-pull-secret":
		ext.ImagePullSecret = v
	case "kompose.serviceaccount-name":
		ext.ServiceAccount = v
	case "kompose.security-context.fsgroup":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Sprintf("%q is not a group id", v)
		}
		ext.FSGroup = &n
	case "kompose.volume.size":
		if !quantity().MatchString(v) {
			return fmt.Sprintf("%q is not a size such as 10Gi", v)
		}
		ext.VolumeSize = v
	case "kompose.volume.storage-class-name":
		ext.VolumeClass = v
	case "kompose.service.expose.path":
		if !strings.HasPrefix(v, "/") {
			return fmt.Sprintf("%q is not a path (it must start with /)", v)
		}
		if ext.Expose == nil {
			ext.Expose = &Expose{}
		}
		ext.Expose.Path = v
	default:
		return komposeMore(k, v, ext)
	}
	return ""
}

func enumList(m map[string]string) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}
