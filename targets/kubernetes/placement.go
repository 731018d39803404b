package kubernetes

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/transship/transship/internal/lazy"
	"github.com/transship/transship/translate"
)

// affinity maps swarm placement constraints to required node affinity:
// node.hostname → kubernetes.io/hostname, node.labels.X → label X,
// node.platform.os/arch → kubernetes.io/os/arch; "==" is In, "!=" is
// NotIn. Constraints on swarm roles or node ids have no node label and
// are reported.
func (e *emitter) affinity(s *translate.Service) *corev1.Affinity {
	var reqs []corev1.NodeSelectorRequirement
	for _, c := range s.Placement {
		op, sep := corev1.NodeSelectorOpIn, "=="
		if strings.Contains(c, "!=") {
			op, sep = corev1.NodeSelectorOpNotIn, "!="
		}
		k, v, ok := strings.Cut(c, sep)
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		label := nodeLabel(k)
		if !ok || label == "" || !qualifiedName(label) || !labelValue().MatchString(v) {
			e.warn(CodePlacement, sub(s.Src, "deploy.placement.constraints"), "placement constraint %q has no Kubernetes node label; it is left out", c)
			continue
		}
		reqs = append(reqs, corev1.NodeSelectorRequirement{Key: label, Operator: op, Values: []string{v}})
	}
	if len(reqs) == 0 {
		return nil
	}
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: reqs}}}}}
}

var labelValue = lazy.Regexp(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)

func nodeLabel(k string) string {
	switch {
	case k == "node.hostname":
		return "kubernetes.io/hostname"
	case k == "node.platform.os":
		return "kubernetes.io/os"
	case k == "node.platform.arch":
		return "kubernetes.io/arch"
	case strings.HasPrefix(k, "node.labels."):
		return strings.TrimPrefix(k, "node.labels.")
	case strings.HasPrefix(k, "engine.labels."):
		return strings.TrimPrefix(k, "engine.labels.")
	}
	return ""
}
