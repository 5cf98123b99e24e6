output "database" {
  description = "Name of the Firestore database (\"(default)\")."
  value       = google_firestore_database.this.name
}

output "location" {
  description = "Where the database's data lives."
  value       = google_firestore_database.this.location_id
}
