"""The repository's copy of the golden case set must match ../shared/golden when it is there."""

from __future__ import annotations

import pytest

from tests.conftest import GOLDEN_COPY, SHARED_GOLDEN


def test_copy_matches_shared() -> None:
    if not (SHARED_GOLDEN / "expected.json").is_file():
        pytest.skip("../shared/golden is not beside this clone; the copy is what we have")
    shared = sorted(p.name for p in SHARED_GOLDEN.iterdir() if p.is_file())
    assert shared == sorted(p.name for p in GOLDEN_COPY.iterdir() if p.is_file())
    for name in shared:
        assert (SHARED_GOLDEN / name).read_bytes() == (GOLDEN_COPY / name).read_bytes(), name
