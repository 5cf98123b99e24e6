variable "project_id" {
  type        = string
  description = "The Google Cloud project to deploy the API in."
}

variable "region" {
  type        = string
  description = "Region of the API function."
}

variable "name" {
  type        = string
  description = "The function's name (shared/topology.py)."
}

variable "description" {
  type        = string
  description = "What the function does, shown in the console."
  default     = "TokenMeter HTTP API (/v1): accounts, usage and costs, behind Firebase ID tokens."
}

variable "entry_point" {
  type        = string
  description = "The Python function in functions/<name>/main.py that serves HTTP requests."
}

variable "source_root" {
  type        = string
  description = "Path of the repository root (holding functions/, shared/ and requirements.txt)."
}

variable "source_bucket" {
  type        = string
  description = "Bucket the source archive is uploaded to."
}

variable "build_service_account_id" {
  type        = string
  description = "Full resource name of the service account Cloud Build uses to build the function."
}

variable "docker_repository" {
  type        = string
  description = "Artifact Registry repository the function's image is pushed to."
}

variable "cors_origin" {
  type        = string
  description = "The hosted frontend's origin (scheme://host[:port], no path), the only origin browsers may call the API from; passed as TM_CORS_ORIGIN."

  validation {
    condition     = can(regex("^https://[a-z0-9.-]+(:[0-9]+)?$", var.cors_origin)) || can(regex("^http://(localhost|127\\.0\\.0\\.1)(:[0-9]+)?$", var.cors_origin))
    error_message = "cors_origin must be an https:// origin without path or trailing slash (http://localhost is allowed for development)."
  }
}

variable "environment" {
  type        = map(string)
  description = "Environment variables besides TM_CORS_ORIGIN (which this module sets from cors_origin)."
  default     = {}

  validation {
    condition     = !contains(keys(var.environment), "TM_CORS_ORIGIN")
    error_message = "Set the CORS origin with cors_origin, not in environment."
  }
}

variable "secret_environment" {
  type        = map(string)
  description = "Environment variable name => Secret Manager secret id whose latest version it holds."
  default     = {}
}

variable "memory" {
  type        = string
  description = "Memory of one instance."
  default     = "512Mi"
}

variable "cpu" {
  type        = string
  description = "vCPUs of one instance, or null to derive from memory."
  default     = null
}

variable "timeout_seconds" {
  type        = number
  description = "How long one request may take."
  default     = 60
}

variable "min_instances" {
  type        = number
  description = "Instances kept warm (1 or more avoids cold starts on the dashboard)."
  default     = 0
}

variable "max_instances" {
  type        = number
  description = "Upper bound on instances."
  default     = 20
}

variable "max_concurrency" {
  type        = number
  description = "Requests one instance serves at once (more than 1 needs cpu of at least 1)."
  default     = 1
}

variable "labels" {
  type        = map(string)
  description = "Labels put on the function."
  default     = {}
}
