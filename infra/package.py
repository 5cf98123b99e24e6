"""Build a function's source archive the way infra/modules/function does.

Terraform builds each function's zip with ``archive_file`` from the file set described in
``infra/package_spec.json``; this module reads the same spec, so the packaging test serves exactly the
files a deployment would upload. It also computes the same content hash Terraform names the archive
by (``local.source_hash`` in infra/modules/function/main.tf):

    sha256 of the lines "<path in archive> <sha256 hex of the file>", sorted by path, joined by "\\n"

Usage: python infra/package.py NAME [--out DIR]   (prints the archive path and its source hash)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = Path(__file__).resolve().parent / "package_spec.json"

# A fixed timestamp keeps the archive's bytes a function of its contents alone.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackagingError(ValueError):
    """The function cannot be packaged as Terraform would (missing folder, binary file...)."""


def load_spec() -> dict[str, object]:
    spec: dict[str, object] = json.loads(SPEC_PATH.read_text())
    return spec


def _fileset(directory: Path) -> list[str]:
    """Every regular file under ``directory``, as a /-separated relative path (Terraform's fileset "**")."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def archive_members(name: str, root: Path = ROOT) -> dict[str, Path]:
    """Path inside the archive => file on disk, for function ``name``."""
    spec = load_spec()
    exclude = re.compile(str(spec["exclude"]))
    directories = spec["directories"]
    files = spec["files"]
    assert isinstance(directories, dict) and isinstance(files, dict)

    members: dict[str, Path] = {}
    for src, prefix in directories.items():
        directory = root / src.replace("{name}", name)
        if not directory.is_dir():
            raise PackagingError(f"{directory} does not exist")
        for rel in _fileset(directory):
            if not exclude.search(rel):
                members[f"{prefix}{rel}"] = directory / rel
    for src, dest in files.items():
        path = root / src
        if not path.is_file():
            raise PackagingError(f"{path} does not exist")
        members[dest] = path
    return members


def _read_text_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        # Terraform's file() reads UTF-8 text only: a binary file would be refused (or mangled) there.
        raise PackagingError(f"{path} is not UTF-8 text; Terraform's archive_file cannot carry it") from None
    return data


def source_hash(members: dict[str, Path]) -> str:
    lines = [f"{name} {hashlib.sha256(members[name].read_bytes()).hexdigest()}" for name in sorted(members)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def build_zip(name: str, out_dir: Path, root: Path = ROOT) -> tuple[Path, str]:
    """Write ``<out_dir>/<name>-<hash>.zip`` and return its path and the source hash."""
    members = archive_members(name, root)
    digest = source_hash(members)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}-{digest}.zip"
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member in sorted(members):
            info = zipfile.ZipInfo(member, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, _read_text_bytes(members[member]))
    tmp.replace(target)
    return target, digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="function name (its folder under functions/)")
    parser.add_argument("--out", type=Path, default=ROOT / ".local" / "packages", help="output directory")
    args = parser.parse_args()
    path, digest = build_zip(args.name, args.out)
    print(f"{path} {digest}")


if __name__ == "__main__":
    main()
