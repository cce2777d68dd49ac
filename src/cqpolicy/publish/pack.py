"""Pack the package into the one file people download: ``dist/<name>-<version>.zip``.

The zip holds ``datapackage.json``, every file its resources name, the README,
the licence and the changelog, under one top folder ``<name>-<version>/``.
Entries are sorted and carry a fixed timestamp, so packing twice gives the same bytes.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cqpolicy.atomic import Transaction, directory_lock
from cqpolicy.errors import InputError

#: Files beside datapackage.json that go into the zip when present.
EXTRA_FILES = ("README.md", "LICENSE.md", "CHANGELOG.md")
_FIXED_TIME = (2022, 1, 25, 0, 0, 0)


@dataclass(frozen=True)
class PackResult:
    """What was packed."""

    path: Path
    files: tuple[str, ...]


def pack_package(root: Path = Path("."), dist: Path | None = None) -> PackResult:
    """Write ``dist/<name>-<version>.zip`` from the package in ``root``.

    Raises:
        InputError: if ``datapackage.json`` or a file it names is missing.
    """
    descriptor_path = root / "datapackage.json"
    if not descriptor_path.is_file():
        raise InputError("no datapackage.json here; run `cqpolicy build` first", path=root)
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    top = f"{descriptor['name']}-{descriptor['version']}"
    names = ["datapackage.json"]
    for resource in descriptor["resources"]:
        path = resource["path"]
        if not (root / path).is_file():
            raise InputError(
                f"resource {resource['name']} names {path}, which is missing", path=descriptor_path
            )
        names.append(path)
    names.extend(name for name in EXTRA_FILES if (root / name).is_file())
    dist = dist or root / "dist"
    target = dist / f"{top}.zip"
    with directory_lock(dist, "pack"), Transaction(dist) as txn:  # all or nothing, even under SIGKILL
        with zipfile.ZipFile(txn.path(target.name), "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(names):
                info = zipfile.ZipInfo(f"{top}/{name}", date_time=_FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, (root / name).read_bytes())
        txn.commit()
    return PackResult(path=target, files=tuple(sorted(names)))
