{{/* Names, labels and the settings several templates share. */}}

{{/* The name of every object of the release: the release name when it holds the chart's name, else <release>-dbmigrate. */}}
{{- define "dbmigrate.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The labels that select the operator pods (never change them on upgrade). */}}
{{- define "dbmigrate.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The labels of every object. */}}
{{- define "dbmigrate.labels" -}}
{{ include "dbmigrate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The operator's image, repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "dbmigrate.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
The Secret access in effect: auto is namespaced when watchNamespaces lists namespaces and none
when the operator watches all. namespaced with all namespaces fails the render: it would need a
cluster-wide read of every Secret, which this chart never grants.
*/}}
{{- define "dbmigrate.secretAccess" -}}
{{- $mode := .Values.secretAccess | default "auto" -}}
{{- if eq $mode "auto" -}}
{{- if .Values.watchNamespaces -}}namespaced{{- else -}}none{{- end -}}
{{- else if and (eq $mode "namespaced") (not .Values.watchNamespaces) -}}
{{- fail "secretAccess: namespaced needs watchNamespaces: with watchNamespaces: [] the operator watches every namespace, and reading Secrets there would take a ClusterRole that reads every Secret of the cluster, which this chart never grants. List the namespaces to watch in watchNamespaces, or set secretAccess: none (or auto, which is none when all namespaces are watched): the operator then learns about a missing Secret from its step pod." -}}
{{- else -}}
{{- $mode -}}
{{- end -}}
{{- end -}}

{{/* Fails the render when several replicas would run without leader election. */}}
{{- define "dbmigrate.checkReplicas" -}}
{{- if and (not .Values.leaderElection.enabled) (gt (int .Values.replicas) 1) -}}
{{- fail (printf "replicas: %d with leaderElection.enabled: false would run %d operators acting on the same resources at once. Set replicas: 1, or leaderElection.enabled: true." (int .Values.replicas) (int .Values.replicas)) -}}
{{- end -}}
{{- end -}}

{{/* The rules of the "watched" scope of docs/rbac.md (the operator table). */}}
{{- define "dbmigrate.watchedRules" -}}
- apiGroups: ["dbmigrate.dev"]
  resources: ["databasemigrations", "configsyncs"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["dbmigrate.dev"]
  resources: ["databasemigrations/status", "configsyncs/status"]
  verbs: ["patch"]
- apiGroups: ["dbmigrate.dev"]
  resources: ["databasemigrations/finalizers", "configsyncs/finalizers"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch"]
{{- if eq (include "dbmigrate.secretAccess" .) "namespaced" }}
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch"]
{{- end }}
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
