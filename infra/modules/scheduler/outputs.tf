output "job_name" {
  description = "Name of the Cloud Scheduler job (run it now with: gcloud scheduler jobs run <name> --location <region>)."
  value       = google_cloud_scheduler_job.this.name
}

output "schedule" {
  description = "The job's cron schedule."
  value       = google_cloud_scheduler_job.this.schedule
}
