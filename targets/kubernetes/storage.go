package kubernetes

import (
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// Storage, decided for the whole project before any pod is written,
// because a volume's access mode depends on all of its users:
//
//   - a named volume is a PersistentVolumeClaim. One used by several
//     services, or by a replicated or global one, is shared as in compose:
//     ReadWriteMany, on a static NFS PersistentVolume when the site names
//     an NFS server, else on the site's shared storage class. A
//     StatefulSet's own volumes are claim templates, one per replica.
//   - an external volume is a claim that must exist under its real name.
//   - a bind-mounted file inside the project becomes a ConfigMap holding
//     it; a directory becomes a claim (its content is not carried: a
//     warning says so); an absolute host path becomes a hostPath volume.
//   - tmpfs, shm_size and anonymous volumes are emptyDirs.

// claim is one PersistentVolumeClaim (or claim template, or a reference
// to an external claim).
type claim struct {
	name     string
	what     string // for messages: "volume data" or "bind mount ./html"
	users    []string
	access   corev1.PersistentVolumeAccessMode
	size     string
	class    string
	nfs      bool // bound to a static NFS PersistentVolume
	external bool
	template bool // a StatefulSet's volumeClaimTemplate
	selector string
	src      diag.Src
}

// sharedStorage: the site offers storage that several pods can mount.
func (p *plan) sharedStorage() bool {
	return p.o.Site.NFS != nil || p.o.Site.SharedStorageClass != ""
}

func volumeKey(name string) string { return "volume:" + name }
func bindKey(source string) string { return "bind:" + source }

// storage plans every claim: named volumes, then the bind mounts that
// become claims, in the services' order.
func (p *planner) storage() {
	for _, v := range p.g.Volumes {
		if len(v.Users) == 0 || p.allEmptyDir(v.Users) {
			continue
		}
		c := &claim{what: "volume " + v.Name, users: v.Users, src: v.Src, size: v.Ext.Size, class: v.Ext.StorageClass, selector: v.Ext.Selector}
		if v.External {
			c.name, c.external = dnsName(v.RealName, 253), true
			p.warn(CodeNotEmbedded, v.Src, "volume %s is external: a PersistentVolumeClaim named %s must exist in the namespace", v.Name, c.name)
		} else {
			c.name = p.unique("PersistentVolumeClaim", dnsName(v.Name, 63), c.what)
		}
		p.claims[volumeKey(v.Name)] = c
		p.decide(c, v.Ext.AccessMode)
		if c.selector != "" && !c.external {
			p.warn(CodeKompose, v.Src, "volume %s binds only to a PersistentVolume labelled io.kompose.service=%s (kompose.volume.selector); provisioners that refuse claims with a selector leave it Pending until such a volume exists", v.Name, c.selector)
		}
	}
	var binds []*claim
	warned := map[string]bool{}
	for _, s := range p.g.Services {
		for _, m := range s.Mounts {
			if m.Kind != translate.MountBind {
				continue
			}
			if p.bindClaimed(m) {
				if c := p.bindClaim(s, m); c != nil {
					binds = append(binds, c)
				}
			} else if m.SourceKind == "dir" && !warned[m.Source] {
				warned[m.Source] = true
				p.warnSecretFiles(m)
			}
		}
	}
	for _, c := range binds {
		p.decide(c, "")
	}
}

func (p *plan) allEmptyDir(users []string) bool {
	for _, u := range users {
		if si := p.svc[u]; si == nil || si.s.Ext.VolumeType != "emptyDir" {
			return false
		}
	}
	return true
}

// decide sets a claim's access mode, size and class from its users.
func (p *planner) decide(c *claim, access string) {
	// Services sharing a pod (group.go) share its volumes without
	// sharing them between pods: the pods count, not the services.
	pods := map[*svcInfo]bool{}
	shared := false
	var owner *svcInfo
	for _, u := range c.users {
		if si := p.svc[u]; si != nil {
			pod := si.podOf()
			pods[pod], owner = true, pod
			shared = shared || replicas(pod.s) > 1 || pod.kind == kindDaemonSet || pod.hpa != nil && pod.hpa.max > 1
			c.size, c.class = firstNonEmpty(c.size, si.s.Ext.VolumeSize), firstNonEmpty(c.class, si.s.Ext.VolumeClass)
		}
	}
	shared = shared || len(pods) > 1
	c.size = firstNonEmpty(c.size, p.o.Site.VolumeSize, "1Gi")
	switch {
	case c.external:
	case len(pods) == 1 && owner != nil && owner.kind == kindStatefulSet && !strings.HasPrefix(c.what, "bind"):
		c.template, c.access = true, corev1.ReadWriteOnce
		c.class = firstNonEmpty(c.class, p.o.Site.StorageClass)
		if replicas(owner.s) > 1 && owner.s.Ext.Workload == "" {
			p.warn(CodeReplicaData, c.src, "%s: each of the %d replicas of %s gets its own copy, where compose shares one volume; use a site with shared storage (--site egi-im) to share it", c.what, replicas(owner.s), owner.s.Name)
		}
	case shared && p.o.Site.NFS != nil && c.class == "":
		c.nfs, c.access = true, corev1.ReadWriteMany
	case shared:
		c.access = corev1.ReadWriteMany
		c.class = firstNonEmpty(c.class, p.o.Site.SharedStorageClass)
		if c.class == "" {
			p.warn(CodeSharedStorage, c.src, "%s is shared by %s: it needs ReadWriteMany storage, which the cluster's default storage class may not offer; name one with x-transship storage_class or a site (--site egi-im)", c.what, sharers(c.users))
		}
	default:
		c.access = corev1.ReadWriteOnce
		c.class = firstNonEmpty(c.class, p.o.Site.StorageClass)
	}
	if access != "" {
		c.access = corev1.PersistentVolumeAccessMode(access)
	}
	if c.external {
		return // an existing claim: its size is not ours to set
	}
	if q, err := resource.ParseQuantity(c.size); err != nil {
		p.warn(CodeUnsupported, c.src, "%s: size %q is not a Kubernetes quantity; 1Gi is used", c.what, c.size)
		c.size = "1Gi"
	} else {
		c.size = q.String()
	}
}

// sharers names who shares a volume: its services, or the pods of its
// one (replicated, global or autoscaled) service.
func sharers(users []string) string {
	if len(users) == 1 {
		return "the pods of " + users[0]
	}
	return strings.Join(users, ", ")
}

// holdsRWO: the service mounts a single-node claim, so two of its pods
// must never run at once (Deployment strategy Recreate).
func (p *plan) holdsRWO(s *translate.Service) bool {
	for _, m := range s.Mounts {
		if c := p.claimFor(s, m); c != nil && !c.external && (c.access == corev1.ReadWriteOnce || c.access == corev1.ReadWriteOncePod) {
			return true
		}
	}
	return false
}

func (p *plan) claimFor(s *translate.Service, m translate.Mount) *claim {
	switch {
	case m.Kind == translate.MountVolume && m.Source != "" && s.Ext.VolumeType != "emptyDir":
		return p.claims[volumeKey(m.Source)]
	case m.Kind == translate.MountBind:
		return p.claims[bindKey(m.Source)]
	}
	return nil
}

// bindClaimed: the bind mount becomes a claim (not a ConfigMap, not a
// hostPath).
func (p *plan) bindClaimed(m translate.Mount) bool {
	if hostPath(m.Source) {
		return false
	}
	if m.SourceKind == "file" {
		_, ok := p.fileData(m.Source)
		return !ok
	}
	if m.SourceKind == "dir" && m.ReadOnly {
		_, ok := p.dirData(m.Source)
		return !ok || p.g.DirWriter(m.Source) != ""
	}
	return true
}

// bindName names a bind mount's claim or ConfigMap after its project path.
// The project itself (".") is "project" and a parent ("..") "parent":
// dnsName leaves nothing of them but its placeholder "x".
func bindName(source string) string {
	switch p := strings.TrimPrefix(path.Clean(source), "../"); {
	case p == ".":
		return "project"
	case p == ".." || strings.HasSuffix(p, "/.."):
		return "parent"
	default:
		return dnsName(p, 63)
	}
}

func hostPath(src string) bool { return strings.HasPrefix(src, "/") || strings.HasPrefix(src, "~") }

// fileData is a project file that can be embedded.
func (p *plan) fileData(name string) (translate.FileData, bool) {
	fd, ok := p.o.Files[name]
	return fd, ok && fd.Problem == ""
}

// bindClaim adds s to the users of a bind mount's claim; it returns the
// claim when it is new.
func (p *planner) bindClaim(s *translate.Service, m translate.Mount) (added *claim) {
	key := bindKey(m.Source)
	c := p.claims[key]
	if c == nil {
		what := "bind mount " + m.Source
		c = &claim{what: what, src: m.Src, name: p.unique("PersistentVolumeClaim", bindName(m.Source), what)}
		p.claims[key] = c
		p.bindWarning(m, c)
		added = c
	}
	if !slices.Contains(c.users, s.Name) {
		c.users = append(c.users, s.Name)
	}
	return added
}

func (p *planner) bindWarning(m translate.Mount, c *claim) {
	switch {
	case m.SourceKind == "file":
		fd := p.o.Files[m.Source]
		why := fd.Problem
		if why == "" {
			why = "it was not read"
		}
		p.warn(CodeBindDir, m.Src, "bind mount %s cannot become a ConfigMap (%s); it is mounted from claim %s, into which the file must be copied as %s", m.Source, why, c.name, path.Base(m.Target))
	case m.SourceKind == "dir" && p.g.DirWriter(m.Source) != "":
		p.warn(CodeBindDir, m.Src, "bind mount %s is a directory service %s writes to, which a ConfigMap cannot be: its content is not carried; it becomes claim %s, into which the files must be copied (mount it :ro everywhere to carry it in a ConfigMap)", m.Source, p.g.DirWriter(m.Source), c.name)
	case m.SourceKind == "dir":
		why := p.o.Dirs[m.Source].Problem
		if why == "" {
			why = "it was not read"
		}
		p.warn(CodeBindDir, m.Src, "bind mount %s cannot become a ConfigMap (%s); it becomes claim %s, into which the files must be copied", m.Source, why, c.name)
	case strings.HasPrefix(m.Source, "../"):
		p.warn(CodeBindDir, m.Src, "bind mount %s is outside the project directory; it becomes claim %s", m.Source, c.name)
	}
}

// claimObjects writes every claim, by key.
func (e *emitter) claimObjects() {
	for _, k := range sortedKeys(e.claims) {
		e.claimObject(e.claims[k])
	}
}

// claimObject writes a claim (and its NFS PersistentVolume).
func (e *emitter) claimObject(c *claim) {
	if c.external || c.template {
		return
	}
	pvc := e.pvc(c)
	if c.nfs {
		nfs := e.o.Site.NFS
		empty := ""
		pvc.Spec.StorageClassName = &empty
		pvc.Spec.VolumeName = c.name
		pv := &corev1.PersistentVolume{TypeMeta: typeMeta("v1", "PersistentVolume"), ObjectMeta: e.meta(c.name, c.name),
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(c.size)},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
				StorageClassName:              "",
				PersistentVolumeSource:        corev1.PersistentVolumeSource{NFS: &corev1.NFSVolumeSource{Server: nfs.Server, Path: path.Join(nfs.Path, e.g.Name, c.name)}},
			}}
		pv.Namespace = "" // PersistentVolumes are cluster-wide
		e.add("PersistentVolume", c.name, pv)
	}
	e.add("PersistentVolumeClaim", c.name, pvc)
}

