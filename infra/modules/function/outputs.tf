output "name" {
  description = "The function's name (as in shared/topology.py)."
  value       = google_cloudfunctions2_function.this.name
}

output "uri" {
  description = "The HTTPS base URL of the function's Cloud Run service."
  value       = google_cloudfunctions2_function.this.service_config[0].uri
}

output "timeout_seconds" {
  description = "How long one invocation may run: push subscriptions use it as their ack deadline."
  value       = var.timeout_seconds
}

output "service_account_email" {
  description = "The function's runtime service account."
  value       = google_service_account.this.email
}

output "service_account_member" {
  description = "The runtime service account as an IAM member (serviceAccount:...)."
  value       = google_service_account.this.member
}

output "source_object" {
  description = "gs:// address of the source archive the function was built from."
  value       = "gs://${var.source_bucket}/${google_storage_bucket_object.source.name}"
}

output "source_hash" {
  description = "Content hash of the source archive's files (infra/package.py computes the same value)."
  value       = local.source_hash
}
