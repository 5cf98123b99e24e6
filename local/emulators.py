"""The Firestore and Pub/Sub emulators, started from their jars (ready in about a second).

Run as ``python -m local.emulators`` to check that they start on this machine.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

from local.procs import Proc, free_port, http_ok, wait_until


def sdk_root() -> Path:
    env = os.environ.get("CLOUDSDK_ROOT")
    if env:
        return Path(env)
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise RuntimeError(
            "gcloud is not installed: the Firestore and Pub/Sub emulators come with it "
            "(gcloud components install cloud-firestore-emulator pubsub-emulator beta)"
        )
    for candidate in (Path(os.path.realpath(gcloud)).parent.parent, Path("/usr/lib/google-cloud-sdk")):
        if (candidate / "platform").is_dir():
            return candidate
    out = subprocess.run(
        [gcloud, "info", "--format=value(installation.sdk_root)"], capture_output=True, text=True, check=True
    )
    return Path(out.stdout.strip())


@dataclass
class Emulators:
    firestore_host: str
    pubsub_host: str
    procs: list[Proc]

    def env(self) -> dict[str, str]:
        return {"FIRESTORE_EMULATOR_HOST": self.firestore_host, "PUBSUB_EMULATOR_HOST": self.pubsub_host}

    def reset_firestore(self, project: str) -> None:
        url = f"http://{self.firestore_host}/emulator/v1/projects/{project}/databases/(default)/documents"
        httpx.delete(url, timeout=10).raise_for_status()

    def stop(self) -> None:
        for p in self.procs:
            p.stop()


def start_emulators(
    log_dir: Path, firestore_port: int | None = None, pubsub_port: int | None = None, heap: str = "512m"
) -> Emulators:
    """Start both emulators on loopback and wait until they answer."""
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is not installed: the emulators need a Java 17 runtime")
    sdk = sdk_root()
    log_dir.mkdir(parents=True, exist_ok=True)
    fs_port = firestore_port or free_port()
    ps_port = pubsub_port or free_port()
    fs_jar = sdk / "platform/cloud-firestore-emulator/cloud-firestore-emulator.jar"
    ps_jars = sorted(glob.glob(str(sdk / "platform/pubsub-emulator/lib/cloud-pubsub-emulator-*-all.jar")))
    if not fs_jar.exists() or not ps_jars:
        raise RuntimeError(f"emulator jars not found under {sdk}/platform")
    fs = Proc(
        "firestore-emulator",
        [
            java,
            f"-Xmx{heap}",
            "-cp",
            str(fs_jar),
            "com.google.cloud.datastore.emulator.firestore.CloudFirestore",
            "start",
            "--host=127.0.0.1",
            f"--port={fs_port}",
        ],
        log_path=log_dir / "firestore-emulator.log",
    )
    ps = Proc(
        "pubsub-emulator",
        [java, f"-Xmx{heap}", "-jar", ps_jars[-1], "--host=127.0.0.1", f"--port={ps_port}"],
        log_path=log_dir / "pubsub-emulator.log",
    )
    emulators = Emulators(f"127.0.0.1:{fs_port}", f"127.0.0.1:{ps_port}", [fs, ps])
    try:
        wait_until(http_ok(f"http://127.0.0.1:{fs_port}/"), 60, "Firestore emulator", fs)
        wait_until(http_ok(f"http://127.0.0.1:{ps_port}/"), 60, "Pub/Sub emulator", ps)
    except Exception:
        emulators.stop()
        raise
    return emulators


if __name__ == "__main__":
    emu = start_emulators(Path(".local/logs"))
    print("Firestore", emu.firestore_host, "Pub/Sub", emu.pubsub_host)
    emu.stop()
