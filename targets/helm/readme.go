package helm

import (
	"fmt"
	"strings"
)

// readme explains the chart and lists its values.
func (c *chart) readme() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", c.name)
	fmt.Fprintf(&b, "A Helm chart of the compose project %s, made by `transship convert --to helm`. ", c.g.Name)
	b.WriteString("Its templates are the objects `--to kubernetes` writes for the same site, so rendered with the default values it gives those manifests, ")
	b.WriteString("except that object names carry the release (`<release>-" + c.name + "-<object>`, at most 63 characters), objects live in the release's namespace, and they carry Helm's labels ")
	b.WriteString("(`app.kubernetes.io/instance`, `helm.sh/chart`, `app.kubernetes.io/managed-by: Helm`).\n\n")
	b.WriteString("```sh\nhelm lint --strict .\nhelm install NAME . -n NAMESPACE --create-namespace\nhelm upgrade NAME . -n NAMESPACE --set services.SERVICE.image.tag=TAG\n```\n\n")
	b.WriteString("Services keep their compose names, which the application's settings refer to (`db:5432`), so one namespace holds one release of the chart. ")
	b.WriteString("Claims are kept when the release is uninstalled (`persistence.<claim>.keep`), a StatefulSet's too (its `persistentVolumeClaimRetentionPolicy` follows the value of its claim template); delete them by hand to drop the data, or set `keep: false` to let them go with the release.\n\n")
	b.WriteString("`services.<service>.enabled: false` leaves a service's objects out; the services that depend on it then start without waiting for it (provide it yourself, e.g. an external database under the same Service name, or go without it); a service sharing another's pod loses its container, and its Service goes with the pod's owner.\n\n")
	b.WriteString("One chart serves the generic and the EGI sites: `values.yaml` holds the settings of the site it was converted for, and `values-<site>.yaml` (generic, egi-im, egi-rancher) the values that differ when converted for another, so `helm install NAME . -f values-egi-im.yaml` renders what `transship convert --to kubernetes --site egi-im` writes. ")
	b.WriteString("The site's settings are values: classes, domain, issuer, NetworkPolicies, restricted pod security (`site.runAsNonRoot`), an NFS export for the shared claims (`site.nfs.server`, `site.nfs.path`: each shared claim then binds a static PersistentVolume under `<path>/<project>/<claim>`), and per service the type and node ports of the Service of its published ports (`services.<service>.published.type`, `services.<service>.published.nodePorts`). ")
	b.WriteString("What a site changes in the structure stays as converted, since no value can change it without another plan: which volumes are shared (a replicated service owning a volume is a StatefulSet where the site has no shared storage, a Deployment on a shared claim where it has), and whether the chart has NetworkPolicies at all; a values file lists such differences in its header, and then the chart should be converted again with `--site`.\n\n")
	b.WriteString(jobRevisions + "\n\n")
	b.WriteString("`transship convert --to helm -o -` refuses: a chart is a directory. Render it with `helm template NAME DIR`.\n\n")
	b.WriteString("## Values\n\n")
	b.WriteString(c.vals.table())
	return b.String()
}

// jobRevisions says how Jobs are named, in the README and (without the
// Markdown) in NOTES.txt: the names surprise who looks for the compose
// name, and a tool that renders the chart as `helm template` does has no
// revisions.
const jobRevisions = "A Job's name ends in the release's revision (`-r<revision>`): its pod template cannot change, so each `helm upgrade` creates a Job of its own, which runs again, and Helm deletes the previous revision's; the services that wait for it restart to wait for the new one. " +
	"Argo CD and `helm template` render revision 1 every time, so there a Job keeps its name: delete a Job whose pod template changed before applying the new one."
