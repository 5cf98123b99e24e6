# The Google APIs TokenMeter uses. Everything else in the stack takes its project id from this module's
# output, so no resource is created before the API it needs is on.

resource "google_project_service" "this" {
  for_each = toset(var.services)

  project = var.project_id
  service = each.value

  # Turning an API off can break resources this configuration does not own: leave them on at destroy.
  disable_on_destroy         = false
  disable_dependent_services = false
}
