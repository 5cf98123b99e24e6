variable "project_id" {
  type        = string
  description = "The Google Cloud project of the secrets."
}

variable "secrets" {
  type = map(object({
    description = string
  }))
  description = "Secret id => what the secret holds. Ids must not start with tm-account- (reserved for the per-account secrets the API creates)."

  validation {
    condition     = alltrue([for id in keys(var.secrets) : can(regex("^[a-zA-Z0-9_-]{1,255}$", id)) && !startswith(id, "tm-account-")])
    error_message = "Secret ids are letters, digits, hyphens and underscores, and must not start with tm-account-."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels put on every secret."
  default     = {}
}
