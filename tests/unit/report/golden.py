"""Golden files: compare a rendering with ``tests/data/golden/NAME``.

``AUDITOR_UPDATE_GOLDEN=1 pytest tests/unit/report`` rewrites them; review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"


def assert_golden(name: str, got: str) -> None:
    """``got`` equals the golden file ``name`` byte for byte (or rewrites it when asked)."""
    path = GOLDEN / name
    if os.environ.get("AUDITOR_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(got.encode("utf-8"))
    assert path.exists(), f"no golden file {path}; run with AUDITOR_UPDATE_GOLDEN=1 to create it"
    want = path.read_bytes().decode("utf-8")
    assert got == want, (
        f"{name} differs from its golden file; if intended, re-run with AUDITOR_UPDATE_GOLDEN=1"
    )
