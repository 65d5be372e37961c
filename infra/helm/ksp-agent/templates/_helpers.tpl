{{/* Names and labels shared by every template. */}}

{{- define "ksp-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release name when it already says ksp-agent (`helm install ksp-agent`), so the defaults
keep the plain manifests' names: ksp-agent, ksp-agent-credential, the Service CA dials. */}}
{{- define "ksp-agent.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ksp-agent.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Only name and instance: a Deployment's selector cannot change after install. */}}
{{- define "ksp-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ksp-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ksp-agent.labels" -}}
{{ include "ksp-agent.selectorLabels" . }}
app.kubernetes.io/part-of: kube-static-pool
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "ksp-agent.chart" . }}
{{- end }}

{{- define "ksp-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ksp-agent.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ksp-agent.credentialSecretName" -}}
{{- default (printf "%s-credential" (include "ksp-agent.fullname" .)) .Values.credentialSecret.name }}
{{- end }}

{{- define "ksp-agent.registrationSecretName" -}}
{{- if .Values.registration.token }}
{{- printf "%s-registration" (include "ksp-agent.fullname" .) }}
{{- else }}
{{- required "registration.existingSecret or registration.token is required" .Values.registration.existingSecret }}
{{- end }}
{{- end }}

{{- define "ksp-agent.sshSecretName" -}}
{{- default (printf "%s-ssh" (include "ksp-agent.fullname" .)) .Values.ssh.existingSecret }}
{{- end }}

{{- define "ksp-agent.tlsSecretName" -}}
{{- if .Values.tls.secretName }}
{{- .Values.tls.secretName }}
{{- else if .Values.tls.certManager.enabled }}
{{- printf "%s-grpc-tls" (include "ksp-agent.fullname" .) }}
{{- else }}
{{- fail "tls.secretName is required when tls.enabled is true and tls.certManager.enabled is false" }}
{{- end }}
{{- end }}

{{- define "ksp-agent.caNamespace" -}}
{{- default .Release.Namespace .Values.clusterAutoscaler.namespace }}
{{- end }}

{{/* The address CA dials; its host must be one of the server certificate's dnsNames. */}}
{{- define "ksp-agent.serviceHost" -}}
{{- printf "%s.%s.svc" (include "ksp-agent.fullname" .) .Release.Namespace }}
{{- end }}

{{/* Who signs the leaf certificates: the chart's CA Issuer, or the one named in values. */}}
{{- define "ksp-agent.issuerRef" -}}
{{- if .Values.tls.certManager.createIssuer -}}
kind: Issuer
name: {{ .Values.tls.certManager.caName }}
group: cert-manager.io
{{- else -}}
kind: {{ .Values.tls.certManager.issuerRef.kind }}
name: {{ required "tls.certManager.issuerRef.name is required when tls.certManager.createIssuer is false" .Values.tls.certManager.issuerRef.name }}
group: {{ .Values.tls.certManager.issuerRef.group }}
{{- end }}
{{- end }}

{{/* Every binding grants to the agent's ServiceAccount, in the release namespace. */}}
{{- define "ksp-agent.rbacSubjects" -}}
- kind: ServiceAccount
  name: {{ include "ksp-agent.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}
