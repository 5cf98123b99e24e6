# The whole TokenMeter system in one project: what infra/envs/<env> deploys. Names of topics, functions,
# entry points and subscriptions follow shared/topology.py; tests/infra/test_consistency.py keeps them,
# the environment variables and the Firestore indexes in step with the code.

locals {
  labels = merge(var.labels, { app = "tokenmeter", env = var.env })

  topics = {
    scheduler_ticks  = "tm-scheduler-ticks"
    collect_requests = "tm-collect-requests"
    usage_collected  = "tm-usage-collected"
    account_events   = "tm-account-events"
    usage_priced     = "tm-usage-priced"
    alerts           = "tm-alerts"
  }

  secrets = {
    fingerprint_pepper = "tm-fingerprint-pepper"
    sealing_key        = "tm-sealing-key"
    smtp_password      = "tm-smtp-password"
  }

  # Outgoing mail for email alerts (TM_SMTP_*); an empty host means email channels cannot be created.
  smtp_environment = {
    TM_SMTP_HOST     = var.smtp.host
    TM_SMTP_PORT     = var.smtp.port
    TM_SMTP_USER     = var.smtp.user
    TM_SMTP_FROM     = var.smtp.from
    TM_SMTP_STARTTLS = var.smtp.starttls ? "true" : "false"
  }
}

module "project_services" {
  source = "../project_services"

  project_id = var.project_id
}

data "google_project" "this" {
  project_id = module.project_services.project_id
}

# ---------------------------------------------------------------------------------------------------
# Function sources and builds

resource "google_storage_bucket" "function_sources" {
  project                     = module.project_services.project_id
  name                        = "${var.project_id}-tm-function-sources"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = local.labels

  versioning {
    enabled = true
  }

  # Archives are named by content hash, so a replaced one becomes a noncurrent version: keep a few days
  # of them for a rollback, then let them go.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  # checkov:skip=CKV_GCP_62:Only Terraform writes here (deploy logs say who); Cloud Audit Logs cover access to this project's buckets without a second log bucket.
}

# Function images live in a repository of our own, so the build identity can be given write access to
# it alone, and old images are cleaned up.
resource "google_artifact_registry_repository" "functions" {
  project       = module.project_services.project_id
  location      = var.region
  repository_id = "tm-functions"
  description   = "Images of the TokenMeter functions, built by Cloud Functions from their sources."
  format        = "DOCKER"
  labels        = local.labels

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s" # 30 days, unless among the 10 most recent
    }
  }

  # checkov:skip=CKV_GCP_84:Images hold only our open source code and its public dependencies; Google-managed encryption is enough and a CMEK would add a KMS key ring to run.
}

# Builds run as their own identity instead of the default compute service account, with the minimum a
# functions build needs: write its logs, read the source archive, push the image.
resource "google_service_account" "build" {
  project      = module.project_services.project_id
  account_id   = "tm-function-build"
  display_name = "TokenMeter function builds"
  description  = "Cloud Build identity that turns the function sources into images."
}

resource "google_project_iam_member" "build_logs" {
  project = module.project_services.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.build.member
}

resource "google_artifact_registry_repository_iam_member" "build_push" {
  project    = module.project_services.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

# The source archive is read from our bucket, or from the copy Cloud Functions stages in its own
# gcf-v2-sources-<project number>-<region> bucket: object reads on those buckets only.
resource "google_project_iam_member" "build_sources" {
  project = module.project_services.project_id
  role    = "roles/storage.objectViewer"
  member  = google_service_account.build.member

  condition {
    title       = "function sources only"
    description = "The function source bucket and Cloud Functions' staging buckets."
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.function_sources.name}\") || resource.name.startsWith(\"projects/_/buckets/gcf-v2-sources-${data.google_project.this.number}-\")"
  }
}

# The build identity, handed to the functions only once it holds its roles (a build started before
# would fail).
resource "terraform_data" "build_identity" {
  input = google_service_account.build.id

  depends_on = [
    google_project_iam_member.build_logs,
    google_artifact_registry_repository_iam_member.build_push,
    google_project_iam_member.build_sources,
  ]
}

