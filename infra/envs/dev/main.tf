# Development: small, and disposable (the database can be destroyed with the stack).

module "tokenmeter" {
  source = "../../modules/tokenmeter"

  project_id             = var.project_id
  env                    = "dev"
  region                 = var.region
  firestore_location     = var.firestore_location
  source_root            = "${path.module}/../../.."
  cors_origin            = module.web_hosting.origin
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

# The dashboard on the environment's domain; its origin is the API's CORS origin (above).
module "web_hosting" {
  source = "../../modules/web_hosting"

  project_id   = var.project_id
  domain       = var.web_domain
  dist_dir     = "${path.module}/../../../web/dist"
  api_base_url = module.tokenmeter.api_url
  firebase     = var.firebase_web
}
