"""The real Secret Manager adapter (the client library over gRPC) against the local Secret Manager server,
and the sealed key store and sealing-key rotation on top of it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from local.secret_manager_server import LocalSecretManager
from shared.adapters.secret_manager import SecretManagerBackend, client_from_env
from shared.security.keyvault import SealedKeyStore, add_sealing_key_version, reseal_all, sealing_keyring
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
    assert backend.enabled_versions("s1") == {1: b"one", 2: b"two"}
    backend.disable_version(v1)
    assert backend.enabled_versions("s1") == {2: b"two"}
    assert backend.enabled_versions("nothing") == {}
    with pytest.raises(KeyError):
        backend.access("projects/proj-1/secrets/nothing/versions/1")
    assert {"CreateSecret", "AddSecretVersion", "AccessSecretVersion", "ListSecretVersions"} <= set(server.state.calls)


def test_keys_are_stored_sealed_bound_to_their_account_and_open_only_with_the_keyring(
    backend: SecretManagerBackend, server: LocalSecretManager
) -> None:
    vault = SealedKeyStore(sealing_keyring(backend, create=True))
    ref = vault.put("t1", "acc_1", KEY)
    # What Firestore holds: the key sealed (AES-256-GCM), no fragment of it in clear.
    assert ref.startswith("tmseal1.") and KEY not in ref and KEY[15:45] not in ref and KEY[-20:] not in ref
    assert vault.get("t1", "acc_1", ref) == KEY
    with pytest.raises(SealingError):
        vault.get("t1", "acc_2", ref)  # moved to another account: does not open
    with pytest.raises(SealingError):
        vault.get("t2", "acc_1", ref)  # nor in another tenant
    tampered = ref[:-2] + ("AA" if not ref.endswith("AA") else "BB")
    with pytest.raises(SealingError):
        vault.get("t1", "acc_1", tampered)
    new_ref = vault.replace("t1", "acc_1", ref, KEY.replace("sm01", "sm02"))
    assert vault.get("t1", "acc_1", new_ref).endswith("sm02") and new_ref != ref
    # Secret Manager holds the keyring only: no account key, sealed or not, lives there.
    assert list(server.state._secrets) == ["projects/proj-1/secrets/tm-sealing-key"]
    # Without that keyring (a copy of Firestore alone), nothing opens: another keyring is another key.
    stranger = SealedKeyStore(sealing_keyring(SecretManagerBackend("proj-2", client_from_env()), create=True))
    with pytest.raises(SealingError):
        stranger.get("t1", "acc_1", new_ref)


def test_sealing_key_rotation_reseals_every_key_without_downtime(backend: SecretManagerBackend) -> None:
    vault = SealedKeyStore(sealing_keyring(backend, create=True))
    # Another running instance, loaded before the rotation: it must keep working after it.
    running = SealedKeyStore(sealing_keyring(backend))
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
