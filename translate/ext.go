package translate

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/internal/lazy"
	"github.com/transship/transship/schema"
)

// The x-transship extension and the kompose.* labels transship honours are
// decoded here, once, into typed fields. Targets never read labels.
// Where both are given, x-transship wins.

// ServiceExt is a service's x-transship (and honoured kompose labels).
type ServiceExt struct {
	Expose          *Expose `json:"expose,omitempty"`
	Workload        string  `json:"workload,omitempty"`     // deployment, statefulset, daemonset, job
	ServiceType     string  `json:"service_type,omitempty"` // ClusterIP, NodePort, Headless, LoadBalancer
	NodePort        int     `json:"node_port,omitempty"`
	TrafficPolicy   string  `json:"external_traffic_policy,omitempty"`
	ImagePullPolicy string  `json:"image_pull_policy,omitempty"`
	ImagePullSecret string  `json:"image_pull_secret,omitempty"`
	ServiceAccount  string  `json:"service_account,omitempty"`
	FSGroup         *int64  `json:"fs_group,omitempty"`
	// Defaults for the service's volumes (kompose.volume.* labels).
	VolumeSize  string `json:"volume_size,omitempty"`
	VolumeClass string `json:"volume_storage_class,omitempty"`
	VolumeType  string `json:"volume_type,omitempty"` // persistentVolumeClaim, emptyDir, hostPath, configMap
	// The rest come from kompose labels only (kompose_labels.go).
	VolumeSubPath    string         `json:"volume_subpath,omitempty"` // subPath of every volume mount
	CronJob          *CronJob       `json:"cronjob,omitempty"`
	Autoscale        *Autoscale     `json:"autoscale,omitempty"`
	Readiness        *ProbeSpec     `json:"readiness,omitempty"`
	Liveness         *ProbeSpec     `json:"liveness,omitempty"`
	InitContainer    *InitContainer `json:"init_container,omitempty"`
	EphemeralRequest string         `json:"ephemeral_storage_request,omitempty"`
	EphemeralLimit   string         `json:"ephemeral_storage_limit,omitempty"`
	HostPorts        bool           `json:"host_ports,omitempty"`    // published ports as hostPorts
	NameOverride     string         `json:"name_override,omitempty"` // the Kubernetes name
	Group            string         `json:"group,omitempty"`         // services of one group share a pod
	SecretEnv        []string       `json:"secret_env,omitempty"`    // variables whose values belong in a Secret
}

// Expose asks for the service to be reachable from outside (an Ingress).
type Expose struct {
	Hosts        []string `json:"hosts,omitempty"` // empty: the site profile's default host
	Path         string   `json:"path,omitempty"`
	Port         int      `json:"port,omitempty"` // 0: the first published (else first) port
	TLS          bool     `json:"tls,omitempty"`
	TLSSecret    string   `json:"tls_secret,omitempty"`
	IngressClass string   `json:"ingress_class,omitempty"`
}

// VolumeExt is a top-level volume's x-transship (and kompose labels).
type VolumeExt struct {
	Size         string `json:"size,omitempty"`
	StorageClass string `json:"storage_class,omitempty"`
	AccessMode   string `json:"access_mode,omitempty"`
	// Selector binds the claim to PersistentVolumes labelled with it
	// (kompose.volume.selector).
	Selector string `json:"selector,omitempty"`
}

type projectExt struct {
	Namespace string `json:"namespace"`
}

var extSchemas struct {
	once                     sync.Once
	project, service, volume *jsonschema.Schema
	err                      error
}

func compileExtSchemas() error {
	extSchemas.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.XTransship))
		if err != nil {
			extSchemas.err = err
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(schema.XTransshipID, doc); err != nil {
			extSchemas.err = err
			return
		}
		for _, d := range []struct {
			name string
			out  **jsonschema.Schema
		}{{"project", &extSchemas.project}, {"service", &extSchemas.service}, {"volume", &extSchemas.volume}} {
			if *d.out, err = c.Compile(schema.XTransshipID + "#/$defs/" + d.name); err != nil {
				extSchemas.err = err
				return
			}
		}
	})
	return extSchemas.err
}

// decodeExt validates raw (an x-transship value at path) against the named
// definition and decodes it into out.
func decodeExt(ix *posIndex, path, def string, raw any, out any) *diag.Diagnostic {
	if err := compileExtSchemas(); err != nil {
		d := diag.Errorf(CodeExtension, ix.src(path), "internal: x-transship schema: %v", err)
		return &d
	}
	data, err := json.Marshal(raw)
	if err != nil {
		d := diag.Errorf(CodeExtension, ix.src(path), "cannot read x-transship: %v", err)
		return &d
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		d := diag.Errorf(CodeExtension, ix.src(path), "cannot read x-transship: %v", err)
		return &d
	}
	sch := map[string]*jsonschema.Schema{"project": extSchemas.project, "service": extSchemas.service, "volume": extSchemas.volume}[def]
	if err := sch.Validate(inst); err != nil {
		d := extValidationDiag(ix, path, err)
		return &d
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		d := diag.Errorf(CodeExtension, ix.src(path), "cannot decode x-transship: %v", err)
		return &d
	}
	return nil
}

var englishPrinter = sync.OnceValue(func() *message.Printer { return message.NewPrinter(language.English) })