locals {
  build = {
    service_account_id = terraform_data.build_identity.output
    docker_repository  = google_artifact_registry_repository.functions.id
  }
}

# ---------------------------------------------------------------------------------------------------
# Functions (shared/topology.py FUNCTIONS)

module "dispatcher" {
  source = "../function"

  project_id               = module.project_services.project_id
  region                   = var.region
  name                     = "dispatcher"
  description              = "Hourly tick: publishes one collect request per account due for sync."
  entry_point              = "on_scheduler_tick"
  source_root              = var.source_root
  source_bucket            = google_storage_bucket.function_sources.name
  build_service_account_id = local.build.service_account_id
  docker_repository        = local.build.docker_repository
  memory                   = "256Mi"
  timeout_seconds          = 120
  max_instances            = var.scaling.dispatcher_max_instances
  ingress_settings         = "ALLOW_INTERNAL_ONLY"
  invoker_members          = ["serviceAccount:${module.pubsub.push_service_account_email}"]
  labels                   = local.labels

  environment = {
    GOOGLE_CLOUD_PROJECT      = var.project_id
    TM_MODE                   = "cloud"
    TM_TOPIC_COLLECT_REQUESTS = local.topics.collect_requests
  }
}

module "collector" {
  source = "../function"

  project_id               = module.project_services.project_id
  region                   = var.region
  name                     = "collector"
  description              = "Collects one account's usage from its provider into Firestore."
  entry_point              = "on_collect_request"
  source_root              = var.source_root
  source_bucket            = google_storage_bucket.function_sources.name
  build_service_account_id = local.build.service_account_id
  docker_repository        = local.build.docker_repository
  memory                   = "2Gi"
  # I/O-bound: an hourly sync spends most of its time waiting on the provider's usage and cost reports
  # (bench.cost_per_account assumes 400 ms a request) and Firestore; its own CPU is tens of ms. One
  # instance serving 32 syncs at once bills their waiting once (an import chunk's CPU is larger, and rare).
  # Memory for 32 imports at once: one 180-day import peaks about 50 MiB above the process's 80 MiB
  # (python -m bench.ingest, "collector mem").
  cpu              = "1"
  max_concurrency  = 32
  timeout_seconds  = var.collector_timeout_seconds
  max_instances    = var.scaling.collector_max_instances
  ingress_settings = "ALLOW_INTERNAL_ONLY"
  invoker_members  = ["serviceAccount:${module.pubsub.push_service_account_email}"]
  labels           = local.labels

  environment = {
    GOOGLE_CLOUD_PROJECT      = var.project_id
    TM_MODE                   = "cloud"
    ANTHROPIC_API_BASE_URL    = var.anthropic_api_base_url
    OPENAI_API_BASE_URL       = var.openai_api_base_url
    TM_TOPIC_COLLECT_REQUESTS = local.topics.collect_requests
    TM_TOPIC_USAGE_COLLECTED  = local.topics.usage_collected
    TM_TOPIC_ACCOUNT_EVENTS   = local.topics.account_events
    TM_SEALING_KEY_SECRET     = local.secrets.sealing_key
    TM_SYNC_INTERVAL_MINUTES  = var.settings.sync_interval_minutes
    TM_TRAILING_HOURS         = var.settings.trailing_hours
    TM_COLLECT_BUDGET_SECONDS = var.settings.collect_budget_seconds
    TM_LEASE_SECONDS          = var.settings.lease_seconds
    TM_MAX_SYNC_FAILURES      = var.settings.max_sync_failures
    TM_HTTP_TIMEOUT_SECONDS   = var.settings.http_timeout_seconds
  }
}

module "costing" {
  source = "../function"

