"""An Intellixent-compatible API over real HTTP, with faults on demand.

It implements the one endpoint auditor reads, as SPEC §1 describes and as the Laravel
application behind the real API answers:

``GET /api/user/assistants/get?per_page=N&page=P`` with ``Authorization: Bearer KEY``

* 200: ``{"current_page", "data", "first_page_url", "from", "last_page",
  "last_page_url", "next_page_url", "path", "per_page", "prev_page_url", "to",
  "total"}``; records sorted by id; a page past the last one has empty ``data``.
* 401 ``{"message": "Unauthenticated."}`` for a missing or wrong key.
* 422 ``{"message", "errors": {"per_page": […]}}`` for ``per_page`` outside 1–100 or
  not an integer, or ``page`` below 1 or not an integer. ``per_page`` defaults to 10.
* 404 (JSON) for any other path, 405 for any other method.

Fault injection (``SandboxSettings``; ``auditor sandbox --help``): latency, every Nth
request rate limited (429, with ``Retry-After`` unless ``retry_after`` is 0), pages that
always fail, a seeded fraction of transient 5xx, a lying ``total``, and the named faults
in ``FAULTS``. Used in-process by tests and the demo (``start_sandbox``, port 0) and from
the command line by ``auditor sandbox``.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import math
import random
import re
import socket
import sys
import threading
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypedDict
from urllib.parse import parse_qs, urlsplit

from auditor.errors import ConfigError
from auditor.settings import SandboxSettings

ENDPOINT = "/api/user/assistants/get"
"""The path served, relative to the server root (``base_url`` ends in ``/api``)."""

MAX_PER_PAGE = 100

FAULTS: dict[str, str] = {
    "auth-401": "answer every request 401 Unauthenticated, whatever the key",
    "auth-403": "answer every request 403 (a valid key without permission)",
    "malformed-json=PAGE": "PAGE answers 200 with a truncated JSON body",
    "data-not-list=PAGE": "PAGE's data is an object keyed by position, not a list",
    "missing-uuid=PAGE": "the first record on PAGE has no uuid",
    "duplicate-uuid[=PAGE]": "the first record on PAGE (default: the last page) repeats "
    "the uuid of the first record",
    "last-page-changes": "every page but page 1 reports last_page + 1 (the fleet grew "
    "during the fetch)",
    "hang=SECONDS": "wait SECONDS before answering (a client read timeout)",
    "hang-page=PAGE:SECONDS": "PAGE waits SECONDS before answering, other pages do not",
    "drip=PAGE:SECONDS": "PAGE sends its body one byte every SECONDS (each read is quick, "
    "the whole answer is not)",
    "retry-after-forever=SECONDS": "answer every request 503 with Retry-After: SECONDS",
    "gzip-bomb=PAGE[:MIB]": "PAGE answers a small gzip body that inflates to MIB MiB (default 100)",
    "content-length=PAGE:BYTES": "PAGE claims a Content-Length of BYTES, sends its body "
    "and hangs up",
    "redirect=URL": "answer every request 302 to URL (an origin, e.g. another sandbox's "
    "http://127.0.0.1:PORT) plus the path and query asked for",
    "redirect-same-origin": "answer a request 307 to the same URL with &moved=1 added "
    "(a same-origin redirect), then serve it",
    "empty-account": "serve an account with no assistants",
    "transient-5xx=PAGE:TIMES": "PAGE answers --fail-status TIMES times, then succeeds",
    "max-per-page=N": "reject per_page above N with 422 (white-labels with a lower cap)",
    "nested-deep=PAGE": "the first record on PAGE has variables nested 500 levels deep "
    "(about 3 KB of JSON)",
    "repeated-key=PAGE": 'the first record on PAGE has the key "record" twice (false, then '
    "its own value)",
    "shift-after-page=PAGE[:TIMES]": "once PAGE is served, delete its first assistant and "
    "create one (total unchanged: later pages shift by one); TIMES times (default 1)",
}
"""Every named fault (``--fault NAME[=ARG]``) and what it does."""


@dataclass(frozen=True)
class Faults:
    """The named faults, parsed and checked (``parse_faults``)."""

    auth_401: bool = False
    auth_403: bool = False
    malformed_json: frozenset[int] = frozenset()
    data_not_list: frozenset[int] = frozenset()
    missing_uuid: frozenset[int] = frozenset()
    repeated_key: frozenset[int] = frozenset()
    nested_deep: frozenset[int] = frozenset()
    duplicate_uuid: int | None = None
    """Page whose first record repeats the first uuid; 0 means the last page."""
    last_page_changes: bool = False
    hang: float = 0.0
    """Seconds to wait before every answer."""
    hang_pages: Mapping[int, float] = field(default_factory=dict)
    """Page → seconds it waits before answering."""
    drip: Mapping[int, float] = field(default_factory=dict)
    """Page → seconds between the bytes of its body."""
    retry_after_forever: float | None = None
    """Answer 503 with this ``Retry-After`` to every request."""
    gzip_bomb: Mapping[int, int] = field(default_factory=dict)
    """Page → MiB its gzip body inflates to."""
    content_length: Mapping[int, int] = field(default_factory=dict)
    """Page → the ``Content-Length`` it claims."""
    redirect: str | None = None
    """Origin every request is redirected to (302)."""
    redirect_same_origin: bool = False
    empty_account: bool = False
    transient_5xx: Mapping[int, int] = field(default_factory=dict)
    """Page → how many times it fails before it answers."""
    max_per_page: int = MAX_PER_PAGE
    shift_after_page: int | None = None
    """Page after whose answer one assistant is deleted and one created."""
    shift_times: int = 1
    """How many times ``shift_after_page`` shifts the fleet (each time the page is served)."""


def parse_faults(specs: Iterable[str]) -> Faults:
    """``("malformed-json=2", "hang=5")`` → ``Faults``; ``ConfigError`` for a bad spec."""
    values: dict[str, Any] = {}
    pages: dict[str, set[int]] = {"malformed_json": set(), "data_not_list": set()}
    pages["missing_uuid"] = set()
    pages["repeated_key"] = set()
    pages["nested_deep"] = set()
    transient: dict[int, int] = {}
    hang_pages: dict[int, float] = {}
    for spec in specs:
        name, _, arg = str(spec).strip().partition("=")
        name, arg = name.strip(), arg.strip()
        if name in ("auth-401", "auth-403", "last-page-changes", "empty-account"):
            if arg:
                raise ConfigError(f"fault {name} takes no argument (got {spec!r})")
            values[name.replace("-", "_")] = True
        elif name in (
            "malformed-json",
            "data-not-list",
            "missing-uuid",
            "repeated-key",
            "nested-deep",
        ):
            pages[name.replace("-", "_")].add(_page_arg(name, arg))
        elif name == "duplicate-uuid":
            values["duplicate_uuid"] = _page_arg(name, arg) if arg else 0
        elif name == "hang":
            values["hang"] = _number_arg(name, arg, "seconds, e.g. hang=5")
        elif name == "hang-page":
            page, sep, seconds = arg.partition(":")
            if not sep:
                raise ConfigError(
                    f"fault hang-page needs PAGE:SECONDS, e.g. hang-page=2:30 (got {spec!r})"
                )
            wait = _number_arg(name, seconds.strip(), "PAGE:SECONDS, e.g. hang-page=2:30")
            hang_pages[_page_arg(name, page.strip())] = wait
        elif name == "transient-5xx":
            page, sep, times = arg.partition(":")
            if not sep or not times.strip().isdigit() or int(times) < 1:
                raise ConfigError(
                    f"fault transient-5xx needs PAGE:TIMES, e.g. transient-5xx=2:3 (got {spec!r})"
                )
            transient[_page_arg(name, page.strip())] = int(times)
        elif name == "shift-after-page":
            page, sep, times = arg.partition(":")
            if sep and (not times.strip().isdigit() or int(times) < 1):
                raise ConfigError(
                    "fault shift-after-page needs PAGE[:TIMES], e.g. shift-after-page=1 or "
                    f"shift-after-page=1:5 (got {spec!r})"
                )
            values["shift_after_page"] = _page_arg(name, page.strip())
            values["shift_times"] = int(times) if sep else 1
        elif name in ("drip", "gzip-bomb"):
            page, sep, number = arg.partition(":")
            if name == "drip" and not sep:
                raise ConfigError(f"fault drip needs PAGE:SECONDS, e.g. drip=1:0.5 (got {spec!r})")
            example = "PAGE:SECONDS, e.g. drip=1:0.5" if name == "drip" else "PAGE[:MIB]"
            amount = _number_arg(name, number.strip(), example) if sep else 100.0
            if name == "drip":
                values.setdefault("drip", {})[_page_arg(name, page.strip())] = amount
            else:
                values.setdefault("gzip_bomb", {})[_page_arg(name, page.strip())] = int(amount)
        elif name == "content-length":
            page, sep, number = arg.partition(":")
            if not sep or not number.strip().isdigit():
                raise ConfigError(
                    "fault content-length needs PAGE:BYTES, e.g. content-length=1:100000000 "
                    f"(got {spec!r})"
                )
            claims = values.setdefault("content_length", {})
            claims[_page_arg(name, page.strip())] = int(number)
        elif name == "retry-after-forever":
            values["retry_after_forever"] = _number_arg(
                name, arg, "seconds, e.g. retry-after-forever=119"
            )
        elif name == "redirect":
            if not re.match(r"^https?://[^/?#]+$", arg):
                raise ConfigError(
                    f"fault redirect needs an origin like http://127.0.0.1:8766 (got {arg!r})"
                )
            values["redirect"] = arg
        elif name == "redirect-same-origin":
            values["redirect_same_origin"] = True
        elif name == "max-per-page":
            limit = _number_arg(name, arg, "a number, e.g. max-per-page=50")
            if limit != int(limit) or not 1 <= limit <= MAX_PER_PAGE:
                raise ConfigError(f"fault max-per-page needs a whole number 1–100 (got {arg!r})")
            values["max_per_page"] = int(limit)
        else:
            known = ", ".join(FAULTS)
            raise ConfigError(f"unknown sandbox fault {name!r}; known faults: {known}")
    return Faults(
        **values,
        malformed_json=frozenset(pages["malformed_json"]),
        data_not_list=frozenset(pages["data_not_list"]),
        missing_uuid=frozenset(pages["missing_uuid"]),
        repeated_key=frozenset(pages["repeated_key"]),
        nested_deep=frozenset(pages["nested_deep"]),
        transient_5xx=transient,
        hang_pages=hang_pages,
    )


def _page_arg(name: str, arg: str) -> int:
    if not arg.isdigit() or int(arg) < 1:
        raise ConfigError(f"fault {name} needs a page number, e.g. {name}=2 (got {arg!r})")
    return int(arg)


def _number_arg(name: str, arg: str, example: str) -> float:
    try:
        value = float(arg)
    except ValueError:
        raise ConfigError(f"fault {name} needs {example} (got {arg!r})") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"fault {name} needs {example} (got {arg!r})")
    return value


@dataclass(frozen=True)
class ServedRequest:
    """One request the sandbox answered (its request log, for tests)."""

    number: int
    """1 for the first request to the endpoint, then 2, 3, …; 0 for other paths."""
    path: str
    page: int | None
    """The ``page`` asked for, when it was a valid integer."""
    per_page: int | None
    status: int
    started: float
    """``time.monotonic()`` when the request arrived."""
    finished: float


class _Asked(TypedDict):
    number: int
    page: int | None
    per_page: int | None


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    page: int | None = None
    per_page: int | None = None
    number: int = 0
    drip: float = 0.0
    """Seconds between the bytes of the body (0: all at once)."""


def _json(status: int, document: Any, **extra: Any) -> _Answer:
    body = json.dumps(document, separators=(",", ":")).encode()
    return _Answer(status, body, **extra)


_SERVER_ERRORS = {
    500: "Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _moved(raw_path: str, faults: Faults) -> str | None:
    """Where the ``redirect`` / ``redirect-same-origin`` faults send a request, if anywhere."""
    if faults.redirect:
        return faults.redirect + raw_path
    if faults.redirect_same_origin and "moved=1" not in urlsplit(raw_path).query:
        return raw_path + ("&" if "?" in raw_path else "?") + "moved=1"
    return None


@functools.lru_cache(maxsize=4)
def _gzip_bomb(mib: int) -> bytes:
    """A gzip body of ~1/1000 its size that inflates to ``mib`` MiB (a JSON start, then
    spaces)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b'{"data":[')]
    spaces = b" " * (1024 * 1024)
    parts.extend(packer.compress(spaces) for _ in range(mib))
    parts.append(packer.compress(b"]}") + packer.flush())
    return b"".join(parts)


