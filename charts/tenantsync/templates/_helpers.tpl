{{/*
Names and labels shared by every template.
*/}}

{{- define "tenantsync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-<chart>, or the release name alone when it already contains the chart name.
Truncated to 63 characters (the DNS label limit of Kubernetes names).
*/}}
{{- define "tenantsync.fullname" -}}
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

{{- define "tenantsync.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tenantsync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tenantsync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tenantsync.labels" -}}
helm.sh/chart: {{ include "tenantsync.chart" . }}
{{ include "tenantsync.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: tenantsync
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "tenantsync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tenantsync.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tenantsync.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
RBAC rules for Tenants, SyncRuns, Secrets and Events: exactly what the operator does with them.
Used by the ClusterRole (cluster-wide) or by one Role per watched namespace.
*/}}
{{- define "tenantsync.namespacedRules" -}}
# Tenants: watch them, and patch metadata (kopf's tenantsync.io/ annotations and the finalizer).
- apiGroups: ["tenantsync.io"]
  resources: ["tenants"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["tenantsync.io"]
  resources: ["tenants/status"]
  verbs: ["get", "patch"]
# A SyncRun's ownerReference blocks its Tenant's foreground deletion until the run is gone
# (blockOwnerDeletion), which API servers enforcing owner permissions (OpenShift) allow only to subjects
# that may update the Tenant's finalizers.
- apiGroups: ["tenantsync.io"]
  resources: ["tenants/finalizers"]
  verbs: ["update"]
# SyncRuns: created by schedules and sync requests, pruned by history limits.
# `approve`: a Baseline's rollout approves the runs whose plans hold only the approved baseline change.
- apiGroups: ["tenantsync.io"]
  resources: ["syncruns"]
  verbs: ["get", "list", "watch", "create", "delete", "patch", "approve"]
- apiGroups: ["tenantsync.io"]
  resources: ["syncruns/status"]
  verbs: ["get", "patch"]
# Baselines: watch them, take off the decisions acted on (`approve` is needed for that), write status.
- apiGroups: ["tenantsync.io"]
  resources: ["baselines"]
  verbs: ["get", "list", "watch", "patch", "approve"]
- apiGroups: ["tenantsync.io"]
  resources: ["baselines/status"]
  verbs: ["get", "patch"]
# Secrets: read credentials and CA bundles; keep the delegated user's MSAL token cache. Secret names are
# chosen by Tenant authors, so they cannot be listed in resourceNames; there is no list or watch.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "update", "patch"]
# Events for `kubectl describe`: kopf and the operator post them.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{/*
Capabilities: optional resources are rendered only for APIs the cluster serves, so that a missing CRD or
a disabled API never aborts an install halfway (after the CRDs were created). NOTES.txt names each
feature that was asked for and left out. Each helper prints "true" or nothing.
*/}}
{{- define "tenantsync.serviceMonitorServed" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor" }}true{{ end }}
{{- end }}

{{- define "tenantsync.prometheusRuleServed" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/PrometheusRule" }}true{{ end }}
{{- end }}

{{/*
The MutatingAdmissionPolicy API version to use: v1 when served, else v1beta1, else nothing.
*/}}
{{- define "tenantsync.mutatingAdmissionPolicyApiVersion" -}}
{{- if .Capabilities.APIVersions.Has "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy" }}
{{- "admissionregistration.k8s.io/v1" }}
{{- else if .Capabilities.APIVersions.Has "admissionregistration.k8s.io/v1beta1/MutatingAdmissionPolicy" }}
{{- "admissionregistration.k8s.io/v1beta1" }}
{{- end }}
{{- end }}

{{- define "tenantsync.validatingAdmissionPolicyServed" -}}
{{- if .Capabilities.APIVersions.Has "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy" }}true{{ end }}
{{- end }}