  project_id               = module.project_services.project_id
  region                   = var.region
  name                     = "costing"
  description              = "Prices newly collected hours and rebuilds the daily aggregates."
  entry_point              = "on_usage_collected"
  source_root              = var.source_root
  source_bucket            = google_storage_bucket.function_sources.name
  build_service_account_id = local.build.service_account_id
  docker_repository        = local.build.docker_repository
  memory                   = "512Mi"
  # I/O-bound (provider and Firestore calls): one instance serves several at once, billed once.
  cpu              = "1"
  max_concurrency  = 4
  timeout_seconds  = 300
  max_instances    = var.scaling.costing_max_instances
  ingress_settings = "ALLOW_INTERNAL_ONLY"
  invoker_members  = ["serviceAccount:${module.pubsub.push_service_account_email}"]
  labels           = local.labels

  environment = {
    GOOGLE_CLOUD_PROJECT  = var.project_id
    TM_MODE               = "cloud"
    TM_TOPIC_USAGE_PRICED = local.topics.usage_priced
  }
}

module "api" {
  source = "../api"

  project_id               = module.project_services.project_id
  region                   = var.region
  name                     = "api"
  entry_point              = "api"
  source_root              = var.source_root
  source_bucket            = google_storage_bucket.function_sources.name
  build_service_account_id = local.build.service_account_id
  docker_repository        = local.build.docker_repository
  memory                   = "512Mi"
  timeout_seconds          = 60
  min_instances            = var.scaling.api_min_instances
  max_instances            = var.scaling.api_max_instances
  cors_origin              = var.cors_origin
  labels                   = local.labels

  environment = {
    GOOGLE_CLOUD_PROJECT      = var.project_id
    TM_MODE                   = "cloud"
    ANTHROPIC_API_BASE_URL    = var.anthropic_api_base_url
    OPENAI_API_BASE_URL       = var.openai_api_base_url
    TM_TOPIC_COLLECT_REQUESTS = local.topics.collect_requests
    TM_TOPIC_USAGE_PRICED     = local.topics.usage_priced
    TM_SEALING_KEY_SECRET     = local.secrets.sealing_key
    TM_AUTH_MODE              = "firebase"
    TM_HISTORY_DAYS           = var.settings.history_days
    TM_HTTP_TIMEOUT_SECONDS   = var.settings.http_timeout_seconds
    TM_MAX_BODY_BYTES         = var.settings.max_body_bytes
    # The API sends test alerts to a channel itself, email included.
    TM_SMTP_HOST     = local.smtp_environment.TM_SMTP_HOST
    TM_SMTP_PORT     = local.smtp_environment.TM_SMTP_PORT
    TM_SMTP_USER     = local.smtp_environment.TM_SMTP_USER
    TM_SMTP_FROM     = local.smtp_environment.TM_SMTP_FROM
    TM_SMTP_STARTTLS = local.smtp_environment.TM_SMTP_STARTTLS
  }

  secret_environment = {
    TM_FINGERPRINT_PEPPER = module.secrets.secret_ids[local.secrets.fingerprint_pepper]
    TM_SMTP_PASSWORD      = module.secrets.secret_ids[local.secrets.smtp_password]
  }
}

# Alerts (issue 6): an evaluator reached three ways (costing's "usage priced", account events, the
# hourly sweep), and one delivery function per channel type subscribed to tm-alerts.

module "alert_evaluator" {
  source = "../function"

  project_id               = module.project_services.project_id
  region                   = var.region
  name                     = "alert_evaluator"
  description              = "Evaluates a tenant's alert rules after its usage was priced, or when asked to."
  entry_point              = "on_usage_priced"
  source_root              = var.source_root
  source_bucket            = google_storage_bucket.function_sources.name
  build_service_account_id = local.build.service_account_id
  docker_repository        = local.build.docker_repository
  memory                   = "512Mi"
  # I/O-bound (provider and Firestore calls): one instance serves several at once, billed once.
  cpu              = "1"
  max_concurrency  = 4
  timeout_seconds  = 300
  max_instances    = var.scaling.alert_max_instances
  ingress_settings = "ALLOW_INTERNAL_ONLY"
  invoker_members  = ["serviceAccount:${module.pubsub.push_service_account_email}"]
  labels           = local.labels

