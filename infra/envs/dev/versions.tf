terraform {
  required_version = ">= 1.9"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.10"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }

  # Partial configuration: the bucket is given at init, so no project's name is written here:
  #   terraform init -backend-config=bucket=<state bucket>
  backend "gcs" {
    prefix = "tokenmeter/dev"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
