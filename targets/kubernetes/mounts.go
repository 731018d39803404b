package kubernetes

import (
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/transship/transship/translate"
)

// podVolumes collects one pod's volumes, each once, by name.
type podVolumes struct {
	vols   []corev1.Volume
	mounts []corev1.VolumeMount
	claims []corev1.PersistentVolumeClaim
	seen   map[string]bool
}

func (p *podVolumes) add(v corev1.Volume) {
	if !p.seen[v.Name] {
		p.seen[v.Name] = true
		p.vols = append(p.vols, v)
	}
}

// mounts renders a service's mounts (storage.go says what becomes what).
func (e *emitter) mounts(si *svcInfo) ([]corev1.Volume, []corev1.VolumeMount, []corev1.PersistentVolumeClaim) {
	p := &podVolumes{seen: map[string]bool{}}
	for _, m := range si.s.Mounts {
		vm := corev1.VolumeMount{MountPath: m.Target, ReadOnly: m.ReadOnly, SubPath: m.SubPath}
		subPath(si.s, m, &vm)
		var ok bool
		switch m.Kind {
		case translate.MountVolume:
			ok = e.volumeMount(si, m, p, &vm)
		case translate.MountBind:
			ok = e.bindMount(si, m, p, &vm)
		case translate.MountTmpfs:
			vm.Name, ok = joinName("tmpfs", m.Target, 63), true
			p.add(memoryDir(vm.Name, m.TmpfsSize))
		case translate.MountSecret, translate.MountConfig:
			ok = e.fileMount(m, p, &vm)
		default:
			e.warn(CodeMount, m.Src, "a %s mount has no Kubernetes form; it is left out", m.Kind)
		}
		if ok {
			p.mounts = append(p.mounts, vm)
		}
	}
	if si.s.ShmSize > 0 {
		p.add(memoryDir("shm", si.s.ShmSize))
		p.mounts = append(p.mounts, corev1.VolumeMount{Name: "shm", MountPath: "/dev/shm"})
	}
	return p.vols, p.mounts, p.claims
}

func memoryDir(name string, size int64) corev1.Volume {
	src := &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}
	if size > 0 {
		src.SizeLimit = resource.NewQuantity(size, resource.BinarySI)
	}
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: src}}
}

func (e *emitter) volumeMount(si *svcInfo, m translate.Mount, p *podVolumes, vm *corev1.VolumeMount) bool {
	c := e.claimFor(si.s, m)
	if c == nil { // anonymous, or x-transship volume_type emptyDir
		vm.Name = joinName("anon", m.Target, 63)
		if m.Source != "" {
			vm.Name = dnsName(m.Source, 63)
		}
		p.add(corev1.Volume{Name: vm.Name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		return true
	}
	if t := si.s.Ext.VolumeType; t == "hostPath" || t == "configMap" {
		e.warn(CodeMount, m.Src, "volume type %s (kompose.volume.type) is not honoured for named volumes; volume %s is a claim", t, m.Source)
	}
	vm.Name = c.name
	if c.template {
		if !p.seen[c.name] {
			p.seen[c.name] = true
			p.claims = append(p.claims, e.claimTemplate(c))
		}
		return true
	}
	p.add(claimVolume(c.name))
	return true
}

// claimTemplate is a StatefulSet's claim template as the API server
// stores it: with apiVersion, kind, volumeMode and a Pending status.
// kubectl apply replaces the volumeClaimTemplates list whole whenever it
// differs from the live one, so without what the server fills in every
// apply would print "statefulset.apps/NAME configured" and change nothing.
func (e *emitter) claimTemplate(c *claim) corev1.PersistentVolumeClaim {
	tpl := *e.pvc(c)
	tpl.Namespace = ""
	mode := corev1.PersistentVolumeFilesystem
	tpl.Spec.VolumeMode = &mode
	tpl.Status.Phase = corev1.ClaimPending
	return tpl
}

func claimVolume(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name}}}
}

