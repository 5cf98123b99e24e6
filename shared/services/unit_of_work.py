"""Running a unit of work over an account's ledger, again when it lost a race."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from shared.ports import Contention, LedgerUnitOfWork

T = TypeVar("T")
ATTEMPTS = 6


def run_unit(
    uow: LedgerUnitOfWork,
    work: Callable[[LedgerUnitOfWork], T],
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``with uow: work(uow)``, where ``work`` reads, decides, writes and commits; run again from scratch
    (fresh reads) when another writer of the same documents got there first."""
    for attempt in range(1, attempts + 1):
        try:
            with uow:
                return work(uow)
        except Contention:
            if attempt == attempts:
                raise
            sleep(random.uniform(0, 0.05 * 2**attempt))
    raise AssertionError("unreachable")