func (e *emitter) pvc(c *claim) *corev1.PersistentVolumeClaim {
	q := resource.MustParse(c.size) // decide checked it
	spec := corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{c.access},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q}},
		Selector:    claimSelector(c.selector),
	}
	if c.class != "" {
		spec.StorageClassName = &c.class
	}
	return &corev1.PersistentVolumeClaim{TypeMeta: typeMeta("v1", "PersistentVolumeClaim"), ObjectMeta: e.meta(c.name, c.name), Spec: spec}
}

// unique gives an object of a kind a name no other owner has: a derived
// name that collides gets a hash suffix of its owner.
func (p *planner) unique(kind, want, owner string) string {
	name := want
	if prev, ok := p.names[kind+"/"+name]; ok && prev != owner {
		name = joinName(want, hashOf(owner), 63)
	}
	p.names[kind+"/"+name] = owner
	return name
}

// configMapData puts text in data and anything else in binaryData.
func configMapData(key string, data []byte) (map[string]string, map[string][]byte) {
	if utf8.Valid(data) {
		return map[string]string{key: string(data)}, nil
	}
	return nil, map[string][]byte{key: data}
}

func (e *emitter) configMap(name, app, key string, data []byte) {
	cm := &corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: e.meta(name, app)}
	cm.Data, cm.BinaryData = configMapData(key, data)
	e.add("ConfigMap", name, cm)
}
