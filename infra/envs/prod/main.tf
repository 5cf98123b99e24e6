# Production: the database is protected from deletion and the API keeps a warm instance.

module "tokenmeter" {
  source = "../../modules/tokenmeter"

  project_id             = var.project_id
  env                    = "prod"
  region                 = var.region
  firestore_location     = var.firestore_location
  source_root            = "${path.module}/../../.."
  cors_origin            = var.cors_origin
  anthropic_api_base_url = var.anthropic_api_base_url
  openai_api_base_url    = var.openai_api_base_url
  settings               = var.settings
  smtp                   = var.smtp
  deletion_protection    = true

  scaling = {
    dispatcher_max_instances = 2
    collector_max_instances  = 20
    costing_max_instances    = 10
    api_min_instances        = 1
    api_max_instances        = 50
    alert_max_instances      = 10
  }
}
