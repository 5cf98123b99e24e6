variable "project_id" {
  type        = string
  description = "The Google Cloud project of this environment."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6-30 lowercase letters, digits and hyphens."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, the scheduler job and the source bucket."
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "firestore_location" {
  type        = string
  description = "Firestore location (a region such as europe-west1, or a multi-region such as eur3). Fixed once the database exists."
  default     = "europe-west1"
}

variable "web_domain" {
  type        = string
  description = "Host name of the dashboard (app.example.com): served there over HTTPS, and https://<web_domain> is the only origin browsers may call the API from."
}

variable "firebase_web" {
  type = object({
    api_key     = string
    auth_domain = string
    tenant_id   = optional(string)
  })
  description = "The dashboard's sign-in: Firebase Authentication / Identity Platform web configuration (browser API key, auth domain, optional auth tenant)."
}

variable "anthropic_api_base_url" {
  type        = string
  description = "Base URL of the Anthropic Admin API."
  default     = "https://api.anthropic.com"
}

variable "openai_api_base_url" {
  type        = string
  description = "Base URL of the OpenAI API."
  default     = "https://api.openai.com"
}

variable "smtp" {
  type = object({
    host     = optional(string, "")
    port     = optional(number, 587)
    user     = optional(string, "")
    from     = optional(string, "")
    starttls = optional(bool, true)
  })
  description = "SMTP server for email alerts; the password goes in the tm-smtp-password secret. Leave host empty to disable email channels."
  default     = {}
}

variable "settings" {
  type = object({
    sync_interval_minutes  = optional(number, 60)
    trailing_hours         = optional(number, 48)
    history_days           = optional(number, 30)
    collect_budget_seconds = optional(number, 480)
    lease_seconds          = optional(number, 60)
    max_sync_failures      = optional(number, 5)
    http_timeout_seconds   = optional(number, 30)
    max_body_bytes         = optional(number, 16384)
  })
  description = "Application settings (TM_* variables, see shared/config.py); omitted ones take the code's defaults."
  default     = {}
}
