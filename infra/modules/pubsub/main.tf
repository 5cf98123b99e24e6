# The event topology (shared/topology.py): topics, and for each function a topic triggers, a push
# subscription delivering to it, with a bounded number of delivery attempts, exponential backoff between
# them, and a dead-letter topic (plus a pull subscription keeping what lands there).
#
# Push subscriptions are declared here instead of letting a Cloud Functions event_trigger create them:
# the subscription an event trigger creates belongs to Eventarc, and neither its name nor a dead-letter
# policy can be set on it. Declaring it names it as the local stack does ("<topic>--<function>") and
# dead-letters it. The endpoint path /projects/<project>/topics/<topic> lets functions-framework turn the
# push body into the CloudEvent the handler expects, exactly as in the local stack.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic" "this" {
  for_each = toset(var.topics)

  project = var.project_id
  name    = each.value
  labels  = var.labels

  # checkov:skip=CKV_GCP_83:Google-managed encryption at rest is enough for these messages (ids and time ranges, never keys); a CMEK would add a KMS key ring to run and pay for.
}

# The identity Pub/Sub signs push requests as; it may invoke the push-triggered functions and nothing else.
resource "google_service_account" "push" {
  project      = var.project_id
  account_id   = var.push_service_account_id
  display_name = "TokenMeter Pub/Sub push delivery"
  description  = "Signs the OIDC tokens of push deliveries to the event-driven functions."
}

# Projects whose Pub/Sub API was enabled before April 2021 need this for the service agent to mint the
# push OIDC token; it is harmless elsewhere, and scoped to the push identity alone.
resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = var.push_subscriptions

  project = var.project_id
  name    = "${each.value.topic}--${each.key}-dead-letter"
  labels  = var.labels

  # checkov:skip=CKV_GCP_83:Google-managed encryption at rest is enough for these messages (ids and time ranges, never keys); a CMEK would add a KMS key ring to run and pay for.
}

# A topic keeps nothing by itself: this subscription holds dead letters until someone looks at them.
resource "google_pubsub_subscription" "dead_letter" {
  for_each = var.push_subscriptions

  project                    = var.project_id
  name                       = google_pubsub_topic.dead_letter[each.key].name
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  message_retention_duration = var.dead_letter_retention
  ack_deadline_seconds       = 60
  labels                     = var.labels

  expiration_policy {
    ttl = "" # never expires, even when nobody pulls for a month
  }
}

resource "google_pubsub_subscription" "push" {
  for_each = var.push_subscriptions

  project              = var.project_id
  name                 = "${each.value.topic}--${each.key}"
  topic                = google_pubsub_topic.this[each.value.topic].id
  ack_deadline_seconds = each.value.ack_deadline_seconds
  labels               = var.labels

  push_config {
    push_endpoint = "${each.value.push_endpoint}/projects/${var.project_id}/topics/${each.value.topic}"

    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = each.value.push_endpoint
    }
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = each.value.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = each.value.minimum_backoff
    maximum_backoff = each.value.maximum_backoff
  }

  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering needs the Pub/Sub service agent to publish to the dead-letter topic and to acknowledge
# (subscribe to) the source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = var.push_subscriptions

  project = var.project_id
  topic   = google_pubsub_topic.dead_letter[each.key].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = var.push_subscriptions

  project      = var.project_id
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
