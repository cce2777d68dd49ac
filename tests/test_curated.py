"""Malformed curated files fail the build with the file, the line and what to fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cqpolicy.build import build_package
from cqpolicy.errors import RegisterError


def edit_register(old: str, new: str) -> Callable[[Path], None]:
    def apply(sources: Path) -> None:
        path = sources / "agencies.csv"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


CASES = [
    (
        "unknown-type",
        edit_register(",cpc-organ,", ",party-organ,"),
        "agencies.csv, line 3: agency_type 'party-organ'",
    ),
    ("bad-slug", edit_register("yuzhong-district,", "Yuzhong_District,"), "must be a lowercase ASCII slug"),
    (
        "duplicate-id",
        edit_register("nanan-district,", "jiangbei-district,"),
        "agency_id 'jiangbei-district' is listed twice",
    ),
    (
        "alias-collision",
        edit_register("市发展改革委,市发改委,", "市发展改革委,市财政局,"),
        "the name '市财政局' belongs to both",
    ),
    (
        "bad-boolean",
        edit_register(",false,municipal-department,", ",yes,municipal-department,"),
        "name_en_official must be true or false",
    ),
    (
        "bad-header",
        edit_register("agency_id,name_zh,", "id,name_zh,"),
        "the header must be agency_id,name_zh",
    ),
]


@pytest.mark.parametrize(("case", "edit", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_register_is_refused(
    case: str, edit: Callable[[Path], None], message: str, sources_copy: Path, tmp_path: Path
) -> None:
    edit(sources_copy)
    with pytest.raises(RegisterError, match=message.replace("(", r"\(")) as info:
        build_package(out=tmp_path / "out", sources_dir=sources_copy)
    assert info.value.exit_code == 1
    assert not (tmp_path / "out" / "data").exists()


def test_stale_correction_is_refused(sources_copy: Path, tmp_path: Path) -> None:
    path = sources_copy / "000_75cbbf2a9912bf4b.corrections.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("49,", "48,"), encoding="utf-8")
    with pytest.raises(Exception, match="correction for line 48 expects"):
        build_package(out=tmp_path / "out", sources_dir=sources_copy)
