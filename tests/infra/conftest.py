"""Checks of infra/ that run offline (no Google provider here, so no terraform validate/plan)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: installs tools or packages on first run (checkov, a function venv); -m 'not slow' skips"
    )
