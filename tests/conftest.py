"""Shared test setup: the package from the source tree, and the sample storage folders."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

SAMPLES = ROOT / "tests" / "fixtures" / "samples"


@pytest.fixture
def samples() -> Path:
    """``tests/fixtures/samples``: copies of the ``roo``, ``cline`` and ``real`` samples."""
    return SAMPLES
