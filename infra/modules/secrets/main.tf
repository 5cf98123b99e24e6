# Secret Manager secrets the stack itself needs (not the per-account ones, which the API creates at run
# time as tm-account-*). Terraform creates the secrets but never their values, so no key material ever
# sits in Terraform state: add the first version by hand (infra/README.md, "Bootstrap").

resource "google_secret_manager_secret" "this" {
  for_each = var.secrets

  project   = var.project_id
  secret_id = each.key
  labels    = var.labels

  annotations = {
    purpose = each.value.description
  }

  replication {
    auto {}
  }
}
