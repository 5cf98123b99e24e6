variable "project_id" {
  type        = string
  description = "The Google Cloud project to deploy the function in."
}

variable "region" {
  type        = string
  description = "Region of the function (and of its Cloud Run service)."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "name" {
  type        = string
  description = "The function's name: its folder under functions/ and its name in shared/topology.py."

  validation {
    condition     = can(regex("^[a-z][a-z0-9_-]{0,22}[a-z0-9]$", var.name))
    error_message = "name must be 2-24 lowercase letters, digits, underscores or hyphens, starting with a letter (its service account id is tm-fn-<name>, at most 30 characters)."
  }
}

variable "description" {
  type        = string
  description = "What the function does, shown in the console."
  default     = ""
}

variable "entry_point" {
  type        = string
  description = "The Python function in functions/<name>/main.py that the platform calls."

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.entry_point))
    error_message = "entry_point must be a Python identifier."
  }
}

variable "runtime" {
  type        = string
  description = "Cloud Functions runtime."
  default     = "python311"

  validation {
    condition     = can(regex("^python3[0-9]+$", var.runtime))
    error_message = "runtime must be a Python runtime such as python311."
  }
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
  description = "Full resource name (projects/<project>/serviceAccounts/<email>) of the service account Cloud Build uses to build the function."

  validation {
    condition     = can(regex("^projects/[^/]+/serviceAccounts/[^/]+@[^/]+$", var.build_service_account_id))
    error_message = "build_service_account_id must look like projects/<project>/serviceAccounts/<email>."
  }
}

variable "docker_repository" {
  type        = string
  description = "Artifact Registry repository (projects/<project>/locations/<region>/repositories/<id>) the function's image is pushed to."

  validation {
    condition     = can(regex("^projects/[^/]+/locations/[^/]+/repositories/[^/]+$", var.docker_repository))
    error_message = "docker_repository must look like projects/<project>/locations/<region>/repositories/<id>."
  }
}

variable "memory" {
  type        = string
  description = "Memory of one instance, such as 256Mi or 1Gi."
  default     = "256Mi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.memory))
    error_message = "memory must be a quantity such as 256Mi or 1Gi."
  }
}

variable "cpu" {
  type        = string
  description = "vCPUs of one instance (\"0.583\", \"1\", \"2\"...); null lets the platform derive it from memory."
  default     = null

  validation {
    condition     = var.cpu == null || can(tonumber(var.cpu))
    error_message = "cpu must be a number written as a string, or null."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "How long one invocation may run."
  default     = 60

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 3600
    error_message = "timeout_seconds must be between 1 and 3600."
  }
}

variable "min_instances" {
  type        = number
  description = "Instances kept warm (0 scales to zero)."
  default     = 0

  validation {
    condition     = var.min_instances >= 0 && var.min_instances <= 100
    error_message = "min_instances must be between 0 and 100."
  }
}

variable "max_instances" {
  type        = number
  description = "Upper bound on instances: caps cost and the load put on Firestore and the providers."
  default     = 10

  validation {
    condition     = var.max_instances >= 1 && var.max_instances <= 1000
    error_message = "max_instances must be between 1 and 1000."
  }
}

variable "max_concurrency" {
  type        = number
  description = "Requests one instance serves at once (more than 1 needs at least 1 vCPU)."
  default     = 1

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 1000
    error_message = "max_concurrency must be between 1 and 1000."
  }

  validation {
    condition     = var.max_concurrency == 1 || try(tonumber(var.cpu) >= 1, false)
    error_message = "max_concurrency above 1 needs cpu set to at least \"1\"."
  }
}

variable "ingress_settings" {
  type        = string
  description = "Who can reach the function over the network: ALLOW_INTERNAL_ONLY for push-triggered functions (Pub/Sub push in the same project counts as internal), ALLOW_ALL for the public API."
  default     = "ALLOW_INTERNAL_ONLY"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress_settings)
    error_message = "ingress_settings must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "invoker_members" {
  type        = list(string)
  description = "IAM members allowed to invoke the function (roles/run.invoker), such as serviceAccount:push@... or allUsers."
  default     = []

  validation {
    condition     = alltrue([for m in var.invoker_members : m == "allUsers" || can(regex("^(serviceAccount|user|group):.+@.+$", m))])
    error_message = "Each invoker must be allUsers or serviceAccount:/user:/group: followed by an email."
  }
}

variable "environment" {
  type        = map(string)
  description = "Plain environment variables (the settings shared/config.py reads)."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.environment) : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "Environment variable names must be upper case letters, digits and underscores."
  }

  validation {
    condition     = length(setintersection(keys(var.environment), ["PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION", "FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE"])) == 0
    error_message = "PORT, K_SERVICE, K_REVISION, K_CONFIGURATION, FUNCTION_TARGET and FUNCTION_SIGNATURE_TYPE are reserved by the platform."
  }
}

variable "secret_environment" {
  type        = map(string)
  description = "Environment variable name => Secret Manager secret id (in this project) whose latest version the variable holds. The function is granted access to exactly these secrets."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.secret_environment) : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "Environment variable names must be upper case letters, digits and underscores."
  }

  validation {
    condition     = length(setintersection(keys(var.secret_environment), keys(var.environment))) == 0
    error_message = "A variable cannot be both in environment and in secret_environment."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels put on the function."
  default     = {}
}
