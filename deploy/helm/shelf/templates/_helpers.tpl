{{/* Names and labels. */}}
{{- define "shelf.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "shelf.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* selector labels of one component: include "shelf.selector" (list $ "api") */}}
{{- define "shelf.selector" -}}
app.kubernetes.io/name: {{ (index . 0).Chart.Name }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/*
The database: an external URL, an existing Secret, the bundled PostgreSQL, or SQLite pinned to
one node. Anything else fails the install, because SQLite on a volume shared between nodes
gets corrupted.
*/}}
{{- define "shelf.checkDatabase" -}}
{{- $external := or .Values.database.url .Values.database.existingSecret -}}
{{- if and $external .Values.postgresql.enabled -}}
{{- fail "set either database.url/database.existingSecret or postgresql.enabled, not both" -}}
{{- end -}}
{{- if and .Values.postgresql.enabled (not .Values.postgresql.password) -}}
{{- fail "postgresql.enabled needs postgresql.password (letters and digits)" -}}
{{- end -}}
{{- if and (not $external) (not .Values.postgresql.enabled) (not .Values.sqlite.nodeName) -}}
{{- fail "shelf needs PostgreSQL when its pods may run on more than one node: set database.url (or database.existingSecret), or postgresql.enabled=true; for SQLite on one node set sqlite.nodeName" -}}
{{- end -}}
{{- if and .Values.sqlite.nodeName (or $external .Values.postgresql.enabled) -}}
{{- fail "sqlite.nodeName is for SQLite only; leave it empty with PostgreSQL" -}}
{{- end -}}
{{- end -}}

{{/* Whether the chart mounts a database URL secret. */}}
{{- define "shelf.usesDatabaseSecret" -}}
{{- if or .Values.database.url .Values.database.existingSecret .Values.postgresql.enabled -}}true{{- end -}}
{{- end -}}

{{- define "shelf.databaseSecretName" -}}
{{- if .Values.database.existingSecret -}}{{ .Values.database.existingSecret }}{{- else -}}{{ include "shelf.fullname" . }}-database{{- end -}}
{{- end -}}

{{- define "shelf.databaseSecretKey" -}}
{{- if .Values.database.existingSecret -}}{{ .Values.database.existingSecretKey }}{{- else -}}database-url{{- end -}}
{{- end -}}

{{- define "shelf.usesTokenSecret" -}}
{{- if or .Values.apiToken.value .Values.apiToken.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "shelf.tokenSecretName" -}}
{{- if .Values.apiToken.existingSecret -}}{{ .Values.apiToken.existingSecret }}{{- else -}}{{ include "shelf.fullname" . }}-api-token{{- end -}}
{{- end -}}

{{- define "shelf.tokenSecretKey" -}}
{{- if .Values.apiToken.existingSecret -}}{{ .Values.apiToken.existingSecretKey }}{{- else -}}api-token{{- end -}}
{{- end -}}

{{/* Environment every shelf container shares. */}}
{{- define "shelf.env" -}}
- name: SHELF_DATA_DIR
  value: /data
- name: SHELF_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: SHELF_LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
{{- if include "shelf.usesDatabaseSecret" . }}
- name: SHELF_DATABASE_URL_FILE
  value: /run/secrets/shelf/database-url
{{- end }}
{{- end -}}

{{/* Whether the database is PostgreSQL, so that hosts share settings, the title database and the library index through it. */}}
{{- define "shelf.usesPostgres" -}}
{{- if or .Values.database.url .Values.database.existingSecret .Values.postgresql.enabled -}}true{{- end -}}
{{- end -}}

{{/*
Volumes of a shelf pod: (dict "root" . "sharedData" bool). On PostgreSQL only the api mounts the
data PVC (settings.yaml, backups, the session key); workers and the watcher get everything else
of the data folder through the database and keep copies in an emptyDir of their own. With SQLite
every pod mounts the PVC, which holds the database.
*/}}
{{- define "shelf.volumes" -}}
{{- $ := .root -}}
- name: data
  {{- if or .sharedData (not (include "shelf.usesPostgres" $)) }}
  persistentVolumeClaim:
    claimName: {{ $.Values.persistence.data.existingClaim | default (printf "%s-data" (include "shelf.fullname" $)) }}
  {{- else }}
  emptyDir: {}
  {{- end }}
- name: library
  persistentVolumeClaim:
    claimName: {{ $.Values.persistence.library.existingClaim | default (printf "%s-library" (include "shelf.fullname" $)) }}
- name: tmp
  emptyDir: {}
{{- if include "shelf.usesDatabaseSecret" $ }}
- name: database-url
  secret:
    secretName: {{ include "shelf.databaseSecretName" $ }}
    defaultMode: 0400
    items:
      - key: {{ include "shelf.databaseSecretKey" $ }}
        path: database-url
{{- end }}
{{- if and .keys $.Values.keys.existingSecret }}
- name: keys
  secret:
    secretName: {{ $.Values.keys.existingSecret }}
    defaultMode: 0400
    items:
      - key: {{ $.Values.keys.existingSecretKey }}
        path: prod.keys
{{- end }}
{{- end -}}

{{- define "shelf.volumeMounts" -}}
- name: data
  mountPath: /data
- name: library
  mountPath: /library
  {{- if .readOnlyLibrary }}
  readOnly: true
  {{- end }}
- name: tmp
  mountPath: /tmp
{{- if include "shelf.usesDatabaseSecret" .root }}
- name: database-url
  mountPath: /run/secrets/shelf/database-url
  subPath: database-url
  readOnly: true
{{- end }}
{{- if and .keys .root.Values.keys.existingSecret }}
# A folder mount, not a subPath: a rotated Secret reaches the running worker.
- name: keys
  mountPath: /run/secrets/shelf/keys
  readOnly: true
{{- end }}
{{- end -}}

{{/* The pod-level settings of every shelf pod: security, scheduling, SQLite's single node. */}}
{{- define "shelf.podSpec" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if or .Values.nodeSelector .Values.sqlite.nodeName }}
nodeSelector:
  {{- with .Values.nodeSelector }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- if .Values.sqlite.nodeName }}
  kubernetes.io/hostname: {{ .Values.sqlite.nodeName | quote }}
  {{- end }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "shelf.image" -}}
{{- printf "%s-%s:%s" (index . 0).Values.image.repository (index . 1) (index . 0).Values.image.tag -}}
{{- end -}}

{{/* Liveness and readiness on the service's own port. */}}
{{- define "shelf.probes" -}}
livenessProbe:
  httpGet:
    path: /livez
    port: http
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 3
startupProbe:
  httpGet:
    path: /livez
    port: http
  periodSeconds: 2
  failureThreshold: 30
{{- end -}}
