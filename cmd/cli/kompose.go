package cli

import (
	"strings"

	"github.com/transship/transship/diag"
	"github.com/transship/transship/translate"
)

// refuseKomposeValues makes each TR106 (a kompose.* label with a value
// transship cannot use) an error for the targets that read kompose labels,
// Kubernetes and Helm: issue 16 asks that every label be honoured or refused
// with a positioned error, and a chart or manifests that silently lack the
// asked CronJob, probe or Service type would not be what the file says.
// Batch and cloud-init read no kompose label, and docker compose runs the
// file as it is, so for them it stays the warning translate gives.
func refuseKomposeValues(target string, ds diag.Diagnostics) {
	if target != "kubernetes" && target != "helm" {
		return
	}
	for i := range ds {
		d := &ds[i]
		if d.Code != translate.CodeKomposeValue || d.Severity != diag.Warning {
			continue
		}
		d.Severity = diag.Error
		// translate's message is "<problem>; <what is done instead>": the
		// second half is not done here.
		if j := strings.LastIndex(d.Message, "; "); j >= 0 {
			d.Message = d.Message[:j]
		}
		d.Message += "; --to " + target + " cannot honour it: fix the value or remove the label"
	}
}
