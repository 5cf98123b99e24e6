output "name" {
  description = "The API function's name."
  value       = module.function.name
}

output "url" {
  description = "The API's public base URL (the frontend calls <url>/v1/...)."
  value       = module.function.uri
}

output "service_account_email" {
  description = "The API function's runtime service account."
  value       = module.function.service_account_email
}

output "service_account_member" {
  description = "The API function's runtime service account as an IAM member."
  value       = module.function.service_account_member
}

output "source_object" {
  description = "gs:// address of the source archive the API was built from."
  value       = module.function.source_object
}
