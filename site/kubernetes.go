package site

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// The kubernetes block: its fields, defaults and schema.

// Kubernetes holds what the Kubernetes target takes from a site.
type Kubernetes struct {
	IngressClass       string            // ingressClassName; "" = leave unset (cluster default)
	IngressAnnotations map[string]string // added to every Ingress
	TLSIssuer          string            // cert-manager issuer name used when TLS is asked; "" = none
	TLSIssuerKind      string            // "ClusterIssuer" (default) or "Issuer": cert-manager.io/cluster-issuer vs cert-manager.io/issuer
	Domain             string            // hosts default to <service>.<Domain> when exposing without a host; "" = no default host
	StorageClass       string            // storageClassName for ReadWriteOnce claims; "" = cluster default
	SharedStorageClass string            // storageClassName for ReadWriteMany claims (volumes shared by several services/replicas); "" = same as StorageClass
	VolumeSize         string            // default PVC size, a Kubernetes quantity, default "1Gi"
	NFS                *NFS              // when set, shared volumes become static NFS PersistentVolumes on this server
	LoadBalancer       bool              // whether Services of type LoadBalancer are allowed (false on EGI: they stay pending)
	PublishedPorts     string            // how non-HTTP published ports are exposed where there is no LoadBalancer: "ClusterIP" or "NodePort"
	NodePortRange      string            // the cluster's --service-node-port-range, "LOW-HIGH" (default 30000-32767): a published port inside it is the nodePort
	ReservedNodePorts  []string          // node ports in the range that the cluster's own Services hold (EGI IM's ingress controller: 80, 443)
	RunAsNonRoot       bool              // set runAsNonRoot in pod security contexts (the cluster enforces PodSecurity)
	NetworkPolicies    bool              // emit NetworkPolicies (default true)
	CreateNamespace    bool              // emit the Namespace object (default true; false where users cannot create namespaces)
}

// NFS is an NFS export that shared volumes are carved from.
type NFS struct{ Server, Path string }

// defaults are where a profile that extends nothing starts; they equal
// the built-in generic (a test checks), so a bare user file means "any
// conformant cluster".
func defaults() Kubernetes {
	return Kubernetes{TLSIssuerKind: "ClusterIssuer", VolumeSize: "1Gi", LoadBalancer: true,
		PublishedPorts: "ClusterIP", NodePortRange: "30000-32767", NetworkPolicies: true, CreateNamespace: true}
}

// The HCL schemas. The kubernetes block's attributes come from fields, so
// the decoder's names and the struct cannot drift apart.
var (
	rootSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "extends"}, {Name: "description"}, {Name: "registry_mirrors"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "kubernetes"}, {Type: "batch"}, {Type: "cloud_init"}},
	}
	kubernetesSchema = &hcl.BodySchema{
		Attributes: attrSchemas(fields(&Kubernetes{})),
		Blocks:     []hcl.BlockHeaderSchema{{Type: "nfs"}},
	}
	nfsSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "server", Required: true}, {Name: "path", Required: true}},
	}
)

// fields maps each attribute of the kubernetes block to the field it sets.
func fields(k *Kubernetes) map[string]any {
	return map[string]any{
		"ingress_class":        &k.IngressClass,
		"ingress_annotations":  &k.IngressAnnotations,
		"tls_issuer":           &k.TLSIssuer,
		"tls_issuer_kind":      &k.TLSIssuerKind,
		"domain":               &k.Domain,
		"storage_class":        &k.StorageClass,
		"shared_storage_class": &k.SharedStorageClass,
		"volume_size":          &k.VolumeSize,
		"load_balancer":        &k.LoadBalancer,
		"published_ports":      &k.PublishedPorts,
		"node_port_range":      &k.NodePortRange,
		"reserved_node_ports":  &k.ReservedNodePorts,
		"run_as_non_root":      &k.RunAsNonRoot,
		"network_policies":     &k.NetworkPolicies,
		"create_namespace":     &k.CreateNamespace,
	}
}

func attrSchemas(targets map[string]any) []hcl.AttributeSchema {
	var out []hcl.AttributeSchema
	for _, name := range slices.Sorted(maps.Keys(targets)) {
		out = append(out, hcl.AttributeSchema{Name: name})
	}
	return out
}

// NodePorts is the node port range as numbers (a checked "LOW-HIGH").
func (k Kubernetes) NodePorts() (low, high int) {
	a, b, _ := strings.Cut(k.NodePortRange, "-")
	low, _ = strconv.Atoi(a)
	high, _ = strconv.Atoi(b)
	return low, high
}
