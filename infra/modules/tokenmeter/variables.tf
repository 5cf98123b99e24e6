variable "project_id" {
  type        = string
  description = "The Google Cloud project the whole stack lives in (one project per environment)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6-30 lowercase letters, digits and hyphens."
  }
}

variable "env" {
  type        = string
  description = "Name of the environment (dev, prod), used in labels."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.env))
    error_message = "env must be a short lowercase name such as dev or prod."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, the scheduler job and the source bucket."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "firestore_location" {
  type        = string
  description = "Firestore location: a region (europe-west1) or multi-region (eur3, nam5). Cannot be changed once the database exists."
}

variable "source_root" {
  type        = string
  description = "Path of the repository root (holding functions/, shared/ and requirements.txt)."
}

variable "cors_origin" {
  type        = string
  description = "The hosted frontend's origin, the only one browsers may call the API from (TM_CORS_ORIGIN)."
}

variable "anthropic_api_base_url" {
  type        = string
  description = "Base URL of the Anthropic Admin API (ANTHROPIC_API_BASE_URL); point it at an egress proxy if you use one."
  default     = "https://api.anthropic.com"

  validation {
    condition     = can(regex("^https://[^/]+(/.*)?[^/]$", var.anthropic_api_base_url))
    error_message = "anthropic_api_base_url must be an https:// URL without a trailing slash."
  }
}

variable "openai_api_base_url" {
  type        = string
  description = "Base URL of the OpenAI API (OPENAI_API_BASE_URL)."
  default     = "https://api.openai.com"

  validation {
    condition     = can(regex("^https://[^/]+(/.*)?[^/]$", var.openai_api_base_url))
    error_message = "openai_api_base_url must be an https:// URL without a trailing slash."
  }
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
  description = "Application settings passed to the functions as TM_* variables (see shared/config.py); the bounds are the ones the code enforces."
  default     = {}

  validation {
    condition     = var.settings.sync_interval_minutes >= 1 && var.settings.sync_interval_minutes <= 1440
    error_message = "settings.sync_interval_minutes must be between 1 and 1440."
  }
  validation {
    condition     = var.settings.trailing_hours >= 48 && var.settings.trailing_hours <= 336
    error_message = "settings.trailing_hours must be between 48 and 336 (providers restate the last 48 hours)."
  }
  validation {
    condition     = var.settings.history_days >= 1 && var.settings.history_days <= 400
    error_message = "settings.history_days must be between 1 and 400."
  }
  validation {
    condition     = var.settings.collect_budget_seconds >= 5 && var.settings.collect_budget_seconds <= var.collector_timeout_seconds - 30
    error_message = "settings.collect_budget_seconds must be at least 5 and leave the collector 30 s before its timeout (collector_timeout_seconds)."
  }
  validation {
    condition     = var.settings.max_sync_failures >= 1 && var.settings.max_sync_failures <= 100
    error_message = "settings.max_sync_failures must be between 1 and 100."
  }
  validation {
    condition     = var.settings.http_timeout_seconds >= 1 && var.settings.http_timeout_seconds <= 300
    error_message = "settings.http_timeout_seconds must be between 1 and 300."
  }
  validation {
    condition     = var.settings.max_body_bytes >= 1024 && var.settings.max_body_bytes <= 1048576
    error_message = "settings.max_body_bytes must be between 1024 and 1048576."
  }
}

variable "collector_timeout_seconds" {
  type        = number
  description = "The collector's timeout, also its push subscription's ack deadline (at most 600 s, Pub/Sub's limit)."
  default     = 540

  validation {
    condition     = var.collector_timeout_seconds >= 60 && var.collector_timeout_seconds <= 600
    error_message = "collector_timeout_seconds must be between 60 and 600."
  }
}

variable "scaling" {
  type = object({
    dispatcher_max_instances = optional(number, 2)
    collector_max_instances  = optional(number, 10)
    costing_max_instances    = optional(number, 10)
    api_min_instances        = optional(number, 0)
    api_max_instances        = optional(number, 20)
    alert_max_instances      = optional(number, 5)
  })
  description = "Instance bounds per function: the maxima cap cost and the load on Firestore and the providers; api_min_instances > 0 keeps the dashboard free of cold starts."
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.scaling : v >= 0 && v <= 1000]) && alltrue([for k, v in var.scaling : v >= 1 if endswith(k, "_max_instances")])
    error_message = "Instance counts must be between 0 and 1000, and every maximum at least 1."
  }
  validation {
    condition     = var.scaling.api_min_instances <= var.scaling.api_max_instances
    error_message = "api_min_instances must not exceed api_max_instances."
  }
}

variable "smtp" {
  type = object({
    host     = optional(string, "")
    port     = optional(number, 587)
    user     = optional(string, "")
    from     = optional(string, "")
    starttls = optional(bool, true)
  })
  description = "SMTP server email alerts are sent through (TM_SMTP_*); the password is the tm-smtp-password secret. An empty host disables email channels."
  default     = {}

  validation {
    condition     = var.smtp.port >= 1 && var.smtp.port <= 65535 && var.smtp.port != 25
    error_message = "smtp.port must be a TCP port other than 25 (Google Cloud blocks outgoing port 25)."
  }

  validation {
    condition     = var.smtp.host == "" || strcontains(var.smtp.from, "@")
    error_message = "smtp.from must be an email address when smtp.host is set."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the Firestore database from deletion (and keep it, and the source bucket's contents, on destroy). Turn off only for throwaway environments."
  default     = true
}

variable "scheduler_paused" {
  type        = bool
  description = "Create the hourly scheduler job paused (nothing is collected until it is resumed)."
  default     = false
}

variable "labels" {
  type        = map(string)
  description = "Extra labels for every resource that takes labels (app and env are always set)."
  default     = {}
}
