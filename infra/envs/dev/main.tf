# Development: small, and disposable (the database can be destroyed with the stack).

module "tokenmeter" {
  source = "../../modules/tokenmeter"

  project_id             = var.project_id
  env                    = "dev"
  region                 = var.region
  firestore_location     = var.firestore_location
  source_root            = "${path.module}/../../.."
  cors_origin            = var.cors_origin
  anthropic_api_base_url = var.anthropic_api_base_url
  openai_api_base_url    = var.openai_api_base_url
  settings               = var.settings
  smtp                   = var.smtp
  deletion_protection    = false

  scaling = {
    dispatcher_max_instances = 1
    collector_max_instances  = 3
    costing_max_instances    = 3
    api_min_instances        = 0
    api_max_instances        = 5
    alert_max_instances      = 2
  }
}
