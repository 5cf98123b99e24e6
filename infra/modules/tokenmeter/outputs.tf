output "api_url" {
  description = "Public base URL of the HTTP API: the frontend calls <api_url>/v1/..., and <api_url>/v1/openapi.json documents it."
  value       = module.api.url
}

output "function_service_accounts" {
  description = "Function name => its runtime service account (each holds only the roles it needs)."
  value       = { for name, fn in local.functions : name => fn.service_account_email }
}

output "function_sources" {
  description = "Function name => the source archive (named by content hash) it was built from."
  value       = { for name, fn in local.functions : name => fn.source_object }
}

output "topics" {
  description = "Topic name => topic id."
  value       = module.pubsub.topic_ids
}

output "push_subscriptions" {
  description = "Function name => the push subscription delivering its trigger topic to it."
  value       = module.pubsub.push_subscriptions
}

output "dead_letter_subscriptions" {
  description = "Function name => the pull subscription holding messages it failed on after every attempt (look here when something is stuck)."
  value       = module.pubsub.dead_letter_subscriptions
}

output "scheduler_job" {
  description = "The Cloud Scheduler job that ticks the pipeline (gcloud scheduler jobs run <name> --location <region> ticks now)."
  value       = module.scheduler.job_name
}

output "secrets" {
  description = "Secret id => resource name of the secrets the stack needs; add their first version by hand (infra/README.md)."
  value       = module.secrets.secret_names
}

output "firestore_database" {
  description = "The Firestore database and its location."
  value       = "${module.firestore.database} (${module.firestore.location})"
}

output "function_source_bucket" {
  description = "Bucket holding the function source archives."
  value       = google_storage_bucket.function_sources.name
}