func (e *emitter) bindMount(si *svcInfo, m translate.Mount, p *podVolumes, vm *corev1.VolumeMount) bool {
	if hostPath(m.Source) {
		if strings.HasPrefix(m.Source, "~") {
			e.warn(CodeHostPath, m.Src, "bind mount %s is in a home directory, which a node does not have; it is left out", m.Source)
			return false
		}
		vm.Name = joinName("host", m.Source, 63)
		e.warn(CodeHostPath, m.Src, "bind mount %s becomes a hostPath volume: the pod sees that path on whichever node it runs on", m.Source)
		p.add(corev1.Volume{Name: vm.Name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: m.Source}}})
		return true
	}
	if c := e.claims[bindKey(m.Source)]; c != nil {
		vm.Name = c.name
		if m.SourceKind == "file" {
			vm.SubPath = path.Base(m.Target)
		}
		p.add(claimVolume(c.name))
		return true
	}
	name := e.fileObj["file:"+m.Source]
	if dd, ok := e.dirData(m.Source); ok && m.SourceKind == "dir" {
		vm.Name, vm.ReadOnly = name, true
		p.add(dirVolume(name, dd))
		return true
	}
	// A file inside the project: a ConfigMap holding it, mounted as the file.
	vm.Name, vm.SubPath, vm.ReadOnly = name, fileKey(m.Source), true
	p.add(corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}})
	return true
}

// nameBoundFiles names the ConfigMap of each bind-mounted project file
// (one per file, however many services mount it), after its project path;
// the key is the file's base name.
func (p *planner) nameBoundFiles() {
	for _, s := range p.g.Services {
		for _, m := range s.Mounts {
			if m.Kind != translate.MountBind || hostPath(m.Source) || p.claims[bindKey(m.Source)] != nil {
				continue
			}
			if _, done := p.fileObj["file:"+m.Source]; !done {
				p.fileObj["file:"+m.Source] = p.unique("ConfigMap", bindName(m.Source), "file "+m.Source)
			}
		}
	}
}

// boundFiles writes the ConfigMaps nameBoundFiles named.
func (e *emitter) boundFiles() {
	for _, k := range sortedKeys(e.fileObj) {
		if source, ok := strings.CutPrefix(k, "file:"); ok {
			name := e.fileObj[k]
			if dd, ok := e.dirData(source); ok {
				e.dirConfigMap(name, dd)
				continue
			}
			fd, _ := e.fileData(source)
			e.configMap(name, name, fileKey(source), fd.Data)
		}
	}
}

// fileKey is the key of a bound file in its ConfigMap: its base name,
// made a valid key ("my file.conf" is not one), which the mount's subPath
// names; the name in the container is the mount's path.
func fileKey(source string) string { return dataKey(path.Base(source)) }

// composeFileMode is the mode compose gives a secret or config file.
const composeFileMode = 0o444

// fileMount mounts one secret or config as a file at its target, from
// the Secret or ConfigMap of the same name (secrets.go).
func (e *emitter) fileMount(m translate.Mount, p *podVolumes, vm *corev1.VolumeMount) bool {
	obj, key := e.objectOf(m)
	// Compose mounts secrets and configs read-only for all (0444) unless
	// a mode is given; Kubernetes' own default is 0644.
	mode := int32p(composeFileMode)
	switch {
	case m.Mode != nil && *m.Mode >= 0 && *m.Mode <= 0o777:
		mode = int32p(*m.Mode)
	case m.Mode != nil:
		e.warn(CodeMount, m.Src, "mode %d is not a file mode (0 to 0777, written in octal as 0644); compose's default 0444 is used", *m.Mode)
	}
	items := []corev1.KeyToPath{{Key: key, Path: key, Mode: mode}}
	vm.Name, vm.SubPath, vm.ReadOnly = string(m.Kind)+"-"+obj, key, true
	if len(vm.Name) > 63 {
		vm.Name = joinName(string(m.Kind), hashOf(obj), 63)
	}
	src := corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: obj, Items: items}}
	if m.Kind == translate.MountConfig {
		src = corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: obj}, Items: items}}
	}
	if m.UID != "" || m.GID != "" {
		e.warn(CodeMount, m.Src, "uid and gid of a %s file cannot be set in Kubernetes (the pod's fsGroup decides the group)", m.Kind)
	}
	p.add(corev1.Volume{Name: vm.Name, VolumeSource: src})
	return true
}
