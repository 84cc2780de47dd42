"""The fault matrix (issue 9) as data, shared by every command that reads the API.

Each ``FaultCase`` says how to set up the sandbox (``make_sandbox`` overrides), what to
add to the command line, and what must happen: the exit code, and for failures a regex
the one stderr line must match. ``tests/e2e/test_fault_matrix.py`` runs every case
through the real CLI (``fetch``, ``snapshot approve`` and ``audit``) against the real
sandbox over HTTP. Use the ``fast_retries`` fixture so the retrying cases take
milliseconds.

    from tests.e2e.faults import FAULT_CASES, FaultCase

    @pytest.mark.parametrize("case", FAULT_CASES, ids=lambda c: c.id)
    def test_audit_under_fault(case, make_sandbox, fast_retries): ...
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.errors import EXIT_FETCH, EXIT_OK
from auditor.sandbox.server import RunningSandbox

PAGES_3 = 250
"""A fleet of 250 is three pages at per_page=100: room for faults on later pages."""


@dataclass(frozen=True)
class FaultCase:
    """One row of the fault matrix."""

    id: str
    sandbox: Mapping[str, Any]
    """``make_sandbox(**sandbox)``: SandboxSettings fields (``count``, ``faults``, …)."""
    exit_code: int
    stderr: str = ""
    """A regex the single stderr line must match (failures); empty for successes."""
    assistants: int | None = None
    """For successes: how many assistants the result holds."""
    recovered_from: int | None = None
    """For recoveries: a status the sandbox must have sent at least once, so the row
    proves that a retry happened rather than passing without meeting its fault."""
    args: tuple[str, ...] = ()
    """Extra command-line options, e.g. ``("--timeout", "0.1")``."""
    base_url: str = "{api}"
    """``{api}`` the sandbox's base URL, ``{root}`` without ``/api``, ``{closed}`` a port
    nobody listens on."""
    api_key: str | None = "{key}"
    """``{key}`` the sandbox's key, another string for a wrong key, ``None`` for none."""
    notes: str = field(default="", compare=False)

    def cli_args(self, sandbox: RunningSandbox) -> list[str]:
        """``--base-url … [--api-key …] [args]`` for this case against ``sandbox``."""
        url = self.base_url.format(
            api=sandbox.base_url,
            root=sandbox.root_url,
            closed=f"http://127.0.0.1:{closed_port()}/api",
        )
        args = ["--base-url", url]
        if self.api_key is not None:
            args += ["--api-key", self.api_key.format(key=sandbox.api_key)]
        return [*args, *self.args]


def nested(levels: int) -> dict[str, Any]:
    """An object ``levels`` deep: ``{"x": {"x": ... {"x": 1}}}``."""
    value: dict[str, Any] = {"x": 1}
    for _ in range(levels - 1):
        value = {"x": value}
    return value


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


