{{/* The chart's name. */}}
{{- define "flinkslo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the prefix of every object's name. */}}
{{- define "flinkslo.fullname" -}}
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

{{/* Labels that select the release's pods; never change them on upgrade. */}}
{{- define "flinkslo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flinkslo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "flinkslo.labels" -}}
{{ include "flinkslo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flinkslo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flinkslo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "flinkslo.secretName" -}}
{{- default (printf "%s-secrets" (include "flinkslo.fullname" .)) .Values.credentials.existingSecret }}
{{- end }}

{{- define "flinkslo.leaseName" -}}
{{- default (include "flinkslo.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{/* The Leases, one per shard, named as flinkslo names them (kube.LeaseName). */}}
{{- define "flinkslo.leases" -}}
{{- $base := include "flinkslo.leaseName" . }}
{{- if eq (int .Values.shards) 1 }}
{{- list $base | toJson }}
{{- else }}
{{- $leases := list }}
{{- range $i := until (int .Values.shards) }}
{{- $leases = append $leases (printf "%s-%d" $base $i) }}
{{- end }}
{{- $leases | toJson }}
{{- end }}
{{- end }}

{{/* The image, pinned to the chart's appVersion unless told otherwise. */}}
{{- define "flinkslo.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
The configuration file: values.config with kubernetes.leaderElection set
from values.leaderElection (so the Leases, the Role and the config agree).
*/}}
{{- define "flinkslo.config" -}}
{{- $cfg := deepCopy .Values.config }}
{{- if hasKey $cfg "kubernetes" }}
{{- $k := default dict $cfg.kubernetes }}
{{- $le := dict "enabled" .Values.leaderElection.enabled "leaseName" (include "flinkslo.leaseName" .) }}
{{- $_ := set $k "leaderElection" (merge $le (default dict $k.leaderElection)) }}
{{- $_ := set $cfg "kubernetes" $k }}
{{- end }}
{{- toYaml $cfg }}
{{- end }}

{{/*
Fails the render on values that cannot work, saying why; values.schema.json
already refuses unknown values, wrong types and out-of-range numbers.
*/}}
{{- define "flinkslo.validate" -}}
{{- if and (gt (int .Values.replicas) 1) (not (and .Values.leaderElection.enabled (hasKey .Values.config "kubernetes"))) }}
{{- fail "replicas above 1 need leaderElection.enabled and a config.kubernetes section: without a leader every replica sends every notification" }}
{{- end }}
{{- if and (gt (int .Values.shards) 1) (not (semverCompare ">=1.28.0-0" .Capabilities.KubeVersion.Version)) }}
{{- fail "shards above 1 need Kubernetes 1.28+ (the StatefulSet pod-index label gives each pod its shard)" }}
{{- end }}
{{- if and .Values.credentials.existingSecret .Values.credentials.values }}
{{- fail "set credentials.existingSecret or credentials.values, not both" }}
{{- end }}
{{- if .Values.credentials.values }}
{{- range $env, $key := .Values.credentials.env }}
{{- if not (hasKey $.Values.credentials.values $key) }}
{{- fail (printf "credentials.values has no %s, which credentials.env reads into %s" $key $env) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
