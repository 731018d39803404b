package helm

import (
	"fmt"
	"strings"

	"github.com/transship/transship/targets"
	"github.com/transship/transship/targets/kubernetes"
)

// chartFiles are the chart's files besides the objects' templates.
func (c *chart) chartFiles(objs []kubernetes.Object, app string) []targets.File {
	meta := fmt.Sprintf("apiVersion: v2\nname: %s\ndescription: %s\ntype: application\nversion: %s\n",
		c.name, quote("The compose project "+c.g.Name+", converted by transship"), c.o.ChartVersion)
	if app != "" {
		meta += "appVersion: " + quote(app) + "\n"
	}
	c.vals.set([]string{"nameOverride"}, "string", "", "Replaces the chart's name in the objects' names.")
	c.vals.set([]string{"fullnameOverride"}, "string", "", "Replaces <release>-<chart> in the objects' names.")
	return []targets.File{
		{Path: "Chart.yaml", Data: []byte(meta)},
		{Path: ".helmignore", Data: []byte(helmignore)},
		{Path: "values.yaml", Data: c.vals.yaml()},
		{Path: "values.schema.json", Data: c.vals.schema()},
		{Path: "templates/_helpers.tpl", Data: []byte(strings.ReplaceAll(helpers, "CHART", c.name))},
		{Path: "templates/NOTES.txt", Data: []byte(c.notes(objs))},
		{Path: "README.md", Data: []byte(c.readme())},
	}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

const helmignore = `# Patterns to ignore when packaging the chart (helm package).
.DS_Store
.git/
.gitignore
*.swp
*.bak
*.tmp
*.orig
*~
.transship-manifest
`

// helpers are the names of the chart's objects: <release>-<chart>, as
// Helm's own starter chart makes it, then "-<object>", cut to the
// object's limit (52 for workloads, whose pods' names and labels add to
// it, else 63) by shortening the release part; an object whose own name
// leaves less than 8 characters keeps its own name alone.
const helpers = `{{- define "CHART.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "CHART.name" -}}
{{- $full := include "CHART.fullname" (index . 0) -}}
{{- $object := index . 1 -}}
{{- $room := sub (index . 2) (add1 (len $object)) | int -}}
{{- if lt $room 8 -}}
{{- $object -}}
{{- else -}}
{{- printf "%s-%s" ($full | trunc $room | trimSuffix "-") $object -}}
{{- end -}}
{{- end -}}

{{- define "CHART.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "CHART.image" -}}
{{- .repository -}}
{{- with .tag }}:{{ . }}{{ end -}}
{{- with .digest }}@{{ . }}{{ end -}}
{{- end -}}
`

// notes tell how to reach what the chart exposes: Ingress hosts, node
// ports, and port-forward for the rest of the published ports.
func (c *chart) notes(objs []kubernetes.Object) string {
	var b strings.Builder
	b.WriteString("{{ .Chart.Name }} is installed as release {{ .Release.Name }} in namespace {{ .Release.Namespace }}.\n")
	b.WriteString("Watch the pods start: kubectl get pods -n {{ .Release.Namespace }} -l app.kubernetes.io/instance={{ .Release.Name }}\n")
	c.jobNotes(&b, objs)
	for _, o := range objs {
		svc := c.owner(o)
		switch {
		case o.Kind == "Ingress" && svc != "":
			fmt.Fprintf(&b, `{{- $v := index .Values.services %q }}
{{- if and $v.enabled $v.ingress.enabled }}
{{- $hosts := $v.ingress.hosts }}{{ if and (not $hosts) .Values.site.domain }}{{ $hosts = list (printf "%%s.%%s" %q .Values.site.domain) }}{{ end }}
%s: {{ if $v.ingress.tls.enabled }}https{{ else }}http{{ end }} on {{ if $hosts }}{{ join ", " $hosts }}{{ else }}any host{{ end }}, paths {{ join ", " $v.ingress.paths }}, through the cluster's ingress controller
{{- end }}
`, svc, svc, svc)
		case o.Kind == "Service" && svc == o.Name && c.hasValue("services", svc, "service"):
			fmt.Fprintf(&b, `{{- $v := index .Values.services %q }}
{{- if and $v.enabled (ne $v.service.type "ClusterIP") }}
%s: a {{ $v.service.type }} Service; its ports: kubectl get service -n {{ .Release.Namespace }} %s
{{- end }}
`, svc, o.Name, o.Name)
		}
	}
	return b.String()
}

// jobNotes name the Jobs as this revision does, and say why.
func (c *chart) jobNotes(b *strings.Builder, objs []kubernetes.Object) {
	var jobs []kubernetes.Object
	for _, o := range objs {
		if o.Kind == "Job" {
			jobs = append(jobs, o)
		}
	}
	if len(jobs) == 0 {
		return
	}
	b.WriteString("Its Jobs, as revision {{ .Release.Revision }} names them:\n")
	for _, o := range jobs {
		line := "  job/" + c.nameExpr("Job", o.Name) + "\n"
		if svc := c.owner(o); svc != "" {
			line = fmt.Sprintf("{{- if (index .Values.services %q).enabled }}\n%s{{- end }}\n", svc, line)
		}
		b.WriteString(line)
	}
	b.WriteString(strings.ReplaceAll(jobRevisions, "`", "") + "\n")
}

// hasValue: the values have a node at path.
func (c *chart) hasValue(path ...string) bool {
	n := c.vals
	for _, k := range path {
		found := false
		for _, kid := range n.kids {
			if kid.key == k {
				n, found = kid, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
