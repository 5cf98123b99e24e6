"""Google Cloud list prices the cost benchmarks turn counts into dollars with (USD, no free tier applied).

Each price names where it was read and when: through the search tool's stored copies of the public pages,
on 2026-11-30. Where only a third party's transcription of the official page was available, it says so.
Re-check them before quoting a figure to a customer: list prices change.
"""

from __future__ import annotations

from dataclasses import dataclass

FOUND_ON = "2026-11-30"


@dataclass(frozen=True)
class Price:
    usd: float
    per: float
    unit: str
    source: str
    display: str = ""

    def cost(self, quantity: float) -> float:
        return quantity * self.usd / self.per

    def label(self) -> str:
        if self.display:
            return self.display
        per = f"{self.per:,.0f} " if self.per != 1 else ""
        return f"${self.usd:g}/{per}{self.unit}"


FIRESTORE = {
    # Firestore Standard edition, per location.
    "us-central1": {
        "read": Price(0.03, 100_000, "reads", "airbyte.com Firestore pricing guide quoting US regions (transcribed)"),
        "write": Price(0.09, 100_000, "writes", "same"),
        "delete": Price(0.01, 100_000, "deletes", "regional rate is a third of the multi-region one (not confirmed)"),
        "storage": Price(0.15, 1, "GiB-month", "not confirmed in the stored pages: an estimate"),
    },
    "nam5": {
        "read": Price(0.06, 100_000, "reads", "Firestore pricing page, multi-region table (older copy)"),
        "write": Price(0.18, 100_000, "writes", "same"),
        "delete": Price(0.02, 100_000, "deletes", "same"),
        "storage": Price(0.18, 1, "GiB-month", "same"),
    },
}
FIRESTORE_FREE = "free quota (per project, per day): 50,000 reads, 20,000 writes, 20,000 deletes, 1 GiB stored"

PUBSUB = Price(
    40.0, 2**40, "bytes", "cloud.google.com/pubsub/pricing (Message Delivery Basic), via a transcript", "$40/TiB"
)
PUBSUB_MIN_BYTES = 1000
"""Pub/Sub bills at least 1,000 bytes per publish request and per delivery (push or pull request)."""
PUBSUB_FREE = "first 10 GiB of throughput a month free per billing account"

SECRET_ACCESS = Price(0.03, 10_000, "access operations", "cloud.google.com/secret-manager/pricing")
SECRET_VERSION = Price(0.06, 1, "active version-month", "same; automatic replication is billed as one location")
SECRET_FREE = "6 active versions and 10,000 access operations a month free per billing account"

LOGGING = Price(
    0.50,
    2**30,
    "bytes",
    "cloud.google.com/stackdriver/pricing (Logging storage: charged once on ingestion, 30 days included)",
    "$0.50/GiB",
)
LOGGING_FREE = "first 50 GiB of logs per project per month"

RUN_REQUESTS = Price(0.40, 1_000_000, "invocations", "cloud.google.com/run/pricing (Cloud Run functions, 2nd gen)")
RUN_VCPU = Price(0.000024, 1, "vCPU-second", "same, Tier 1, CPU allocated during requests only")
RUN_MEMORY = Price(0.0000025, 1, "GiB-second", "same, Tier 1 (figure from a third-party calculator page)")
RUN_FREE = "2M requests, 180,000 vCPU-s, 360,000 GiB-s a month free per billing account"
RUN_ROUNDING_S = 0.1
"""Cloud Run bills instance time rounded up to the nearest 100 ms."""

VCPU_FOR_MEMORY_MIB = {128: 0.083, 256: 0.167, 512: 0.333, 1024: 0.583, 2048: 1.0}
"""The vCPU a function gets when infra sets only its memory (the platform derives it; functions docs table)."""
