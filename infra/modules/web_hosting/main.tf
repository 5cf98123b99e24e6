# The dashboard (web/): a static single-page app in a bucket behind an HTTPS load balancer with Cloud CDN,
# on the environment's own domain with a Google-managed certificate. Terraform uploads the built files
# (content-hashed names under assets/, cached for a year; index.html and config.json revalidated on each
# visit) and writes config.json, which tells the app where the API is and how people sign in. The site's
# origin is what the API allows in CORS (the environment passes the same origin to both).

locals {
  origin = "https://${var.domain}"
  name   = "tm-web"

  # Every built file but source maps (the source is public anyway; they only add upload time).
  files = toset([for f in fileset(var.dist_dir, "**") : f if !endswith(f, ".map") && f != "config.json"])

  content_types = {
    html  = "text/html; charset=utf-8"
    js    = "text/javascript; charset=utf-8"
    css   = "text/css; charset=utf-8"
    json  = "application/json"
    svg   = "image/svg+xml"
    png   = "image/png"
    ico   = "image/x-icon"
    txt   = "text/plain; charset=utf-8"
    woff2 = "font/woff2"
  }

  api_origin = regex("^https://[^/]+", var.api_base_url)

  # What the browser may load and call: our own files, the API, and Firebase Authentication's endpoints
  # (Google sign-in opens the auth domain in a popup and talks to it through an iframe).
  content_security_policy = join("; ", [
    "default-src 'self'",
    "script-src 'self' https://apis.google.com",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self' ${local.api_origin} https://identitytoolkit.googleapis.com https://securetoken.googleapis.com",
    "frame-src https://${var.firebase.auth_domain}",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ])

  config = {
    api_base_url = trimsuffix(var.api_base_url, "/")
    auth         = "firebase"
    firebase = merge(
      { apiKey = var.firebase.api_key, authDomain = var.firebase.auth_domain, projectId = var.project_id },
      var.firebase.tenant_id == null ? {} : { tenantId = var.firebase.tenant_id },
    )
  }
}

resource "google_project_service" "compute" {
  project = var.project_id
  service = "compute.googleapis.com"

  disable_on_destroy         = false
  disable_dependent_services = false
}

# ---------------------------------------------------------------------------------------------------
# The files

resource "google_storage_bucket" "site" {
  project                     = var.project_id
  name                        = "${var.project_id}-tm-web"
  location                    = var.bucket_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  force_destroy               = true # only build output lives here: `make web` makes it again
  labels                      = merge(var.labels, { app = "tokenmeter", part = "dashboard" })

  # A path that is no file is a route of the app (/explore, /settings/connections): the load balancer
  # answers it with the bucket's not-found page, index.html (status 404), and the app's router shows it.
  website {
    main_page_suffix = "index.html"
    not_found_page   = "index.html"
  }

  versioning {
    enabled = true
  }

  # A replaced or removed file is kept a week as a noncurrent version, to roll a bad build back by hand
  # (noncurrent versions are not served: a tab left open across a deploy needs a reload for pages it
  # had not opened yet).
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 7
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  # checkov:skip=CKV_GCP_62:The files are public build output written only by Terraform; the load balancer's request logs record who fetched what.
  # checkov:skip=CKV_GCP_114:A website: every visitor's browser reads these files, so public access cannot be prevented; nothing else is stored here.
}

resource "google_storage_bucket_iam_member" "public_read" {
  bucket = google_storage_bucket.site.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"

  # checkov:skip=CKV_GCP_28:The dashboard's HTML, scripts, styles and config.json (public addresses only, no secret) are downloaded by every visitor; no data lives in this bucket.
}

resource "google_storage_bucket_object" "files" {
  for_each = local.files

  bucket        = google_storage_bucket.site.name
  name          = each.value
  source        = "${var.dist_dir}/${each.value}"
  content_type  = lookup(local.content_types, lower(element(split(".", each.value), length(split(".", each.value)) - 1)), "application/octet-stream")
  cache_control = startswith(each.value, "assets/") ? "public, max-age=31536000, immutable" : "no-cache"
}

resource "google_storage_bucket_object" "config" {
  bucket        = google_storage_bucket.site.name
  name          = "config.json"
  content       = jsonencode(local.config)
  content_type  = "application/json"
  cache_control = "no-cache"

  lifecycle {
    precondition {
      condition     = fileexists("${var.dist_dir}/index.html")
      error_message = "The dashboard is not built: run `make web` (Cloud Build's test step does) before planning."
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# HTTPS in front of it

resource "google_compute_backend_bucket" "site" {
  project     = google_project_service.compute.project
  name        = local.name
  description = "The TokenMeter dashboard's files."
  bucket_name = google_storage_bucket.site.name
  enable_cdn  = true

  cdn_policy {
    cache_mode = "USE_ORIGIN_HEADERS" # the objects' Cache-Control: assets a year, index.html and config.json revalidated
  }

  custom_response_headers = [
    "Strict-Transport-Security: max-age=31536000; includeSubDomains",
    "Content-Security-Policy: ${local.content_security_policy}",
    "X-Content-Type-Options: nosniff",
    "X-Frame-Options: DENY",
    "Referrer-Policy: no-referrer",
  ]
}

resource "google_compute_global_address" "site" {
  project = google_project_service.compute.project
  name    = local.name
}

resource "google_compute_managed_ssl_certificate" "site" {
  project = google_project_service.compute.project
  name    = "${local.name}-cert"

  managed {
    domains = [var.domain]
  }
}

resource "google_compute_ssl_policy" "site" {
  project         = google_project_service.compute.project
  name            = "${local.name}-tls"
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_url_map" "https" {
  project         = google_project_service.compute.project
  name            = local.name
  description     = "Every path of ${var.domain} to the dashboard's bucket."
  default_service = google_compute_backend_bucket.site.id
}

resource "google_compute_target_https_proxy" "site" {
  project          = google_project_service.compute.project
  name             = local.name
  url_map          = google_compute_url_map.https.id
  ssl_certificates = [google_compute_managed_ssl_certificate.site.id]
  ssl_policy       = google_compute_ssl_policy.site.id
}

resource "google_compute_global_forwarding_rule" "https" {
  project               = google_project_service.compute.project
  name                  = "${local.name}-https"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.site.address
  port_range            = "443"
  target                = google_compute_target_https_proxy.site.id
}

# Plain HTTP only redirects to HTTPS.
resource "google_compute_url_map" "http" {
  project     = google_project_service.compute.project
  name        = "${local.name}-http"
  description = "Redirects http://${var.domain} to https."

  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  project = google_project_service.compute.project
  name    = "${local.name}-http"
  url_map = google_compute_url_map.http.id
}

resource "google_compute_global_forwarding_rule" "http" {
  project               = google_project_service.compute.project
  name                  = "${local.name}-http"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.site.address
  port_range            = "80"
  target                = google_compute_target_http_proxy.redirect.id
}
