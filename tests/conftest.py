"""Session fixtures: the real Firestore and Pub/Sub emulators, started once and stopped at the end."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def emulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from local.emulators import start_emulators

    log_dir = tmp_path_factory.mktemp("emulator-logs")
    emu = start_emulators(log_dir)
    saved = {k: os.environ.get(k) for k in emu.env()}
    os.environ.update(emu.env())
    try:
        yield emu
    finally:
        emu.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def project_id(emulators: object) -> str:
    """A fresh project id per test: the emulators keep each project's data apart."""
    return "tm-test-" + uuid.uuid4().hex[:10]


@pytest.fixture
def firestore_client(project_id: str):  # type: ignore[no-untyped-def]
    from google.cloud import firestore

    client = firestore.Client(project=project_id)
    yield client
    client.close()