  environment = {
    GOOGLE_CLOUD_PROJECT     = var.project_id
    TM_MODE                  = "cloud"
    TM_TOPIC_ALERTS          = local.topics.alerts
    TM_TOPIC_USAGE_PRICED    = local.topics.usage_priced
    TM_SYNC_INTERVAL_MINUTES = var.settings.sync_interval_minutes
  }
}

module "alert_account_events" {
  source = "../function"

  project_id               = module.project_services.project_id
  region                   = var.region
  name                     = "alert_account_events"
  description              = "Raises connection alerts when an account breaks."
  entry_point              = "on_account_event"
  source_root              = var.source_root
  source_bucket            = google_storage_bucket.function_sources.name
  build_service_account_id = local.build.service_account_id
  docker_repository        = local.build.docker_repository
  memory                   = "256Mi"
  timeout_seconds          = 120
  max_instances            = var.scaling.alert_max_instances
  ingress_settings         = "ALLOW_INTERNAL_ONLY"
  invoker_members          = ["serviceAccount:${module.pubsub.push_service_account_email}"]
  labels                   = local.labels

  environment = {
    GOOGLE_CLOUD_PROJECT     = var.project_id
    TM_MODE                  = "cloud"
    TM_TOPIC_ALERTS          = local.topics.alerts
    TM_TOPIC_USAGE_PRICED    = local.topics.usage_priced
    TM_SYNC_INTERVAL_MINUTES = var.settings.sync_interval_minutes
  }
}

module "alert_sweep" {
  source = "../function"

  project_id               = module.project_services.project_id
  region                   = var.region
  name                     = "alert_sweep"
  description              = "Hourly tick: asks for an alert evaluation of every tenant with alerting (stale data, keys due for rotation)."
  entry_point              = "on_scheduler_tick"
  source_root              = var.source_root
  source_bucket            = google_storage_bucket.function_sources.name
  build_service_account_id = local.build.service_account_id
  docker_repository        = local.build.docker_repository
  memory                   = "256Mi"
  timeout_seconds          = 300
  max_instances            = 1
  ingress_settings         = "ALLOW_INTERNAL_ONLY"
  invoker_members          = ["serviceAccount:${module.pubsub.push_service_account_email}"]
  labels                   = local.labels

  environment = {
    GOOGLE_CLOUD_PROJECT     = var.project_id
    TM_MODE                  = "cloud"
    TM_TOPIC_ALERTS          = local.topics.alerts
    TM_TOPIC_USAGE_PRICED    = local.topics.usage_priced
    TM_SYNC_INTERVAL_MINUTES = var.settings.sync_interval_minutes
  }
}

module "alert_webhook" {
  source = "../function"

  project_id               = module.project_services.project_id
  region                   = var.region
  name                     = "alert_webhook"
  description              = "Delivers alerts to webhook channels, signed with each channel's sealed secret."
  entry_point              = "on_alert"
  source_root              = var.source_root
  source_bucket            = google_storage_bucket.function_sources.name
  build_service_account_id = local.build.service_account_id
  docker_repository        = local.build.docker_repository
  memory                   = "256Mi"
  timeout_seconds          = 60
  max_instances            = var.scaling.alert_max_instances
  ingress_settings         = "ALLOW_INTERNAL_ONLY"
  invoker_members          = ["serviceAccount:${module.pubsub.push_service_account_email}"]
  labels                   = local.labels

  environment = {
    GOOGLE_CLOUD_PROJECT  = var.project_id
    TM_MODE               = "cloud"
    TM_SEALING_KEY_SECRET = local.secrets.sealing_key
  }
}

module "alert_email" {
  source = "../function"

