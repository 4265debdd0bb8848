"""The vendored uPlot files are the ones its README names, byte for byte."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).parents[2] / "src" / "federation_ai" / "vendor" / "uplot"


def test_vendored_files_match_their_recorded_sha256():
    readme = (VENDOR / "README.md").read_text()
    recorded = dict(re.findall(r"`(uPlot\.[\w.]+)` ([0-9a-f]{64})", readme))
    assert set(recorded) == {"uPlot.iife.min.js", "uPlot.min.css"}
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert "MIT License" in (VENDOR / "LICENSE").read_text()
    assert "(v1.6.32)" in (VENDOR / "uPlot.iife.min.js").read_text()[:200]
