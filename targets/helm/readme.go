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
	b.WriteString("Claims are kept when the release is uninstalled (`persistence.<claim>.keep`); delete them by hand to drop the data.\n\n")
	b.WriteString("`services.<service>.enabled: false` leaves a service's objects out; the services that depend on it then start without waiting for it (provide it yourself, e.g. an external database under the same Service name, or go without it); a service sharing another's pod loses its container, and its Service goes with the pod's owner.\n\n")
	b.WriteString("What the site decided at conversion stays in the templates: which non-HTTP ports are node ports by default, NFS volumes, restricted pod security, which volumes are shared. ")
	b.WriteString("The `site` values carry the rest (classes, domain, issuer), so the chart installs on another cluster of the same kind; convert again with `--site` for one that differs in those.\n\n")
	b.WriteString("`transship convert --to helm -o -` refuses: a chart is a directory. Render it with `helm template NAME DIR`.\n\n")
	b.WriteString("## Values\n\n")
	b.WriteString(c.vals.table())
	return b.String()
}