  project_id               = module.project_services.project_id
  region                   = var.region
  name                     = "alert_email"
  description              = "Delivers alerts to email channels over SMTP."
  entry_point              = "on_alert"
  source_root              = var.source_root
  source_bucket            = google_storage_bucket.function_sources.name
  build_service_account_id = local.build.service_account_id
  docker_repository        = local.build.docker_repository
  memory                   = "256Mi"
  timeout_seconds          = 60
  max_instances            = var.scaling.alert_max_instances
  ingress_settings         = "ALLOW_INTERNAL_ONLY"
  invoker_members          = ["serviceAccount:${module.pubsub.push_service_account_email}"]
  labels                   = local.labels

  environment = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    TM_MODE              = "cloud"
    TM_SMTP_HOST         = local.smtp_environment.TM_SMTP_HOST
    TM_SMTP_PORT         = local.smtp_environment.TM_SMTP_PORT
    TM_SMTP_USER         = local.smtp_environment.TM_SMTP_USER
    TM_SMTP_FROM         = local.smtp_environment.TM_SMTP_FROM
    TM_SMTP_STARTTLS     = local.smtp_environment.TM_SMTP_STARTTLS
  }

  secret_environment = {
    TM_SMTP_PASSWORD = module.secrets.secret_ids[local.secrets.smtp_password]
  }
}

locals {
  functions = {
    dispatcher           = module.dispatcher
    collector            = module.collector
    costing              = module.costing
    api                  = module.api
    alert_evaluator      = module.alert_evaluator
    alert_account_events = module.alert_account_events
    alert_sweep          = module.alert_sweep
    alert_webhook        = module.alert_webhook
    alert_email          = module.alert_email
  }
}

# ---------------------------------------------------------------------------------------------------
# Events

module "pubsub" {
  source = "../pubsub"

  project_id = module.project_services.project_id
  labels     = local.labels
  topics     = values(local.topics)

  # Keyed by the function each subscription delivers to; names become "<topic>--<function>".
  push_subscriptions = {
    dispatcher = {
      topic                 = local.topics.scheduler_ticks
      push_endpoint         = module.dispatcher.uri
      ack_deadline_seconds  = module.dispatcher.timeout_seconds
      max_delivery_attempts = 10
    }
    collector = {
      topic                = local.topics.collect_requests
      push_endpoint        = module.collector.uri
      ack_deadline_seconds = min(module.collector.timeout_seconds, 600)
      # A held lease answers 503 until the sync holding it ends or its lease runs out (shared/topology.py):
      # retry at most a minute apart, so a dead holder is taken over within about a minute of its lease.
      max_delivery_attempts = 20
      minimum_backoff       = "10s"
      maximum_backoff       = "60s"
    }
    costing = {
      topic                 = local.topics.usage_collected
      push_endpoint         = module.costing.uri
      ack_deadline_seconds  = module.costing.timeout_seconds
      max_delivery_attempts = 10
    }
    alert_evaluator = {
      topic                 = local.topics.usage_priced
      push_endpoint         = module.alert_evaluator.uri
      ack_deadline_seconds  = module.alert_evaluator.timeout_seconds
      max_delivery_attempts = 10
    }
    alert_account_events = {
      topic                 = local.topics.account_events
      push_endpoint         = module.alert_account_events.uri
      ack_deadline_seconds  = module.alert_account_events.timeout_seconds
      max_delivery_attempts = 10
    }
    alert_sweep = {
      topic                 = local.topics.scheduler_ticks
      push_endpoint         = module.alert_sweep.uri
      ack_deadline_seconds  = module.alert_sweep.timeout_seconds
      max_delivery_attempts = 10
    }
    # Alert delivery: fewer attempts (shared/topology.py ALERT_DELIVERY_ATTEMPTS), then the dead-letter
    # topic; the alert history records the outcome.
    alert_webhook = {
      topic                 = local.topics.alerts
      push_endpoint         = module.alert_webhook.uri
      ack_deadline_seconds  = module.alert_webhook.timeout_seconds
      max_delivery_attempts = 6
    }
    alert_email = {
      topic                 = local.topics.alerts
      push_endpoint         = module.alert_email.uri
      ack_deadline_seconds  = module.alert_email.timeout_seconds
      max_delivery_attempts = 6
    }
  }
}

