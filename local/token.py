"""Print a bearer token for the local stack: `make token TENANT=name [ROLE=viewer] [USER=id]`.

While `make run` is up, the user is also made a member of the tenant with that role (membership, not
the token, decides what a user may do), creating the tenant if it does not exist yet.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from local.wiring import ROOT
from shared.domain.tenancy import ROLES, Member, Tenant
from shared.security.auth import LocalTokenIssuer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--user", default="")
    parser.add_argument("--role", default="owner", choices=ROLES)
    args = parser.parse_args()
    local_dir = Path(os.environ.get("TM_LOCAL_DIR") or ROOT / ".local").resolve()
    project = os.environ.get("GOOGLE_CLOUD_PROJECT") or "tokenmeter-local"
    user = args.user or (
        "demo-owner" if (args.tenant, args.role) == ("demo", "owner") else f"local-{args.tenant}-{args.role}"
    )
    stack_file = local_dir / "stack.json"
    if stack_file.exists():
        stack = json.loads(stack_file.read_text())
        os.environ["FIRESTORE_EMULATOR_HOST"] = stack["firestore_host"]
        try:
            from google.cloud import firestore

            from shared.adapters.firestore_tenancy import FirestoreTenantStore

            store = FirestoreTenantStore(firestore.Client(project=stack["project"]))
            now = datetime.now(UTC)
            member = Member(user, args.role, None, "make token", now)
            if not store.create_tenant(Tenant(id=args.tenant, name=args.tenant, created_at=now), member):
                store.put_member(args.tenant, member)
        except Exception as exc:  # the stack is not running: the token is still printed
            print(f"(membership not recorded: is `make run` running? {type(exc).__name__})", file=sys.stderr)
    print(LocalTokenIssuer(local_dir, project).issue(args.tenant, user_id=user))


if __name__ == "__main__":
    main()
