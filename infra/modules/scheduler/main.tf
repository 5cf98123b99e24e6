# The clock of the pipeline: a Cloud Scheduler job publishing a fixed JSON message to a topic on a cron
# schedule (shared/topology.py SCHEDULE_CRON; the local stack's scheduler loop publishes the same body).

resource "google_cloud_scheduler_job" "this" {
  project     = var.project_id
  region      = var.region
  name        = var.name
  description = var.description
  schedule    = var.schedule
  time_zone   = var.time_zone
  paused      = var.paused

  pubsub_target {
    topic_name = var.topic_id
    data       = base64encode(jsonencode(var.payload))
  }

  # A tick that fails to publish is retried a few times; a missed tick is harmless (the next one catches
  # up, since the dispatcher selects accounts by their next_sync_at).
  retry_config {
    retry_count          = 3
    min_backoff_duration = "10s"
    max_backoff_duration = "60s"
  }
}