module "scheduler" {
  source = "../scheduler"

  project_id = module.project_services.project_id
  region     = var.region
  schedule   = "5 * * * *"
  topic_id   = module.pubsub.topic_ids[local.topics.scheduler_ticks]
  payload    = { tick_at = null }
  paused     = var.scheduler_paused
}

# ---------------------------------------------------------------------------------------------------
# Data and secrets

module "firestore" {
  source = "../firestore"

  project_id          = module.project_services.project_id
  location            = var.firestore_location
  deletion_protection = var.deletion_protection

  field_overrides = [
    {
      # FirestoreAccountStore.due_for_sync: collection_group("accounts") where next_sync_at <= now,
      # order_by next_sync_at. The collection-scoped indexes are the automatic ones, kept.
      collection = "accounts"
      field      = "next_sync_at"
      indexes = [
        { order = "ASCENDING", query_scope = "COLLECTION" },
        { order = "DESCENDING", query_scope = "COLLECTION" },
        { order = "ASCENDING", query_scope = "COLLECTION_GROUP" },
      ]
    },
    {
      # FirestoreAccountStore.stale_tenants (the hourly alert sweep): collection_group("accounts") where
      # stale_at <= now.
      collection = "accounts"
      field      = "stale_at"
      indexes = [
        { order = "ASCENDING", query_scope = "COLLECTION" },
        { order = "DESCENDING", query_scope = "COLLECTION" },
        { order = "ASCENDING", query_scope = "COLLECTION_GROUP" },
      ]
    },
    {
      # FirestoreTenantStore.memberships_of (GET /v1/me): collection_group("members") where user_id ==.
      collection = "members"
      field      = "user_id"
      indexes = [
        { order = "ASCENDING", query_scope = "COLLECTION" },
        { order = "DESCENDING", query_scope = "COLLECTION" },
        { order = "ASCENDING", query_scope = "COLLECTION_GROUP" },
      ]
    },
    # Exemptions: packed tables and per-hour maps are read whole by id and never queried. Indexing them
    # would cost an index entry per sub-field on every write (a raw day has 24 hour maps) for nothing.
    { collection = "usage_days", field = "hours", indexes = [] },
    { collection = "usage_days", field = "hashes", indexes = [] },
    { collection = "usage_days", field = "billed", indexes = [] },
    { collection = "usage_days", field = "packed", indexes = [] },
    { collection = "priced_days", field = "rows", indexes = [] },
    { collection = "priced_days", field = "hours", indexes = [] },
    { collection = "priced_months", field = "month_rows", indexes = [] },
    { collection = "priced_months", field = "daily", indexes = [] },
    { collection = "priced_months", field = "recent", indexes = [] },
    { collection = "priced_months", field = "days", indexes = [] },
    { collection = "accounts", field = "coverage", indexes = [] },
    { collection = "accounts", field = "hour_hashes", indexes = [] },
    { collection = "accounts", field = "names_ids", indexes = [] },
    { collection = "accounts", field = "billed", indexes = [] },
  ]
  composite_indexes = [
    {
      # FirestoreAlertStore.list: the alert history of a tenant, of one kind, newest first.
      collection  = "alerts"
      query_scope = "COLLECTION"
      fields = [
        { field_path = "kind", order = "ASCENDING" },
        { field_path = "created_at", order = "DESCENDING" },
      ]
    },
  ]
}

module "secrets" {
  source = "../secrets"

  project_id = module.project_services.project_id
  labels     = local.labels

