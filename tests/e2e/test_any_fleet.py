"""Property (hypothesis): whatever the API serves in the records, the whole tool holds up.

Random fleets — any JSON type in any field, lone surrogates, NaN, secrets, huge numbers —
are served by the sandbox over real HTTP and go through the real CLI: ``fetch`` writes a
baseline, ``audit --baseline`` runs every policy of the bundled pack, the drift engine and
every report format, ``diff`` compares the two snapshots and ``snapshot approve --from``
copies one. Nothing may crash (an "internal error" is exit 2, so every run must exit 0),
and the counts must add up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.cli import cli
from auditor.redact import forget_secrets
from auditor.sandbox.data import generate_fleet
from auditor.sandbox.server import RunningSandbox, start_sandbox
from auditor.snapshot import read_snapshot

SAMPLE = generate_fleet(3, seed=11)
FIELDS = sorted({key for record in SAMPLE for key in record} - {"id", "uuid"})
ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\ud800",
        "a\udfffb",
        "é🎧",
        "\x00\x1b[31m",
        "<script>alert(1)</script>",
        "::error::x",
        "line\nbreak",
        "password=hunter2hunter2\ud83c",
        "api_key=sk-abcdefghijklmnopqrstuvwx\udc80yz",
        "x" * 3000,
    ]
)
CHARS = st.characters() | st.sampled_from(["\ud800", "\udfff", "\ud83c", "\x00", "\x1b", "\u202e"])
TEXT = st.lists(CHARS, max_size=8).map("".join)
"""Any text, lone surrogates included (``st.text`` never draws them)."""
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
    | ODD_TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT | ODD_TEXT, inner, max_size=3),
    max_leaves=8,
)
RECORD = st.dictionaries(
    st.sampled_from(FIELDS) | TEXT,
    VALUES,
    max_size=8,
)
UUIDS = TEXT.filter(lambda u: u.strip() != "")


@st.composite
def fleets(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Records keyed by unique uuids and ids (the fetch rejects anything else)."""
    uuids = draw(st.lists(UUIDS, unique=True, max_size=4))
    records = []
    for number, uuid in enumerate(uuids, start=1):
        base = dict(draw(st.sampled_from(SAMPLE))) if draw(st.booleans()) else {}
        base.update(draw(RECORD))
        base["id"] = number
        base["uuid"] = uuid
        records.append(base)
    return records


@pytest.fixture(scope="module")
def server() -> Iterator[RunningSandbox]:
    with start_sandbox(count=0) as running:
        yield running


def auditor(*args: str) -> Result:
    forget_secrets()
    result = CliRunner().invoke(cli, list(args))
    assert "internal error" not in result.stderr, result.stderr
    assert result.exit_code == 0, (args, result.output)
    return result


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(before=fleets(), after=fleets())
def test_any_fleet_through_fetch_audit_diff_and_approve(
    server: RunningSandbox,
    tmp_path: Path,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
) -> None:
    for stale in tmp_path.iterdir():
        stale.unlink()
    api = ["--base-url", server.base_url, "--api-key", server.api_key]
    baseline, tonight = tmp_path / "baseline.json", tmp_path / "tonight.json"

    server.set_fleet(before)
    auditor("fetch", "-o", str(baseline), *api)
    assert len(read_snapshot(baseline).assistants) == len(before)

    server.set_fleet(after)
    reports = []
    for fmt, name in [
        ("json", "r.json"),
        ("html", "r.html"),
        ("markdown", "r.md"),
        ("junit", "r.xml"),
        ("sarif", "r.sarif"),
        ("github", "r.github"),
        ("text", "r.txt"),
    ]:
        reports += ["--format", fmt, "-o", str(tmp_path / name)]
    auditor("audit", *api, "--baseline", str(baseline), *reports)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    summary = report["summary"]
    assert summary["assistants"] == len(after)
    old = {r["uuid"] for r in before}
    new = {r["uuid"] for r in after}
    assert summary["drift"]["added"] == len(new - old)
    assert summary["drift"]["removed"] == len(old - new)
    assert summary["drift"]["changed"] <= len(old & new)

    auditor("fetch", "-o", str(tonight), *api)
    diffed = auditor("diff", str(baseline), str(tonight), "--format", "json", "-o", "-")
    assert json.loads(diffed.stdout)["summary"]["drift"] == summary["drift"]

    copy = tmp_path / "approved.json"
    auditor("snapshot", "approve", "--from", str(tonight), "-o", str(copy))
    assert copy.read_bytes() == tonight.read_bytes()
