"""Print a bearer token for the local stack: `make token TENANT=name [ROLE=viewer]`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from local.wiring import ROOT
from shared.auth import ROLES, LocalTokenIssuer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--user", default="local-user")
    parser.add_argument("--role", default="owner", choices=ROLES)
    args = parser.parse_args()
    local_dir = Path(os.environ.get("TM_LOCAL_DIR") or ROOT / ".local").resolve()
    project = os.environ.get("GOOGLE_CLOUD_PROJECT") or "tokenmeter-local"
    print(LocalTokenIssuer(local_dir, project).issue(args.tenant, user_id=args.user, role=args.role))


if __name__ == "__main__":
    main()