FAULT_CASES: tuple[FaultCase, ...] = (
    FaultCase("complete", {"count": PAGES_3}, EXIT_OK, assistants=PAGES_3),
    FaultCase(
        "empty-account",
        {"faults": ("empty-account",)},
        EXIT_OK,
        assistants=0,
        notes="0 assistants is a clean, explicit result",
    ),
    FaultCase(
        "401-wrong-key",
        {},
        EXIT_FETCH,
        r"^error: the API rejected the key \(401 Unauthenticated\) for http://\S+/api; "
        r"set INTELLIXENT_API_KEY or pass --api-key$",
        api_key="wrong-key-0123456789",
    ),
    FaultCase(
        "401-no-key",
        {},
        EXIT_FETCH,
        r"^error: no API key for http://\S+/api: set INTELLIXENT_API_KEY or pass --api-key$",
        api_key=None,
    ),
    FaultCase(
        "403-forbidden",
        {"faults": ("auth-403",)},
        EXIT_FETCH,
        r"^error: the API refused access \(403 Forbidden: This action is unauthorized\)",
    ),
    FaultCase(
        "404-wrong-base-url",
        {},
        EXIT_FETCH,
        r"^error: http://\S+/user/assistants/get not found \(404\): check --base-url "
        r"\(it should end in /api",
        base_url="{root}",
    ),
    FaultCase(
        "422-per-page-cap",
        {"faults": ("max-per-page=50",)},
        EXIT_FETCH,
        r"^error: the API rejected the request for page 1 \(422: The per page field must "
        r"not be greater than 50\); this API may not accept per_page=100$",
    ),
    FaultCase(
        "429-with-retry-after",
        {"count": PAGES_3, "rate_limit_every": 2, "retry_after": 0.01},
        EXIT_OK,
        assistants=PAGES_3,
        recovered_from=429,
    ),
    FaultCase(
        "429-without-retry-after",
        {"count": PAGES_3, "rate_limit_every": 2, "retry_after": 0},
        EXIT_OK,
        assistants=PAGES_3,
        recovered_from=429,
    ),
    FaultCase(
        "429-forever",
        {"rate_limit_every": 1, "retry_after": 0},
        EXIT_FETCH,
        r"^error: page 1 of \S+: still rate limited \(429\) after 5 tries; try again later "
        r"or lower --concurrency$",
    ),
    FaultCase(
        "429-retry-after-too-long",
        {"rate_limit_every": 1, "retry_after": 3600},
        EXIT_FETCH,
        r"^error: page 1 of \S+: the API asked to wait 3600 s before trying again",
    ),
    *(
        FaultCase(
            f"{status}-transient",
            {"count": PAGES_3, "fail_status": status, "faults": ("transient-5xx=2:2",)},
            EXIT_OK,
            assistants=PAGES_3,
            recovered_from=status,
        )
        for status in (500, 502, 503)
    ),
    *(
        FaultCase(
            f"{status}-permanent",
            {"count": PAGES_3, "fail_status": status, "fail_pages": (3,)},
            EXIT_FETCH,
            rf"^error: page 3 of \S+: the server answered {status} 5 times \(last: .+\); "
            r"try again later or lower --concurrency$",
        )
        for status in (500, 502, 503)
    ),
    FaultCase(
        "connection-refused",
        {},
        EXIT_FETCH,
        r"^error: cannot connect to http://127\.0\.0\.1:\d+/api: connection refused "
        r"\(5 times\); check --base-url and the network$",
        base_url="{closed}",
    ),
    FaultCase(
        "read-timeout",
        {"faults": ("hang=30",)},
        EXIT_FETCH,
        r"^error: page 1 of \S+: no complete answer within 0\.1 s \(5 times\); try again "
        r"later or raise --timeout$",
        args=("--timeout", "0.1"),
    ),
    FaultCase(
        "malformed-json",
        {"count": PAGES_3, "faults": ("malformed-json=2",)},
        EXIT_FETCH,
        r"^error: page 2 of \S+ is not valid JSON \(cut off or damaged at line 1, column \d+\)",
    ),
    FaultCase(
        "data-not-a-list",
        {"count": PAGES_3, "faults": ("data-not-list=3",)},
        EXIT_FETCH,
        r"^error: incomplete listing: page 3 of \S+ has no 'data' list \(a JSON object\)",
    ),
    FaultCase(
        "record-without-uuid",
        {"count": PAGES_3, "faults": ("missing-uuid=2",)},
        EXIT_FETCH,
        r"^error: incomplete listing: record 1 on page 2 of \S+ \(id 101\) has no uuid",
    ),
    FaultCase(
        "duplicate-uuid-across-pages",
        {"count": PAGES_3, "faults": ("duplicate-uuid",)},
        EXIT_FETCH,
        r"^error: incomplete listing: the fleet changed while it was read, or the API pages "
        r"unstably: uuid [0-9a-f-]{36} appears twice \(pages 1 and 3\)",
    ),
    FaultCase(
        "total-says-more",
        {"count": PAGES_3, "lie_about_total": 7},
        EXIT_FETCH,
        r"^error: incomplete listing: \S+ says total 257 but served 250 assistants on 3 pages",
    ),
    FaultCase(
        "total-says-fewer",
        {"count": PAGES_3, "lie_about_total": -7},
        EXIT_FETCH,
        r"^error: incomplete listing: \S+ says total 243 but served 250 assistants on 3 pages",
    ),
    FaultCase(
        "last-page-changes",
        {"count": PAGES_3, "faults": ("last-page-changes",)},
        EXIT_FETCH,
        r"^error: incomplete listing: the fleet changed while it was read: last_page changed "
        r"between pages of \S+ "
        r"\(page 1: 3, page \d: 4\)",
    ),
    # -- issue 15: a listing that only looks complete -----------------------------------
    FaultCase(
        "fleet-shifts-once",
        {"count": PAGES_3, "faults": ("shift-after-page=1",)},
        EXIT_OK,
        assistants=PAGES_3,
        notes="one deleted and one created after page 1: caught, read again, complete",
    ),
    FaultCase(
        "fleet-keeps-shifting",
        {"count": PAGES_3, "faults": ("shift-after-page=1:99",)},
        EXIT_FETCH,
        r"^error: incomplete listing: the fleet changed while it was read\b.+ \(read 3 times; "
        r"try again when the fleet is not being edited\)$",
    ),
    FaultCase(
        "repeated-key",
        {"count": PAGES_3, "faults": ("repeated-key=2",)},
        EXIT_FETCH,
        r"^error: incomplete listing: assistant id 101 \(record 1 on page 2 of \S+\) has "
        r"the key 'record' twice in one object",
    ),
    FaultCase(
        "uuid-differs-only-in-case",
        {
            "fleet": (
                {"id": 1, "uuid": "0b7e-aa"},
                {"id": 2, "uuid": " 0B7E-AA "},
            )
        },
        EXIT_FETCH,
        r"^error: incomplete listing: uuid 0b7e-aa appears twice \(pages 1 and 1\) as record "
        r"1 on page 1 \('0b7e-aa'\) and record 2 on page 1 \(' 0B7E-AA '\)",
    ),
    FaultCase(
        "id-as-number-and-string",
        {"fleet": ({"id": 1000, "uuid": "a"}, {"id": "1000", "uuid": "b"})},
        EXIT_FETCH,
        r"^error: incomplete listing: id 1000 appears twice \(pages 1 and 1\) as record 1 on "
        r"page 1 \(1000\) and record 2 on page 1 \('1000'\)",
    ),
    FaultCase(
        "nested-too-deep",
        {"count": PAGES_3, "faults": ("nested-deep=2",)},
        EXIT_FETCH,
        r"^error: incomplete listing: assistant id 101 \(record 1 on page 2 of \S+\): field "
        r"'variables' nests deeper than 64 levels; auditor reads at most that; fix the "
        r"assistant's data in the platform$",
    ),
    FaultCase(
        "total-beyond-the-bound",
        {"lie_about_total": 10**11},
        EXIT_FETCH,
        r"^error: incomplete listing: page 1 of \S+ says total 100000000047; auditor reads "
        r"at most 1,000,000 assistants per account; check --base-url$",
    ),
    FaultCase(
        "empty-pages-before-last-page",
        {"count": PAGES_3, "lie_about_total": 990_000},
        EXIT_FETCH,
        r"^error: incomplete listing: page \d+ of \S+ has \d+ assistants, but per_page is 100 "
        r"and last_page 9903; the API stopped before its total; run again$",
    ),
    # issue 15, transport: every request bounded, reads only from the origin named
    FaultCase(
        "same-origin-redirect",
        {"count": PAGES_3, "faults": ("redirect-same-origin",)},
        EXIT_OK,
        assistants=PAGES_3,
        recovered_from=307,
        notes="a redirect within the origin named is followed",
    ),
    FaultCase(
        "body-dripped-past-the-timeout",
        {"count": 3, "faults": ("drip=1:0.05",)},
        EXIT_FETCH,
        r"^error: page 1 of \S+: no complete answer within 0\.3 s \(5 times\); try again "
        r"later or raise --timeout$",
        args=("--timeout", "0.3"),
        notes="each byte is quick, the whole answer is not: --timeout bounds the request",
    ),
    FaultCase(
        "retry-after-forever",
        {"faults": ("retry-after-forever=0.2",)},
        EXIT_FETCH,
        r"^error: page 1 of \S+: still failing after 0\.\d+ s of retries, the retry budget "
        r"of 0\.5 s \(last: 503 Service Unavailable\); try again later or raise "
        r"--retry-budget$",
        args=("--retry-budget", "0.5"),
    ),
    FaultCase(
        "gzip-bomb",
        {"count": 3, "faults": ("gzip-bomb=1",)},
        EXIT_FETCH,
        r"^error: page 1 of \S+: the answer is more than the 64 MiB a page may hold "
        r"decompressed; check --base-url$",
    ),
    FaultCase(
        "content-length-above-the-bound",
        {"count": PAGES_3, "faults": ("content-length=2:100000000",)},
        EXIT_FETCH,
        r"^error: page 2 of \S+: the answer is 100,000,000 bytes \(Content-Length\), more "
        r"than the 64 MiB a page may hold; check --base-url$",
        notes="refused from the header, before any of the body is read",
    ),
    FaultCase(
        "content-length-then-hang-up",
        {"count": PAGES_3, "faults": ("content-length=2:9999999",)},
        EXIT_FETCH,
        r"^error: page 2 of \S+: the answer was cut off after [\d,]+ of 9,999,999 bytes "
        r"\(\d+ times\); try again later, and check the network and any proxy between "
        r"auditor and http://127\.0\.0\.1:\d+/api$",
        args=("--retry-budget", "600"),
        notes="it connected, so not 'cannot connect'; how much of the answer came is said",
    ),
    FaultCase(
        "redirect-to-another-origin",
        {"faults": ("redirect=http://localhost:9",)},
        EXIT_FETCH,
        r"^error: page 1: the API at http://127\.0\.0\.1:\d+ redirected to another origin, "
        r"http://localhost:9; not followed, as a compliance read must come from the API it "
        r"names: set --base-url to the API's own https address$",
    ),
)
"""Every row of the fault matrix, successes first (but for the rows of issue 15)."""
