# TokenMeter. `make help` lists the targets. Every setting below can be overridden from the environment.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PROJECT_ID ?= tokenmeter-local
API_PORT ?= 8080
SIMULATOR_PORT ?= 8790
OPENAI_SIMULATOR_PORT ?= 8791
WEB_PORT ?= 8081
FIRESTORE_PORT ?=
PUBSUB_PORT ?=
SCHEDULER_INTERVAL_SECONDS ?= 3600
TM_LOCAL_DIR ?= $(CURDIR)/.local
ANTHROPIC_API_BASE_URL ?=
OPENAI_API_BASE_URL ?=
DEMO_ANTHROPIC_ADMIN_KEY ?=
DEMO_OPENAI_ADMIN_KEY ?=
DEMO_TENANT ?= demo
DEMO_PATTERNS ?=
TENANT ?= demo
ROLE ?= owner
USER_ID ?=
ENV ?= dev
PYTEST_ARGS ?=
BENCH_ARGS ?=

export GOOGLE_CLOUD_PROJECT := $(PROJECT_ID)
export API_PORT WEB_PORT SIMULATOR_PORT OPENAI_SIMULATOR_PORT FIRESTORE_PORT PUBSUB_PORT SCHEDULER_INTERVAL_SECONDS
export TM_LOCAL_DIR ANTHROPIC_API_BASE_URL OPENAI_API_BASE_URL DEMO_ANTHROPIC_ADMIN_KEY DEMO_OPENAI_ADMIN_KEY DEMO_TENANT DEMO_PATTERNS

.DEFAULT_GOAL := help
.PHONY: help install run test lint typecheck token bench bench-costing bench-cold-start bench-ingest bench-dashboard \
	bench-dashboard-browser bench-cost bench-dispatcher plan deploy infra-check clean rotate-sealing-key missing-models \
	web web-client browser

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed ## Create the virtualenv and install the pinned dependencies

# The dashboard (web/): npm ci from the lockfile when it changes, a Vite build when a source changes.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

web/node_modules/.installed: web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20+ and npm are needed to build the dashboard (web/)"; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run --silent build

web: web/dist/index.html ## Build the dashboard (web/dist) from the lockfile

web-client: install web/node_modules/.installed ## Regenerate the dashboard's typed API client from build_openapi()
	$(PY) -m local.web_client

browser: ## Install Debian's chromium for the browser tests when it is missing (needs root, as CI is)
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

run: install web ## Start the whole local stack and the dashboard with a demo tenant; Ctrl-C stops it
	$(PY) -m local.stack

test: install web browser ## Lint, type-check and run every test, the browser's too (starts and stops the emulators itself)
	$(VENV)/bin/ruff check shared functions local tests bench infra
	$(VENV)/bin/ruff format --check shared functions local tests bench infra
	$(VENV)/bin/mypy
	cd web && npm test --silent
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install ## Ruff lint and format check
	$(VENV)/bin/ruff check shared functions local tests bench
	$(VENV)/bin/ruff format --check shared functions local tests bench

typecheck: install ## mypy --strict on shared/ and functions/
	$(VENV)/bin/mypy

token: install ## Print a bearer token for the local stack: make token TENANT=name [ROLE=viewer]
	@$(PY) -m local.token --tenant "$(TENANT)" --role "$(ROLE)" --user "$(USER_ID)"

MODELS ?=
DAY ?=
missing-models: install ## Models seen in usage with no price: make missing-models MODELS=<file of "provider model" lines> [DAY=YYYY-MM-DD] (or pipe them in); fails when any
	@$(PY) -m shared.pricing.catalogue missing-models $(if $(DAY),--day $(DAY)) $(MODELS)

bench: bench-costing bench-cold-start bench-ingest bench-dashboard bench-dashboard-browser bench-cost bench-dispatcher ## Run every benchmark (they print figures; BENCH_ARGS=--small for a smoke run)

bench-costing: install ## Costing CPU beside genai-prices' calc_price (1M rows)
	$(PY) -m bench.costing $(BENCH_ARGS)

bench-cold-start: install ## Each function's import and first-build time, and the clients it loads
	$(PY) -m bench.cold_start $(BENCH_ARGS)

bench-ingest: install ## A 180-day import through collector and costing beside the emulator's raw write rate
	$(PY) -m bench.ingest $(BENCH_ARGS)

bench-dashboard: install ## 30/180/365-day usage summaries: latency and documents read, in process and over HTTP
	$(PY) -m bench.dashboard $(BENCH_ARGS)

bench-cost: install ## Cloud cost of one account per hourly sync and month, and of its history import
	$(PY) -m bench.cost_per_account $(BENCH_ARGS)

bench-dispatcher: install ## One tick over 10,000 and 100,000 due accounts (minutes; BENCH_ARGS="--accounts N")
	$(PY) -m bench.dispatcher $(BENCH_ARGS)

bench-dashboard-browser: install web browser ## The dashboard in headless chromium: time to interactive and a 180-day explore
	$(PY) -m bench.dashboard_browser $(BENCH_ARGS)

STATE_BUCKET ?=
TF = terraform -chdir=infra/envs/$(ENV)

plan: ## Terraform plan for ENV=dev|prod: make plan ENV=dev STATE_BUCKET=<state bucket>
	@test -n "$(STATE_BUCKET)" || { echo "STATE_BUCKET=<terraform state bucket> is required (infra/README.md)"; exit 1; }
	@test -f infra/envs/$(ENV)/terraform.tfvars || { echo "copy infra/envs/$(ENV)/terraform.tfvars.example to terraform.tfvars"; exit 1; }
	$(TF) init -input=false -backend-config=bucket=$(STATE_BUCKET)
	$(TF) plan -input=false -out=tfplan

deploy: plan ## Apply that plan: make deploy ENV=dev STATE_BUCKET=<state bucket>
	$(TF) apply -input=false tfplan

infra-check: ## checkov on infra/ (own virtualenv .venv-checkov)
	tools/infra_check.sh

rotate-sealing-key: install ## Add a sealing-key version and re-seal every stored key (GOOGLE_CLOUD_PROJECT, credentials)
	$(PY) -m shared.ops rotate-sealing-key

clean: ## Remove the virtualenv and local state
	rm -rf $(VENV) .venv-checkov .local .pytest_cache .mypy_cache .ruff_cache .artifacts web/node_modules web/dist
