"""infra/ is formatted as `terraform fmt` writes it (this works offline, unlike init/validate)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.infra.infra_model import ROOT


def test_terraform_fmt_is_clean() -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("the terraform binary is not on PATH (install Terraform >= 1.9 to check formatting)")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-list=true", "infra"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Exit 3: files would change; exit 2: a syntax error.
    assert result.returncode == 0, (
        f"terraform fmt -check failed (exit {result.returncode}); run `terraform fmt -recursive infra`.\n"
        f"{result.stdout}{result.stderr}"
    )
