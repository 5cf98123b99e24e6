variable "project_id" {
  type        = string
  description = "The Google Cloud project of the database."
}

variable "location" {
  type        = string
  description = "Firestore location: a region (europe-west1) or a multi-region (eur3, nam5). Cannot be changed later."

  validation {
    condition     = can(regex("^([a-z]+-[a-z]+[0-9]+|nam[0-9]+|eur[0-9]+)$", var.location))
    error_message = "location must be a region such as europe-west1 or a multi-region such as eur3."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the database (and keep it when the stack is destroyed)."
  default     = true
}

variable "field_overrides" {
  type = list(object({
    collection = string
    field      = string
    indexes = list(object({
      order       = string
      query_scope = string
    }))
  }))
  description = "Single-field index settings: for a collection id and field, the single-field indexes to keep (order ASCENDING/DESCENDING, query_scope COLLECTION/COLLECTION_GROUP)."
  default     = []

  validation {
    condition = alltrue(flatten([for o in var.field_overrides : [for i in o.indexes :
    contains(["ASCENDING", "DESCENDING"], i.order) && contains(["COLLECTION", "COLLECTION_GROUP"], i.query_scope)]]))
    error_message = "Each index needs order ASCENDING or DESCENDING and query_scope COLLECTION or COLLECTION_GROUP."
  }
}

variable "composite_indexes" {
  type = list(object({
    collection  = string
    query_scope = string
    fields = list(object({
      field_path = string
      order      = string
    }))
  }))
  description = "Composite indexes: a collection id, the query scope (COLLECTION/COLLECTION_GROUP) and the fields in order."
  default     = []

  validation {
    condition     = alltrue([for i in var.composite_indexes : contains(["COLLECTION", "COLLECTION_GROUP"], i.query_scope) && length(i.fields) >= 2])
    error_message = "Each composite index needs query_scope COLLECTION or COLLECTION_GROUP and at least two fields."
  }

  validation {
    condition     = alltrue(flatten([for i in var.composite_indexes : [for f in i.fields : contains(["ASCENDING", "DESCENDING"], f.order)]]))
    error_message = "Each indexed field needs order ASCENDING or DESCENDING."
  }
}
