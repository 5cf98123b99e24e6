#!/usr/bin/env bash
# Static checks of infra/ with checkov, in a virtualenv of its own.
#
# checkov pins an old HCL parser that clashes with python-hcl2 8.x (used by tests/infra in the
# project's .venv), so it lives in .venv-checkov, created here on first use.
#
# Usage: tools/infra_check.sh            (from anywhere; exit 0 only if no check fails)
# Env:   CHECKOV_VENV  where the virtualenv lives (default: <repo>/.venv-checkov)
#        PYTHON        the interpreter that creates it (default: python3)
set -euo pipefail

CHECKOV_VERSION="3.3.30"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CHECKOV_VENV:-$ROOT/.venv-checkov}"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/checkov" ]] || [[ "$("$VENV/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]]; then
    echo "infra_check: installing checkov $CHECKOV_VERSION into $VENV" >&2
    "$PYTHON" -m venv "$VENV"
    log="$(mktemp)"
    if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
fi

cd "$ROOT"
# --skip-download: no Bridgecrew/Prisma platform calls (offline); --compact --quiet: failed checks only.
# The leading cd keeps file paths in the report relative to the repository.
exec "$VENV/bin/checkov" -d infra --framework terraform --skip-download --compact --quiet "$@"
