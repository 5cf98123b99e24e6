variable "project_id" {
  type        = string
  description = "The Google Cloud project the dashboard is hosted in."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6-30 lowercase letters, digits and hyphens."
  }
}

variable "domain" {
  type        = string
  description = "Host name the dashboard is served on (app.example.com); its DNS A record must point at the ip_address output. The site's origin, https://<domain>, is the API's CORS origin."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain))
    error_message = "domain must be a lowercase DNS host name such as app.example.com."
  }
}

variable "bucket_location" {
  type        = string
  description = "Location of the bucket holding the built files (a region or a multi-region such as EU); Cloud CDN serves them from the edge."
  default     = "EU"
}

variable "dist_dir" {
  type        = string
  description = "The built dashboard (web/dist after `make web`): every file in it is uploaded, except source maps."
}

variable "api_base_url" {
  type        = string
  description = "The API's public base URL, written to the dashboard's config.json (it calls <api_base_url>/v1/...)."

  validation {
    condition     = can(regex("^https://", var.api_base_url))
    error_message = "api_base_url must be an https URL."
  }
}

variable "firebase" {
  type = object({
    api_key     = string
    auth_domain = string
    tenant_id   = optional(string)
  })
  description = "Web configuration of Firebase Authentication / Identity Platform for the sign-in page: the browser API key, the auth domain (<project>.firebaseapp.com or your own) and, with Identity Platform multi-tenancy, the auth tenant."
}

variable "labels" {
  type        = map(string)
  description = "Labels added to the bucket."
  default     = {}
}
