# The Firestore (Native mode) database and the indexes the code's queries need. The emulator does not
# enforce indexes, so tests/infra/test_consistency.py checks these against shared/adapters/firestore.py.

resource "google_firestore_database" "this" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.location
  type                              = "FIRESTORE_NATIVE"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  # ABANDON keeps the data when the stack is destroyed; DELETE removes it (only where protection is off).
  deletion_policy = var.deletion_protection ? "ABANDON" : "DELETE"
}

# Single-field index settings for one field of one collection id. Collection-group queries need their
# single-field index declared (Firestore only builds collection-scoped ones automatically), and declaring
# an override replaces the automatic ones for that field, so the collection-scoped ones are listed too.
resource "google_firestore_field" "this" {
  for_each = { for o in var.field_overrides : "${o.collection}.${o.field}" => o }

  project    = var.project_id
  database   = google_firestore_database.this.name
  collection = each.value.collection
  field      = each.value.field

  index_config {
    dynamic "indexes" {
      for_each = each.value.indexes
      content {
        order       = indexes.value.order
        query_scope = indexes.value.query_scope
      }
    }
  }
}

resource "google_firestore_index" "this" {
  for_each = { for i in var.composite_indexes : "${i.collection}:${i.query_scope}:${join(",", [for f in i.fields : "${f.field_path}:${f.order}"])}" => i }

  project     = var.project_id
  database    = google_firestore_database.this.name
  collection  = each.value.collection
  query_scope = each.value.query_scope

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value.field_path
      order      = fields.value.order
    }
  }
}
