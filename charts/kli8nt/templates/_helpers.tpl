{{- define "kli8nt.name" -}}kli8nt{{- end -}}

{{- define "kli8nt.labels" -}}
app.kubernetes.io/name: kli8nt
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kli8nt.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{- define "kli8nt.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-controllers" .Release.Name) -}}
{{- end -}}

{{/* Settings every role reads (controllers/src/config.ts). */}}
{{- define "kli8nt.sharedEnv" -}}
- name: KLI8NT_CLUSTER
  value: {{ .Values.cluster | quote }}
{{- end -}}

{{/* The work queues, for the roles that consume and publish them. */}}
{{- define "kli8nt.amqpEnv" -}}
- name: KLI8NT_AMQP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "kli8nt.secretName" . }}
      key: amqpUrl
{{- end -}}

{{/* Controllers run as an unprivileged, read-only process. */}}
{{- define "kli8nt.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "kli8nt.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end -}}

{{/* A map as `key=value,key2=value2` (sorted), the controllers' key-value syntax. */}}
{{- define "kli8nt.keyValues" -}}
{{- $pairs := list -}}
{{- range $k, $v := . -}}
{{- $pairs = append $pairs (printf "%s=%s" $k $v) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}
