"""Operator commands. ``python -m shared.ops rotate-sealing-key`` rotates the key-sealing key:

1. adds a new 256-bit version to the sealing-key secret (it becomes the one that seals);
2. re-seals every stored account key under it, one account at a time;
running functions pick the new version up by themselves when they meet it, so nothing restarts.
The previous sealing-key version stays enabled; disable it in Secret Manager once the report shows no
failures (``--disable-old`` does that here).
"""

from __future__ import annotations

import argparse
import json
import sys

from shared import bootstrap
from shared.adapters.firestore import FirestoreAccountStore
from shared.security.keyvault import add_sealing_key_version, reseal_all


def rotate_sealing_key(disable_old: bool) -> int:
    cfg = bootstrap.config()
    backend = bootstrap.secret_backend()
    vault = bootstrap.secret_store()
    new_version = add_sealing_key_version(backend, cfg.sealing_key_secret)
    store = FirestoreAccountStore(bootstrap.firestore_client())
    accounts = [(a.tenant_id, a.id, a.secret_ref) for a in store.all_accounts() if a.active]

    def save(tenant_id: str, account_id: str, sealed_ref: str) -> None:
        store.update(tenant_id, account_id, {"secret_ref": sealed_ref})

    report = reseal_all(vault, accounts, save)
    disabled: list[str] = []
    if disable_old and not report.failed:
        current = vault.keyring.current_version
        for version in vault.keyring.versions:
            if version != current:
                name = f"{backend.secret_name(cfg.sealing_key_secret)}/versions/{version}"
                backend.disable_version(name)
                disabled.append(name)
    print(
        json.dumps(
            {
                "new_sealing_key_version": new_version,
                "accounts": report.accounts,
                "resealed": report.resealed,
                "already_current": report.already_current,
                "failed": report.failed,
                "disabled_versions": disabled,
            },
            indent=2,
        )
    )
    return 1 if report.failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    rotate = sub.add_parser("rotate-sealing-key", help="add a sealing-key version and re-seal every key")
    rotate.add_argument("--disable-old", action="store_true", help="disable older versions when all succeeded")
    args = parser.parse_args()
    if args.command == "rotate-sealing-key":
        sys.exit(rotate_sealing_key(args.disable_old))


if __name__ == "__main__":
    main()
