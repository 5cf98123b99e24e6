output "project_id" {
  description = "The project id, available only once every API is enabled: depend on this, not on var.project_id."
  value       = var.project_id
  depends_on  = [google_project_service.this]
}

output "services" {
  description = "The APIs enabled."
  value       = sort([for s in google_project_service.this : s.service])
}
