"""Shared test setup: the package from the source tree, and the sample storage folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed seed, so it is red only for a change, never by the draw;
# elsewhere each run draws new examples (and a failure found is kept as an ``@example``).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("ROO_USAGE_CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

SAMPLES = ROOT / "tests" / "fixtures" / "samples"


@pytest.fixture
def samples() -> Path:
    """``tests/fixtures/samples``: copies of the ``roo``, ``cline`` and ``real`` samples."""
    return SAMPLES