func extValidationDiag(ix *posIndex, path string, err error) diag.Diagnostic {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return diag.Errorf(CodeExtension, ix.src(path), "%v", err)
	}
	leaf := mostSpecific(ve)
	p := path
	loc := leaf.InstanceLocation
	if ap, ok := leaf.ErrorKind.(*kind.AdditionalProperties); ok && len(ap.Properties) > 0 {
		loc = append(append([]string{}, loc...), ap.Properties[0]) // name the unknown key itself
	}
	for _, seg := range loc {
		if _, err := strconv.Atoi(seg); err == nil {
			p += "[" + seg + "]"
		} else {
			p += "." + seg
		}
	}
	return diag.Errorf(CodeExtension, ix.src(p), "%s", leaf.ErrorKind.LocalizedString(englishPrinter()))
}

func mostSpecific(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	best := ve
	for _, c := range ve.Causes {
		if m := mostSpecific(c); len(m.InstanceLocation) > len(best.InstanceLocation) || best == ve && len(ve.Causes) > 0 {
			best = m
		}
	}
	return best
}

// rawServiceExt mirrors the schema's service definition for decoding.
type rawServiceExt struct {
	Expose          json.RawMessage `json:"expose"`
	Workload        string          `json:"workload"`
	ServiceType     string          `json:"service_type"`
	NodePort        int             `json:"node_port"`
	ImagePullPolicy string          `json:"image_pull_policy"`
	ImagePullSecret string          `json:"image_pull_secret"`
	ServiceAccount  string          `json:"service_account"`
	FSGroup         *int64          `json:"fs_group"`
	SecretEnv       []string        `json:"secret_env"`
}

type rawExpose struct {
	Host         string   `json:"host"`
	Hosts        []string `json:"hosts"`
	Path         string   `json:"path"`
	Port         int      `json:"port"`
	TLS          bool     `json:"tls"`
	TLSSecret    string   `json:"tls_secret"`
	IngressClass string   `json:"ingress_class"`
}

// serviceExt decodes a service's kompose labels, then its x-transship over
// them. Labels that kompose defines but transship does not honour are
// warnings.
func serviceExt(ix *posIndex, name string, labels map[string]string, exts map[string]any) (ServiceExt, diag.Diagnostics) {
	var ext ServiceExt
	diags := komposeLabels(ix, name, labels, &ext)
	raw, ok := exts["x-transship"]
	if !ok {
		return ext, diags
	}
	path := "services." + name + ".x-transship"
	var r rawServiceExt
	if d := decodeExt(ix, path, "service", raw, &r); d != nil {
		return ext, append(diags, *d)
	}
	if len(r.Expose) > 0 {
		ext.Expose = decodeExpose(r.Expose)
	}
	set(&ext.Workload, r.Workload)
	set(&ext.ServiceType, r.ServiceType)
	set(&ext.ImagePullPolicy, r.ImagePullPolicy)
	set(&ext.ImagePullSecret, r.ImagePullSecret)
	set(&ext.ServiceAccount, r.ServiceAccount)
	if r.NodePort != 0 {
		ext.NodePort = r.NodePort
	}
	if r.FSGroup != nil {
		ext.FSGroup = r.FSGroup
	}
	ext.SecretEnv = r.SecretEnv
	return ext, diags
}

func set(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// decodeExpose reads the three shapes the schema allows: a boolean, a host
// name, or an object. false means no Ingress.
func decodeExpose(raw json.RawMessage) *Expose {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if !b {
			return nil
		}
		return &Expose{}
	}
	var host string
	if json.Unmarshal(raw, &host) == nil {
		return &Expose{Hosts: []string{host}}
	}
	var r rawExpose
	_ = json.Unmarshal(raw, &r) // the schema already checked the shape
	e := &Expose{Path: r.Path, Port: r.Port, TLS: r.TLS || r.TLSSecret != "", TLSSecret: r.TLSSecret, IngressClass: r.IngressClass}
	if r.Host != "" {
		e.Hosts = append(e.Hosts, r.Host)
	}
	e.Hosts = append(e.Hosts, r.Hosts...)
	return e
}

// volumeExt decodes a top-level volume's labels and x-transship.
func volumeExt(ix *posIndex, name string, labels map[string]string, exts map[string]any) (VolumeExt, diag.Diagnostics) {
	var ext VolumeExt
	var diags diag.Diagnostics
	if v, ok := labels["kompose.volume.size"]; ok {
		if quantity().MatchString(v) {
			ext.Size = v
		} else {
			diags = append(diags, diag.Warnf(CodeKomposeValue, ix.src("volumes."+name+".labels.kompose.volume.size"), "label kompose.volume.size: %q is not a size such as 10Gi; the label is ignored", v))
		}
	}
	ext.StorageClass = labels["kompose.volume.storage-class-name"]
	if v, ok := labels["kompose.volume.selector"]; ok {
		if labelValue().MatchString(v) {
			ext.Selector = v
		} else {
			diags = append(diags, diag.Warnf(CodeKomposeValue, ix.src("volumes."+name+".labels.kompose.volume.selector"), "label kompose.volume.selector: %q is not a Kubernetes label value; the label is ignored", v))
		}
	}
	raw, ok := exts["x-transship"]
	if !ok {
		return ext, diags
	}
	var r VolumeExt
	if d := decodeExt(ix, "volumes."+name+".x-transship", "volume", raw, &r); d != nil {
		return ext, append(diags, *d)
	}
	set(&ext.Size, r.Size)
	set(&ext.StorageClass, r.StorageClass)
	set(&ext.AccessMode, r.AccessMode)
	return ext, diags
}

// quantity is the size syntax of the schema's volume size.
var quantity = lazy.Regexp(`^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$`)
