output "secret_ids" {
  description = "Secret id => secret id, known only once the secret exists (reference this to depend on it)."
  value       = { for id, s in google_secret_manager_secret.this : id => s.secret_id }
}

output "secret_names" {
  description = "Secret id => full resource name (projects/<number>/secrets/<id>)."
  value       = { for id, s in google_secret_manager_secret.this : id => s.name }
}
