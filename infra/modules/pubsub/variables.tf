variable "project_id" {
  type        = string
  description = "The Google Cloud project holding the topics and subscriptions."
}

variable "topics" {
  type        = list(string)
  description = "Topic names (shared/topology.py TOPICS)."

  validation {
    condition     = alltrue([for t in var.topics : can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", t)) && !startswith(t, "goog")])
    error_message = "Each topic name must be 3-255 characters, start with a letter and not start with 'goog'."
  }
}

variable "push_subscriptions" {
  type = map(object({
    topic                 = string
    push_endpoint         = string
    max_delivery_attempts = number
    ack_deadline_seconds  = number
    minimum_backoff       = optional(string, "10s")
    maximum_backoff       = optional(string, "600s")
  }))
  description = <<-EOT
    One entry per event-driven function, keyed by the function's name: the topic that triggers it, its
    HTTPS base URL, the delivery attempts before a message is dead-lettered, the ack deadline (the time
    the function has to answer; set it to the function's timeout) and the retry backoff bounds.
  EOT

  validation {
    condition     = alltrue([for s in values(var.push_subscriptions) : startswith(s.push_endpoint, "https://") && !endswith(s.push_endpoint, "/")])
    error_message = "Each push_endpoint must be an https:// base URL without a trailing slash."
  }

  validation {
    condition     = alltrue([for s in values(var.push_subscriptions) : s.max_delivery_attempts >= 5 && s.max_delivery_attempts <= 100])
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub's bounds)."
  }

  validation {
    condition     = alltrue([for s in values(var.push_subscriptions) : s.ack_deadline_seconds >= 10 && s.ack_deadline_seconds <= 600])
    error_message = "ack_deadline_seconds must be between 10 and 600 (Pub/Sub's bounds)."
  }

  validation {
    condition = alltrue([for s in values(var.push_subscriptions) : try(
      can(regex("^[0-9]+s$", s.minimum_backoff)) && can(regex("^[0-9]+s$", s.maximum_backoff)) &&
      tonumber(trimsuffix(s.minimum_backoff, "s")) <= tonumber(trimsuffix(s.maximum_backoff, "s")) &&
      tonumber(trimsuffix(s.maximum_backoff, "s")) <= 600,
    false)])
    error_message = "Backoffs are durations in seconds such as \"10s\", minimum_backoff <= maximum_backoff <= \"600s\"."
  }

  validation {
    condition     = alltrue([for s in values(var.push_subscriptions) : contains(var.topics, s.topic)])
    error_message = "Each push subscription's topic must be one of var.topics."
  }
}

variable "push_service_account_id" {
  type        = string
  description = "Account id of the service account that signs push deliveries."
  default     = "tm-pubsub-push"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.push_service_account_id))
    error_message = "push_service_account_id must be 6-30 lowercase letters, digits and hyphens."
  }
}

variable "dead_letter_retention" {
  type        = string
  description = "How long dead letters are kept, as a duration in seconds (at most 31 days)."
  default     = "604800s"

  validation {
    condition     = try(tonumber(trimsuffix(var.dead_letter_retention, "s")) >= 600 && tonumber(trimsuffix(var.dead_letter_retention, "s")) <= 2678400 && endswith(var.dead_letter_retention, "s"), false)
    error_message = "dead_letter_retention must be between \"600s\" and \"2678400s\" (31 days)."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels put on every topic and subscription."
  default     = {}
}