  secrets = {
    (local.secrets.fingerprint_pepper) = {
      description = "key of the HMAC fingerprint that detects one provider key connected twice"
    }
    (local.secrets.sealing_key) = {
      description = "AES-256-GCM keyring sealing provider keys, their identifiers and webhook secrets; one 32-byte key per version"
    }
    (local.secrets.smtp_password) = {
      description = "password of the SMTP account email alerts are sent with"
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Who may do what. Each function has its own service account (created in the function module) and
# only the roles below.

locals {
  firestore_users = {
    dispatcher           = module.dispatcher.service_account_member
    collector            = module.collector.service_account_member
    costing              = module.costing.service_account_member
    api                  = module.api.service_account_member
    alert_evaluator      = module.alert_evaluator.service_account_member
    alert_account_events = module.alert_account_events.service_account_member
    alert_sweep          = module.alert_sweep.service_account_member
    alert_webhook        = module.alert_webhook.service_account_member
    alert_email          = module.alert_email.service_account_member
  }

  publishers = {
    "dispatcher:collect_requests" = { member = module.dispatcher.service_account_member, topic = local.topics.collect_requests }
    "collector:usage_collected"   = { member = module.collector.service_account_member, topic = local.topics.usage_collected }
    "collector:collect_requests"  = { member = module.collector.service_account_member, topic = local.topics.collect_requests }
    "collector:account_events"    = { member = module.collector.service_account_member, topic = local.topics.account_events }
    "costing:usage_priced"        = { member = module.costing.service_account_member, topic = local.topics.usage_priced }
    "costing:usage_collected"     = { member = module.costing.service_account_member, topic = local.topics.usage_collected }
    # Costing judges the tenant's alerts after pricing, in the same invocation: it raises them too.
    "costing:alerts"       = { member = module.costing.service_account_member, topic = local.topics.alerts }
    "api:collect_requests" = { member = module.api.service_account_member, topic = local.topics.collect_requests }
    "api:usage_priced"     = { member = module.api.service_account_member, topic = local.topics.usage_priced }

    "alert_evaluator:alerts"            = { member = module.alert_evaluator.service_account_member, topic = local.topics.alerts }
    "alert_evaluator:usage_priced"      = { member = module.alert_evaluator.service_account_member, topic = local.topics.usage_priced }
    "alert_account_events:alerts"       = { member = module.alert_account_events.service_account_member, topic = local.topics.alerts }
    "alert_account_events:usage_priced" = { member = module.alert_account_events.service_account_member, topic = local.topics.usage_priced }
    "alert_sweep:alerts"                = { member = module.alert_sweep.service_account_member, topic = local.topics.alerts }
    "alert_sweep:usage_priced"          = { member = module.alert_sweep.service_account_member, topic = local.topics.usage_priced }
  }
}

# Firestore roles exist only at project level (one database here): read and write documents, nothing
# administrative.
resource "google_project_iam_member" "firestore_user" {
  for_each = local.firestore_users

  project = module.project_services.project_id
  role    = "roles/datastore.user"
  member  = each.value
}

# Publish only to the topics each function writes to.
resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = local.publishers

  project = module.project_services.project_id
  topic   = module.pubsub.topic_ids[each.value.topic]
  role    = "roles/pubsub.publisher"
  member  = each.value.member
}

# Functions that seal or unseal (provider keys, webhook signing secrets) read the sealing keyring: every
# enabled version of tm-sealing-key (listing versions is needed to find them all, not only "latest").
# alert_email is left out on purpose: the delivery code wires the sealer for both channel types, but an
# email delivery never opens a sealed secret.
resource "google_project_iam_custom_role" "keyring_reader" {
  project     = module.project_services.project_id
  role_id     = "tokenmeterKeyringReader"
  title       = "TokenMeter sealing keyring reader"
  description = "List and read the versions of the sealing-key secret."
  permissions = [
    "secretmanager.versions.access",
    "secretmanager.versions.get",
    "secretmanager.versions.list",
  ]
}

resource "google_secret_manager_secret_iam_member" "keyring_reader" {
  for_each = {
    collector     = module.collector.service_account_member
    api           = module.api.service_account_member
    alert_webhook = module.alert_webhook.service_account_member
  }

  project   = module.project_services.project_id
  secret_id = module.secrets.secret_ids[local.secrets.sealing_key]
  role      = google_project_iam_custom_role.keyring_reader.id
  member    = each.value
}

