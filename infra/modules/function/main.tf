# One Cloud Functions (2nd gen) function: its own service account, its source archive (built here from
# the function's folder, shared/ and requirements.txt, uploaded under a name derived from its content so
# that any code change redeploys), and who may invoke it.

locals {
  # The file set is defined once, in infra/package_spec.json, and read both here and by infra/package.py
  # (which the packaging test uses to build and serve the same archive).
  spec = jsondecode(file("${path.module}/../../package_spec.json"))

  directory_files = merge([
    for src, prefix in local.spec.directories : {
      for f in fileset("${var.source_root}/${replace(src, "{name}", var.name)}", "**") :
      "${prefix}${f}" => "${var.source_root}/${replace(src, "{name}", var.name)}/${f}"
      if length(regexall(local.spec.exclude, f)) == 0
    }
  ]...)
  single_files = { for src, dest in local.spec.files : dest => "${var.source_root}/${src}" }
  files        = merge(local.directory_files, local.single_files)

  # sha256 over "<archive path> <sha256 of the file>" lines in sorted order; infra/package.py computes the
  # same value (source_hash) so the packaging test can name the archive it serves identically.
  source_hash = sha256(join("\n", [for name in sort(keys(local.files)) : "${name} ${filesha256(local.files[name])}"]))
}

resource "google_service_account" "this" {
  project      = var.project_id
  account_id   = "tm-fn-${replace(var.name, "_", "-")}" # service account ids take no underscores
  display_name = "TokenMeter function ${var.name}"
  description  = "Runtime identity of the ${var.name} function; its roles are granted where the stack is composed."
}

data "archive_file" "source" {
  type        = "zip"
  output_path = "${path.root}/.build/${var.name}-${local.source_hash}.zip"

  dynamic "source" {
    for_each = local.files
    content {
      filename = source.key
      content  = file(source.value) # text only: infra/package.py refuses binary files, so this never mangles one
    }
  }
}

resource "google_storage_bucket_object" "source" {
  bucket       = var.source_bucket
  name         = "${var.name}/${local.source_hash}.zip"
  source       = data.archive_file.source.output_path
  content_type = "application/zip"
}

# Secrets handed to the function as environment variables: the function may read those secrets, no others.
resource "google_secret_manager_secret_iam_member" "secret_environment" {
  for_each = var.secret_environment

  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.this.member
}

resource "google_cloudfunctions2_function" "this" {
  project     = var.project_id
  location    = var.region
  name        = replace(var.name, "_", "-") # Cloud Run service names (2nd gen) take no underscores
  description = var.description
  labels      = var.labels

  build_config {
    runtime           = var.runtime
    entry_point       = var.entry_point
    service_account   = var.build_service_account_id
    docker_repository = var.docker_repository

    source {
      storage_source {
        bucket = var.source_bucket
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.this.email
    available_memory                 = var.memory
    available_cpu                    = var.cpu
    timeout_seconds                  = var.timeout_seconds
    min_instance_count               = var.min_instances
    max_instance_count               = var.max_instances
    max_instance_request_concurrency = var.max_concurrency
    ingress_settings                 = var.ingress_settings
    all_traffic_on_latest_revision   = true
    # functions-framework's gunicorn serves THREADS requests at once (default 4 per CPU): match the
    # concurrency Cloud Run sends, or requests past the threads queue inside a billed instance.
    environment_variables = merge({ THREADS = tostring(var.max_concurrency) }, var.environment)

    dynamic "secret_environment_variables" {
      for_each = var.secret_environment
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest" # resolved when an instance starts: a new version reaches new instances
      }
    }
  }

  # An instance that starts before it may read its secrets fails to start.
  depends_on = [google_secret_manager_secret_iam_member.secret_environment]
}

# A 2nd gen function runs as a Cloud Run service (named like the function, with "_" turned into "-"):
# invoking it is Cloud Run's run.invoker on that service.
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = toset(var.invoker_members)

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this.service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}
