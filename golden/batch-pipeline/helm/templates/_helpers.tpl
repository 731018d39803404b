{{- define "batch-pipeline.fullname" -}}
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

{{- define "batch-pipeline.name" -}}
{{- $full := include "batch-pipeline.fullname" (index . 0) -}}
{{- $object := index . 1 -}}
{{- $room := sub (index . 2) (add1 (len $object)) | int -}}
{{- if lt $room 8 -}}
{{- $object -}}
{{- else -}}
{{- printf "%s-%s" ($full | trunc $room | trimSuffix "-") $object -}}
{{- end -}}
{{- end -}}

{{- define "batch-pipeline.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "batch-pipeline.image" -}}
{{- .repository -}}
{{- with .tag }}:{{ . }}{{ end -}}
{{- with .digest }}@{{ . }}{{ end -}}
{{- end -}}
