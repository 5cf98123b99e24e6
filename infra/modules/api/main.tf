# The HTTP API function as a public HTTPS endpoint. Anyone may reach it (allUsers holds run.invoker):
# every request is authenticated in the code, by verifying the caller's Firebase / Identity Platform ID
# token, because the hosted frontend's users have no Google Cloud identity to invoke it with. The
# browser calls it cross-origin, from the one origin the code allows (TM_CORS_ORIGIN).

module "function" {
  source = "../function"

  project_id               = var.project_id
  region                   = var.region
  name                     = var.name
  description              = var.description
  entry_point              = var.entry_point
  source_root              = var.source_root
  source_bucket            = var.source_bucket
  build_service_account_id = var.build_service_account_id
  docker_repository        = var.docker_repository
  memory                   = var.memory
  cpu                      = var.cpu
  timeout_seconds          = var.timeout_seconds
  min_instances            = var.min_instances
  max_instances            = var.max_instances
  max_concurrency          = var.max_concurrency
  labels                   = var.labels

  # checkov:skip=CKV_GCP_124:The API is the product's public endpoint, called from browsers; every request is authenticated by ID token in the code.
  ingress_settings = "ALLOW_ALL"
  invoker_members  = ["allUsers"]

  environment = merge(var.environment, {
    TM_CORS_ORIGIN = var.cors_origin
  })
  secret_environment = var.secret_environment
}
