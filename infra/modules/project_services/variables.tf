variable "project_id" {
  type        = string
  description = "The Google Cloud project to enable the APIs in."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6-30 lowercase letters, digits and hyphens."
  }
}

variable "services" {
  type        = list(string)
  description = "Service names of the APIs to enable."
  default = [
    "artifactregistry.googleapis.com",     # images built from the function sources
    "cloudbuild.googleapis.com",           # builds the function images
    "cloudfunctions.googleapis.com",       # Cloud Functions (2nd gen)
    "cloudresourcemanager.googleapis.com", # project lookups (project number for IAM conditions)
    "cloudscheduler.googleapis.com",       # the hourly tick
    "firestore.googleapis.com",            # accounts, usage and costs
    "iam.googleapis.com",                  # service accounts and the custom role
    "identitytoolkit.googleapis.com",      # Identity Platform: the frontend's sign-in, whose ID tokens the API verifies
    "logging.googleapis.com",              # function and build logs
    "pubsub.googleapis.com",               # the event topology
    "run.googleapis.com",                  # 2nd gen functions run on Cloud Run
    "secretmanager.googleapis.com",        # provider keys, sealing key, fingerprint pepper
    "storage.googleapis.com",              # function source archives
  ]

  validation {
    condition     = alltrue([for s in var.services : endswith(s, ".googleapis.com")])
    error_message = "Each service must be an API service name such as pubsub.googleapis.com."
  }
}
