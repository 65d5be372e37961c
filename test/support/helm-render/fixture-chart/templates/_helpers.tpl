{{/* Partials are parsed, never printed. */}}
{{- define "fixture.labels" -}}
app: {{ .Chart.Name }}
release: {{ .Release.Name }}
{{- end }}
