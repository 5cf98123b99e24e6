output "origin" {
  description = "The dashboard's origin (https://<domain>): the API's CORS origin, and where people open it."
  value       = local.origin
}

output "ip_address" {
  description = "The load balancer's address: point the domain's DNS A record here (the certificate is issued once it resolves)."
  value       = google_compute_global_address.site.address
}

output "bucket" {
  description = "The bucket holding the dashboard's built files and config.json."
  value       = google_storage_bucket.site.name
}

output "files" {
  description = "How many built files Terraform uploaded (config.json aside)."
  value       = length(google_storage_bucket_object.files)
}
