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

{{/* Settings every role reads (controllers/src/configShared.ts). */}}
{{- define "kli8nt.sharedEnv" -}}
- name: KLI8NT_CLUSTER
  value: {{ .Values.cluster | quote }}
{{- end -}}

{{/* The work queues' broker (amqpFields in controllers/src/configShared.ts). */}}
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

{{/*
Leader election and probes of the build and deploy roles
(controllers/src/runtime/electedRole.ts). A new pod of a rolling update
starts as a ready standby, the old one releases the Lease as it stops.
*/}}
{{- define "kli8nt.electedEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: KLI8NT_HEALTH_PORT
  value: {{ .Values.healthPort | quote }}
{{- end -}}

{{- define "kli8nt.electedProbes" -}}
ports:
  - name: health
    containerPort: {{ .Values.healthPort }}
readinessProbe:
  httpGet:
    path: /readyz
    port: health
  periodSeconds: 10
  failureThreshold: 3
livenessProbe:
  httpGet:
    path: /livez
    port: health
  initialDelaySeconds: 30
  periodSeconds: 20
  failureThreshold: 3
{{- end -}}

{{- define "kli8nt.electedStrategy" -}}
strategy:
  type: RollingUpdate
  rollingUpdate:
    maxSurge: 1
    maxUnavailable: 0
{{- end -}}

{{/* The Lease of a role, in the release namespace: (dict "root" . "role" "build"). */}}
{{- define "kli8nt.leaseRbac" -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ .root.Release.Name }}-{{ .role }}-leader
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "kli8nt.labels" .root | nindent 4 }}
rules:
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [get, create, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ .root.Release.Name }}-{{ .role }}-leader
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "kli8nt.labels" .root | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ .root.Release.Name }}-{{ .role }}-leader
subjects:
  - kind: ServiceAccount
    name: {{ .root.Release.Name }}-{{ .role }}
    namespace: {{ .root.Release.Namespace }}
{{- end -}}
