variable "project_id" {
  type        = string
  description = "The Google Cloud project of the job."
}

variable "region" {
  type        = string
  description = "Region the job runs in."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "name" {
  type        = string
  description = "Name of the job."
  default     = "tm-scheduler-tick"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,500}$", var.name))
    error_message = "name must be letters, digits, hyphens or underscores."
  }
}

variable "description" {
  type        = string
  description = "What the job is for, shown in the console."
  default     = "TokenMeter hourly tick: the dispatcher publishes a collect request per account due for sync."
}

variable "schedule" {
  type        = string
  description = "Cron schedule (shared/topology.py SCHEDULE_CRON)."

  validation {
    condition     = length(split(" ", trimspace(var.schedule))) == 5
    error_message = "schedule must be a five-field cron expression such as \"5 * * * *\"."
  }
}

variable "time_zone" {
  type        = string
  description = "Time zone the schedule is read in."
  default     = "Etc/UTC"
}

variable "topic_id" {
  type        = string
  description = "Id of the topic the job publishes to (projects/<project>/topics/<name>)."

  validation {
    condition     = can(regex("^projects/[^/]+/topics/[^/]+$", var.topic_id))
    error_message = "topic_id must look like projects/<project>/topics/<name>."
  }
}

variable "payload" {
  type        = any
  description = "The message body, JSON-encoded by the module (the dispatcher expects {\"tick_at\": null})."
}

variable "paused" {
  type        = bool
  description = "Create the job paused (no ticks until resumed)."
  default     = false
}
