"""The real Secret Manager adapter (the client library over gRPC) against the local Secret Manager server,
and the key vault and sealing-key rotation on top of it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from local.secret_manager_server import LocalSecretManager
from shared.adapters.secret_manager import SecretManagerBackend, client_from_env
from shared.security.keyvault import (
    AccountKeyVault,
    account_secret_id,
    add_sealing_key_version,
    reseal_all,
    sealing_keyring,
)
from shared.security.sealing import SealingError

KEY = "sk-ant-admin01-" + "S" * 40 + "sm01"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalSecretManager]:
    sm = LocalSecretManager()
    sm.start()
    monkeypatch.setenv("TM_SECRET_MANAGER_EMULATOR_HOST", sm.host)
    yield sm
    sm.stop()


@pytest.fixture
def backend(server: LocalSecretManager) -> SecretManagerBackend:
    return SecretManagerBackend("proj-1", client_from_env())


def test_adapter_round_trip_over_grpc(backend: SecretManagerBackend, server: LocalSecretManager) -> None:
    assert backend.ensure_secret("s1", {"app": "t"}) == "projects/proj-1/secrets/s1"
    assert backend.ensure_secret("s1", {"app": "t"}) == "projects/proj-1/secrets/s1"  # idempotent
    v1 = backend.add_version("s1", b"one")
    v2 = backend.add_version("s1", b"two")
    assert v1.endswith("/versions/1") and v2.endswith("/versions/2")
    assert backend.access(v1) == b"one" and backend.access("projects/proj-1/secrets/s1/versions/latest") == b"two"
    backend.destroy_version(v2)
    with pytest.raises(KeyError):
        backend.access(v2)
    assert backend.enabled_versions("s1") == {1: b"one"}
    backend.delete_secret("s1")
    assert backend.enabled_versions("s1") == {}
    with pytest.raises(KeyError):
        backend.access(v1)
    assert {
        "CreateSecret",
        "AddSecretVersion",
        "AccessSecretVersion",
        "DestroySecretVersion",
        "ListSecretVersions",
        "DeleteSecret",
    } <= set(server.state.calls)


def test_vault_stores_only_sealed_values_and_binds_them_to_the_account(
    backend: SecretManagerBackend, server: LocalSecretManager
) -> None:
    vault = AccountKeyVault(backend, sealing_keyring(backend, create=True))
    ref = vault.put("t1", "acc_1", KEY)
    # what Firestore would hold: sealed, no key and no plain secret path
    assert KEY not in ref and "secrets/" not in ref and ref.startswith("tmseal1.")
    # what Secret Manager holds: sealed by us too
    stored = server.state._secrets["projects/proj-1/secrets/" + account_secret_id("t1", "acc_1")].versions[0].data
    assert KEY.encode() not in stored
    assert vault.get("t1", "acc_1", ref) == KEY
    with pytest.raises(SealingError):
        vault.get("t1", "acc_2", ref)  # moved to another account: does not open
    new_ref = vault.replace("t1", "acc_1", ref, KEY.replace("sm01", "sm02"))
    assert vault.get("t1", "acc_1", new_ref).endswith("sm02")
    with pytest.raises(KeyError):
        vault.get("t1", "acc_1", ref)  # the old version is destroyed
    vault.delete("t1", "acc_1", new_ref)
    with pytest.raises(KeyError):
        vault.get("t1", "acc_1", new_ref)


def test_sealing_key_rotation_reseals_every_key_without_downtime(backend: SecretManagerBackend) -> None:
    vault = AccountKeyVault(backend, sealing_keyring(backend, create=True))
    # Another running instance, loaded before the rotation: it must keep working after it.
    running = AccountKeyVault(backend, sealing_keyring(backend))
    refs = {f"acc_{i}": vault.put("t1", f"acc_{i}", KEY + str(i)) for i in range(3)}
    add_sealing_key_version(backend)
    saved: dict[str, str] = {}
    report = reseal_all(vault, [("t1", a, r) for a, r in refs.items()], lambda t, a, r: saved.__setitem__(a, r))
    assert (report.accounts, report.resealed, report.already_current, report.failed) == (3, 3, 0, [])
    for account_id, ref in saved.items():
        assert vault.sealed_with(ref) == 2
        assert running.get("t1", account_id, ref) == KEY + account_id[-1]  # reloads its keyring by itself
    again = reseal_all(vault, [("t1", a, r) for a, r in saved.items()], lambda t, a, r: None)
    assert again.already_current == 3 and again.resealed == 0
    assert os.environ["TM_SECRET_MANAGER_EMULATOR_HOST"]
