package cluster

import (
	"fmt"
	"os"
	"path/filepath"
)

// Addresses inside the cluster's network namespace (nothing else uses
// them there, so they and the ports are fixed).
const (
	// hostBridge is a port-less bridge holding the node's address (this
	// kernel has no dummy links): the API server, kubelet and CoreDNS
	// listen there, and pods reach it through their gateway.
	hostBridge = "tsnode0"
	nodeIP     = "10.87.0.1"
	// podBridge is the CNI bridge plugin's bridge, gateway of podCIDR.
	podBridge = "tspods0"
	podCIDR   = "10.88.0.0/24"
	// serviceCIDR's first address is the kubernetes Service's.
	serviceCIDR         = "10.96.0.0/16"
	kubernetesServiceIP = "10.96.0.1"
	apiPort             = 6443
	nodeName            = "transship-node"
	// PauseImage is containerd's sandbox image (built by the harness).
	PauseImage = "registry.k8s.io/pause:3.10"
)

// writeConfigs writes the kubeconfig and the configuration files of
// containerd, CNI, kubelet, kube-proxy and CoreDNS into c.Dir.
func (c *Cluster) writeConfigs() error {
	d := c.Dir
	files := map[string]string{
		"kubeconfig": fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: transship
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    token: %s
contexts:
- name: transship
  context: {cluster: transship, user: admin}
current-context: transship
`, c.URL, filepath.Join(d, "ca.crt"), c.Token),

		// restrict_oom_score_adj: the machine withholds CAP_SYS_RESOURCE, and
		// runc fails every sandbox without it (../shared/notes/cluster.md).
		"containerd.toml": fmt.Sprintf(`version = 2
root = "%[1]s/containerd/root"
state = "%[1]s/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "%[1]s/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "%[1]s/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "%[2]s"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "%[1]s/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "%[1]s/cni"
`, d, PauseImage),

		"cni/10-transship.conflist": fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "transship",
  "plugins": [
    {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "%s/cni-ipam", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
`, podBridge, d, podCIDR),

		"resolv.conf": "nameserver " + nodeIP + "\n",

		// failCgroupV1: kubelet 1.37 refuses cgroup v1 without it. The
		// cgroup root is per run so it can be removed after (netns.go).
		"kubelet.yaml": fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /%s
failSwapOn: false
containerRuntimeEndpoint: unix://%s/containerd.sock
address: %s
readOnlyPort: 0
healthzPort: 0
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
clusterDNS: [%s]
clusterDomain: cluster.local
resolvConf: %s/resolv.conf
podLogsDir: /var/log/pods
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "1Mi", nodefs.available: "0%%", imagefs.available: "0%%", nodefs.inodesFree: "0%%"}
nodeStatusUpdateFrequency: 4s
syncFrequency: 10s
fileCheckFrequency: 10s
`, cgroupName(c.run), d, nodeIP, nodeIP, d),

		// maxPerCore 0: do not touch the (host-wide) conntrack table size.
		"kube-proxy.yaml": fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: %s/kubeconfig}
mode: iptables
clusterCIDR: %s
hostnameOverride: %s
bindAddress: %s
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0}
iptables: {syncPeriod: 5s, minSyncPeriod: 0s}
`, d, podCIDR, nodeName, nodeIP),

		// No forward: nothing outside the cluster is reachable from here.
		"Corefile": fmt.Sprintf(`.:53 {
    bind %s
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig %s/kubeconfig transship
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
}
`, nodeIP, d),

		// The default StorageClass, served by kube-controller-manager's
		// host-path provisioner.
		"storageclass.yaml": `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: hostpath
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
# The class the egi-im site profile names (csi-driver-nfs there): the
# test cluster plays that site, with the same provisioner behind it.
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: managed-nfs-storage}
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
# "standard", the default class of kind, minikube and GKE, which
# kompose-labels names (kompose.volume.storage-class-name) as a project
# written for those would.
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: standard}
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
`,
	}
	for name, data := range files {
		p := filepath.Join(d, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			return err
		}
	}
	return nil
}
