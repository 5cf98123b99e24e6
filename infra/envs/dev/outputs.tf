output "api_url" {
  description = "Public base URL of the HTTP API (the frontend's API base; GET <api_url>/v1/openapi.json documents it)."
  value       = module.tokenmeter.api_url
}

output "function_service_accounts" {
  description = "Function name => its runtime service account."
  value       = module.tokenmeter.function_service_accounts
}

output "function_sources" {
  description = "Function name => the source archive it was built from (named by content hash)."
  value       = module.tokenmeter.function_sources
}

output "topics" {
  description = "Topic name => topic id."
  value       = module.tokenmeter.topics
}

output "push_subscriptions" {
  description = "Function name => the push subscription that triggers it."
  value       = module.tokenmeter.push_subscriptions
}

output "dead_letter_subscriptions" {
  description = "Function name => where messages it kept failing on are held."
  value       = module.tokenmeter.dead_letter_subscriptions
}

output "scheduler_job" {
  description = "The Cloud Scheduler job that ticks the pipeline hourly."
  value       = module.tokenmeter.scheduler_job
}

output "secrets" {
  description = "Secrets the stack needs, whose first version is added by hand."
  value       = module.tokenmeter.secrets
}

output "firestore_database" {
  description = "The Firestore database and its location."
  value       = module.tokenmeter.firestore_database
}

output "function_source_bucket" {
  description = "Bucket holding the function source archives."
  value       = module.tokenmeter.function_source_bucket
}

output "web_origin" {
  description = "Where the dashboard is served (and the API's CORS origin)."
  value       = module.web_hosting.origin
}

output "web_ip_address" {
  description = "Point web_domain's DNS A record at this address; the managed certificate is issued once it resolves."
  value       = module.web_hosting.ip_address
}