def _server_error(status: int, **extra: Any) -> _Answer:
    phrase = _SERVER_ERRORS.get(status, "Server Error")
    if status in (502, 504):  # a proxy in front of the app answers these, in HTML
        html = (
            f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return _Answer(status, html.encode(), (("Content-Type", "text/html"),), **extra)
    return _json(status, {"message": phrase}, **extra)


class Sandbox:
    """A running (or ready to run) sandbox API: a server, its fleet and its request log.

    Use ``start_sandbox`` for a background server (a context manager), or
    ``serve_forever`` to serve in the calling thread. The fleet can be changed while it
    runs (``set_fleet``, ``update``, ``add``, ``remove``); every method is thread-safe.
    """

    def __init__(
        self,
        settings: SandboxSettings | None = None,
        *,
        fleet: list[dict[str, Any]] | None = None,
        **overrides: Any,
    ) -> None:
        settings = settings if settings is not None else SandboxSettings(port=0)
        if overrides:
            settings = replace(settings, **overrides)
        _check(settings)
        self.settings = settings
        self.faults = parse_faults(settings.faults)
        self.verbose = settings.output.verbosity > 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        if fleet is None:
            from auditor.sandbox.data import generate_fleet

            fleet = generate_fleet(settings.count, settings.seed)
        self._records: list[dict[str, Any]] = _sorted(fleet)
        self._encoded: dict[int, tuple[dict[str, Any], bytes]] = {}
        """Each record served as JSON, by ``id()`` (the record is kept, so the id holds)."""
        self._log: list[ServedRequest] = []
        self._count = 0
        self._in_flight = 0
        self._max_in_flight = 0
        self._transient = dict(self.faults.transient_5xx)
        self._shifts = self.faults.shift_times
        self._rng = random.Random(settings.seed)
        self._thread: threading.Thread | None = None
        self._server = _bind(settings.host, settings.port, self)

    # -- where and how to reach it ---------------------------------------------------------

    @property
    def port(self) -> int:
        """The port it listens on (the real one when the settings said 0)."""
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (a wrong ``--base-url``: it lacks ``/api``)."""
        host = self.settings.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass as ``--base-url``: ``http://127.0.0.1:PORT/api``."""
        return self.root_url + "/api"

    @property
    def api_key(self) -> str:
        """The key it accepts as ``Authorization: Bearer KEY``."""
        return self.settings.api_key

    # -- the fleet --------------------------------------------------------------------------

    @property
    def fleet(self) -> list[dict[str, Any]]:
        """A copy of the records served, sorted by id."""
        with self._lock:
            return [dict(r) for r in self._records]

    def set_fleet(self, records: Iterable[dict[str, Any]]) -> None:
        """Serve these records from now on."""
        records = _sorted(records)
        with self._lock:
            self._records = records
            self._encoded.clear()

    def update(self, assistant_id: Any, **fields: Any) -> None:
        """Change fields of the assistant with this id (``KeyError`` if there is none)."""
        with self._lock:
            index = self._index(assistant_id)
            self._records[index] = {**self._records[index], **fields}
            self._encoded.clear()

    def add(self, record: dict[str, Any]) -> None:
        """Add an assistant (kept in id order)."""
        with self._lock:
            self._records = _sorted([*self._records, record])
            self._encoded.clear()

    def remove(self, assistant_id: Any) -> None:
        """Remove the assistant with this id (``KeyError`` if there is none)."""
        with self._lock:
            del self._records[self._index(assistant_id)]
            self._encoded.clear()

    def _index(self, assistant_id: Any) -> int:
        for index, record in enumerate(self._records):
            if record.get("id") == assistant_id:
                return index
        raise KeyError(f"no assistant with id {assistant_id!r} in the sandbox")

    # -- the request log --------------------------------------------------------------------

    @property
    def requests(self) -> list[ServedRequest]:
        """Every request answered so far, in the order the answers were sent."""
        with self._lock:
            return list(self._log)

    @property
    def request_count(self) -> int:
        """How many requests reached the endpoint (answered or not yet)."""
        with self._lock:
            return self._count

    @property
    def pages_served(self) -> list[int]:
        """The pages answered with 200, in the order the answers were sent."""
        return [r.page for r in self.requests if r.status == 200 and r.page is not None]

    @property
    def max_in_flight(self) -> int:
        """The most requests being answered at the same moment (shows concurrency)."""
        with self._lock:
            return self._max_in_flight

    def reset_log(self) -> None:
        """Forget the requests so far (faults that count requests start over too)."""
        with self._lock:
            self._log.clear()
            self._count = self._max_in_flight = 0
            self._transient = dict(self.faults.transient_5xx)
            self._shifts = self.faults.shift_times

    # -- running ----------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Serve in a background (daemon) thread; returns ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},  # stop() waits up to one interval
                name=f"auditor-sandbox-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop`` is called or Ctrl-C (then it raises)."""
        try:
            self._server.serve_forever(poll_interval=0.1)
        finally:
            self._close()

    def stop(self) -> None:
        """Stop serving, drop open connections and release the port (idempotent)."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._close()

    def _close(self) -> None:
        self._stopping.set()
        self._server.drop_connections()
        self._server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Sandbox(base_url={self.base_url!r}, assistants={len(self._records)})"

    # -- answering --------------------------------------------------------------------------

    def _handle(self, handler: _Handler) -> None:
        started = time.monotonic()
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            try:
                answer = self._answer(handler.path, handler.headers.get("Authorization"))
            except Exception as exc:  # a sandbox bug: answer like Laravel does, say so if -v
                if self.verbose:
                    sys.stderr.write(f"sandbox: internal error: {exc!r}\n")
                answer = _json(500, {"message": "Server Error"})
            finished = time.monotonic()
            # Logged before the answer leaves, so a client that asks one thing after the
            # other always finds its requests in the log in order.
            with self._lock:
                self._log.append(
                    ServedRequest(
                        answer.number,
                        handler.path,
                        answer.page,
                        answer.per_page,
                        answer.status,
                        started,
                        finished,
                    )
                )
            if self.verbose:
                sys.stderr.write(
                    f"sandbox: GET {handler.path} → {answer.status} "
                    f"({(finished - started) * 1000:.0f} ms)\n"
                )
            if self._stopping.is_set():
                handler.close_connection = True  # hang up: the sandbox is shutting down
            else:
                handler.send_answer(answer)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, raw_path: str, authorization: str | None) -> _Answer:
        url = urlsplit(raw_path)
        if url.path.rstrip("/") != ENDPOINT:
            return _json(404, {"message": f"The route {url.path.lstrip('/')} could not be found."})
        with self._lock:
            self._count += 1
            number = self._count
        settings, faults = self.settings, self.faults
        query = parse_qs(url.query, keep_blank_values=True)
        per_page, per_page_errors = _integer(query, "per_page", "per page", 10)
        page, page_errors = _integer(query, "page", "page", 1)
        # What was asked for, for the request log (answers below are in Laravel's order:
        # authentication, then throttling, then validation).
        asked = _Asked(
            number=number,
            page=page if not page_errors else None,
            per_page=per_page if not per_page_errors else None,
        )
        if settings.latency_ms > 0:
            self._stopping.wait(settings.latency_ms / 1000)
        if faults.hang > 0:
            self._stopping.wait(faults.hang)
        if page is not None and faults.hang_pages.get(page, 0) > 0:
            self._stopping.wait(faults.hang_pages[page])
        moved = _moved(raw_path, faults)
        if moved is not None:
            return _Answer(302 if faults.redirect else 307, b"", (("Location", moved),), **asked)
        if faults.auth_401 or authorization != f"Bearer {settings.api_key}":
            return _json(401, {"message": "Unauthenticated."}, **asked)
        if faults.retry_after_forever is not None:
            wait = (("Retry-After", f"{faults.retry_after_forever:g}"),)
            return _json(503, {"message": "Service Unavailable"}, headers=wait, **asked)
        if faults.auth_403:
            return _json(403, {"message": "This action is unauthorized."}, **asked)
        if settings.rate_limit_every and number % settings.rate_limit_every == 0:
            headers = [("X-RateLimit-Limit", "60"), ("X-RateLimit-Remaining", "0")]
            if settings.retry_after > 0:
                headers.append(("Retry-After", f"{settings.retry_after:g}"))
            return _Answer(
                429,
                json.dumps({"message": "Too Many Attempts."}).encode(),
                tuple(headers),
                **asked,
            )
        if per_page is not None and per_page > faults.max_per_page:
            per_page_errors.append(
                f"The per page field must not be greater than {faults.max_per_page}."
            )
        errors = {k: v for k, v in (("per_page", per_page_errors), ("page", page_errors)) if v}
        if errors:
            return _json(422, _validation_document(errors), **asked)
        assert page is not None
        assert per_page is not None
        extra = {"number": number, "page": page, "per_page": per_page}
        if page in settings.fail_pages:
            return _server_error(settings.fail_status, **extra)
        with self._lock:
            if self._transient.get(page, 0) > 0:
                self._transient[page] -= 1
                return _server_error(settings.fail_status, **extra)
            if settings.fail_rate > 0 and self._rng.random() < settings.fail_rate:
                return _server_error(settings.fail_status, **extra)
        return self._page(page, per_page, number)

    def _page(self, page: int, per_page: int, number: int) -> _Answer:
        faults = self.faults
        start = (page - 1) * per_page
        with self._lock:
            records = [] if faults.empty_account else self._records
            real_total = len(records)
            served = records[start : start + per_page]
            data: list[dict[str, Any]] = list(served)
            first_uuid = records[0].get("uuid") if records else None
        total = max(0, real_total + self.settings.lie_about_total)
        last_page = max(1, math.ceil(total / per_page))
        real_last_page = max(1, math.ceil(real_total / per_page))
        if faults.last_page_changes and page != 1:  # the same on every fetch, not just the first
            last_page += 1
        if page in faults.nested_deep and data:
            deep: dict[str, Any] = {"level": 500}
            for _ in range(499):
                deep = {"x": deep}
            data[0] = {**data[0], "variables": deep}
        if page in faults.missing_uuid and data:
            data[0] = {k: v for k, v in data[0].items() if k != "uuid"}
        if faults.duplicate_uuid is not None and first_uuid is not None:
            target = faults.duplicate_uuid or real_last_page
            index = 1 if target == 1 else 0
            if page == target and len(data) > index:
                data[index] = {**data[index], "uuid": first_uuid}
        path = f"{self.root_url}{ENDPOINT}"
        document: dict[str, Any] = {
            "current_page": page,
            "data": data,
            "first_page_url": f"{path}?page=1",
            "from": start + 1 if data else None,
            "last_page": last_page,
            "last_page_url": f"{path}?page={last_page}",
            "next_page_url": f"{path}?page={page + 1}" if page < last_page else None,
            "path": path,
            "per_page": per_page,
            "prev_page_url": f"{path}?page={page - 1}" if page > 1 else None,
            "to": start + len(data) if data else None,
            "total": total,
        }
        if page in faults.data_not_list:
            document["data"] = {str(start + i): r for i, r in enumerate(data)}
            answer = _json(200, document, page=page, per_page=per_page, number=number)
        else:
            body = self._encode_page(document, data, served)
            answer = _Answer(200, body, page=page, per_page=per_page, number=number)
        if page in faults.repeated_key:
            twice = answer.body.replace(b'"data":[{', b'"data":[{"record":false,', 1)
            answer = replace(answer, body=twice)
        if page in faults.malformed_json:
            answer = replace(answer, body=answer.body[: max(1, len(answer.body) // 2)])
        if page in faults.drip:
            answer = replace(answer, drip=faults.drip[page])
        if page in faults.content_length:
            claim = (("Content-Length", str(faults.content_length[page])),)
            answer = replace(answer, headers=claim)
        if page in faults.gzip_bomb:
            bomb = (("Content-Encoding", "gzip"),)
            answer = replace(answer, body=_gzip_bomb(faults.gzip_bomb[page]), headers=bomb)
        if page == faults.shift_after_page and served:
            self._shift(served[0])
        return answer

    def _shift(self, deleted: dict[str, Any]) -> None:
        """Delete ``deleted`` and create an assistant (the next id, created now), as a
        user editing the fleet during a fetch would: ``total`` stays the same."""
        import uuid

        with self._lock:
            if self._shifts <= 0:
                return
            self._shifts -= 1
            ids = [r["id"] for r in self._records if type(r.get("id")) is int]
            now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
            created = {
                **deleted,
                "id": max(ids, default=0) + 1,
                "uuid": str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
                "name": f"{deleted.get('name', 'Assistant')} (new)",
                "created_at": now,
                "updated_at": now,
            }
            self._records = _sorted([*(r for r in self._records if r is not deleted), created])
            self._encoded.clear()

    def _encode_page(
        self, document: dict[str, Any], data: list[dict[str, Any]], served: list[dict[str, Any]]
    ) -> bytes:
        """``document`` as ``_json`` writes it, its ``data`` from each record's JSON kept.

        JSON for 100 assistants (~250 KB) takes ~3 ms of the sandbox's one GIL, which set
        the pace of a 100,000-assistant fetch when client and sandbox shared two cores.
        So each record served is encoded once and kept (until the fleet changes: ~2.5 KB
        per assistant). Records a fault replaced (``data`` differs from ``served``) are
        encoded afresh every time.
        """
        parts: list[bytes] = []
        for record, original in zip(data, served, strict=True):
            entry = self._encoded.get(id(record)) if record is original else None
            if entry is None or entry[0] is not record:
                entry = (record, json.dumps(record, separators=(",", ":")).encode())
                if record is original:
                    self._encoded[id(record)] = entry
            parts.append(entry[1])
        head = json.dumps({**document, "data": []}, separators=(",", ":")).encode()
        return head.replace(b'"data":[]', b'"data":[' + b",".join(parts) + b"]", 1)


_INTEGER = re.compile(r"^[+-]?\d+$")


def _integer(
    query: Mapping[str, list[str]], name: str, label: str, default: int
) -> tuple[int | None, list[str]]:
    """A Laravel ``nullable|integer|min:1`` parameter: its value and its errors."""
    values = query.get(name)
    raw = values[-1].strip() if values else ""
    if raw == "":
        return default, []
    if not _INTEGER.match(raw):
        return None, [f"The {label} field must be an integer."]
    value = int(raw)
    if value < 1:
        return value, [f"The {label} field must be at least 1."]
    return value, []


def _validation_document(errors: dict[str, list[str]]) -> dict[str, Any]:
    """Laravel's 422 body: the first message (plus how many more) and every error."""
    messages = [m for ms in errors.values() for m in ms]
    more = len(messages) - 1
    message = messages[0] + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")
    return {"message": message, "errors": errors}


def _sorted(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(record: dict[str, Any]) -> tuple[int, Any]:
        value = record.get("id")
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (0, value) if ok else (1, 0)

    return sorted((dict(r) for r in records), key=key)


def _check(settings: SandboxSettings) -> None:
    if settings.count < 0:
        raise ConfigError("--count must be 0 or more")
    if not 0 <= settings.fail_rate <= 1:
        raise ConfigError(f"--fail-rate must be between 0 and 1 (got {settings.fail_rate})")
    if not 500 <= settings.fail_status <= 599:
        raise ConfigError(f"--fail-status must be a 5xx status (got {settings.fail_status})")
    if settings.rate_limit_every < 0 or settings.latency_ms < 0 or settings.retry_after < 0:
        raise ConfigError("--rate-limit-every, --latency-ms and --retry-after must be 0 or more")


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that is quiet about clients hanging up."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Hang up on every client still connected (idle keep-alive or mid-answer)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.sandbox.verbose:
            exc = sys.exc_info()[1]
            sys.stderr.write(f"sandbox: connection from {client_address[0]} failed: {exc!r}\n")


class _Server6(_Server):
    address_family = socket.AF_INET6


def _bind(host: str, port: int, sandbox: Sandbox) -> _Server:
    server_class = _Server6 if ":" in host else _Server
    try:
        return server_class((host, port), sandbox)
    except OSError as exc:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"cannot listen on {where}: the port is in use; "
                "choose another with --port (0 picks a free one)"
            ) from None
        raise ConfigError(f"cannot listen on {where}: {exc.strerror or exc}") from None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "IntellixentSandbox/1"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is closed after this
    # Headers and body leave in one write, without Nagle's delay: otherwise every small
    # answer waits ~40 ms for the client's delayed ACK, as no real server does.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self.server.sandbox._handle(self)

    def _not_allowed(self) -> None:
        self.close_connection = True
        self.send_answer(
            _json(405, {"message": f"The {self.command} method is not supported for this route."})
        )

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _not_allowed

    def send_answer(self, answer: _Answer) -> None:
        """Write ``answer`` (a client that hung up is not an error)."""
        headers = dict(answer.headers)
        headers.setdefault("Content-Type", "application/json")
        length = headers.pop("Content-Length", str(len(answer.body)))
        if length != str(len(answer.body)):  # a fault's claim: the connection cannot go on
            self.close_connection = True
        try:
            self.send_response(answer.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Cache-Control", "no-cache, private")
            self.send_header("Content-Length", length)
            self.end_headers()
            if self.command != "HEAD" and answer.drip > 0:
                stopping = self.server.sandbox._stopping
                for index in range(len(answer.body)):
                    self.wfile.write(answer.body[index : index + 1])
                    self.wfile.flush()
                    if stopping.wait(answer.drip):
                        break
            elif self.command != "HEAD":
                self.wfile.write(answer.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox logs its own lines when verbose."""


RunningSandbox = Sandbox
"""The type ``start_sandbox`` returns (a started ``Sandbox``)."""


def start_sandbox(
    settings: SandboxSettings | None = None,
    *,
    fleet: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> RunningSandbox:
    """Start a sandbox in a background thread; use it as a context manager.

    Without settings it listens on a free port of 127.0.0.1 and serves the default
    47-assistant fleet. ``overrides`` are ``SandboxSettings`` fields (``latency_ms=50``,
    ``faults=("hang=5",)``, …); ``fleet`` replaces the generated sample data.
    """
    return Sandbox(settings, fleet=fleet, **overrides).start()
