"""Read every assistant of an account, completely or not at all.

``ApiClient.pages()`` reads ``GET {base}/user/assistants/get?per_page=100&page=P``:
page 1 first (it says how many pages there are), then pages 2..last concurrently
(``settings.concurrency`` at a time) over one pooled ``requests.Session``, each page
handed over as it arrives, for a caller (the audit, ``fetch -o``) that keeps little of
each record and so never holds the whole fleet. For N pages at latency L that takes
about L × (1 + ceil((N-1)/C)). ``fetch_listing(settings)`` is the in-memory form: every
page, put back in id order.

Connection errors, timeouts, 429 and 5xx are retried with exponential backoff and full
jitter (``Retry-After`` honoured, in seconds or as an HTTP date), a bounded number of
times, all within the run's retry budget (``--retry-budget``, default 120 s from the first
retry). 401, 403, 404, 422 and other 4xx answers are final.

Every request is bounded: ``--timeout`` is its total time, connecting to last byte (the
body is streamed and each read waits only for what is left of the deadline); a page is
at most ``MAX_PAGE_BYTES`` (64 MiB) decompressed; redirects are followed only within
the origin of ``--base-url`` (at most ``MAX_REDIRECTS``), never to another scheme, host
or port. A key that cannot go in an HTTP header is a ``ConfigError`` before any request.

A listing is returned only when it is complete: every page answered with a list of
objects, each with an ``id`` and a ``uuid``, no uuid or id twice (``1000`` and
``"1000"`` are one id; uuids are compared without case or surrounding spaces), no key
twice in an object, nothing nested deeper than ``auditor.depth.MAX_DEPTH`` (64),
``last_page`` and ``total`` the same on every page and consistent with ``per_page``,
``total`` at most ``MAX_ASSISTANTS``, every page before the last full, and as many
records as ``total`` says. A listing the fleet changed under while it was read
(``ApiClient.pages`` says how that is seen) is read again, at most ``FLEET_REREADS``
more times (``FleetChangedError``). Anything else raises ``IncompleteListingError``
naming the check; HTTP and network problems raise ``FetchError`` / ``AuthError`` (all
exit 3). A missing key is an ``AuthError`` too (exit 3, an auth problem, with how to set
the key), raised before any request. The key is sent only in the ``Authorization``
header: never in a URL, a message, a log line or a ``repr``.

Environment (for tests and impatient people, not documented in ``--help``):
``AUDITOR_RETRY_BASE`` — the first backoff delay in seconds (default 0.5).
"""

from __future__ import annotations

import http.client
import itertools
import json
import logging
import math
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from auditor import jsoncodec
from auditor._version import __version__
from auditor.depth import MAX_DEPTH, too_deep
from auditor.errors import (
    AuthError,
    ConfigError,
    FetchError,
    FleetChangedError,
    IncompleteListingError,
)
from auditor.gcpause import gc_paused
from auditor.model import Listing, Record, in_id_order
from auditor.redact import register_secret
from auditor.settings import ApiSettings, api_key_problem

ENDPOINT = "/user/assistants/get"
PER_PAGE = 100
USER_AGENT = f"auditor/{__version__}"
MAX_CONNECT_TIMEOUT = 10.0
MAX_PAGE_BYTES = 64 * 1024 * 1024
"""The most one page may hold once decompressed (64 MiB; a page of 100 assistants is
~250 KB): a larger answer, or a ``Content-Length`` above it, is exit 3, not read."""
MAX_REDIRECTS = 5
"""Same-origin redirects followed for one request; another origin is never followed."""
_CHUNK = 64 * 1024
RETRY_BASE_ENV = "AUDITOR_RETRY_BASE"
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_DEFAULT_KEY_ENV = "INTELLIXENT_API_KEY"
_LOOPBACK = ("127.", "localhost", "::1", "[::1]")
MAX_ASSISTANTS = 1_000_000
"""A ``total`` above this is refused before any further request (a broken or hostile
API could claim any number, and every page would be asked for)."""
FLEET_REREADS = 2
"""How many more times a listing is read when the fleet changed while it was read."""

_T = TypeVar("_T")

_log = logging.getLogger("auditor")


def _default_retry_base() -> float:
    raw = os.environ.get(RETRY_BASE_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return 0.5
    return value if math.isfinite(value) and value >= 0 else 0.5


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before a page is given up."""

    max_tries: int = 5
    """Requests per page, the first one included."""
    base: float = field(default_factory=_default_retry_base)
    """The first backoff delay in seconds (``AUDITOR_RETRY_BASE``, default 0.5); doubles."""
    cap: float = 30.0
    """No backoff delay is longer than this."""
    max_retry_after: float = 120.0
    """A ``Retry-After`` longer than this is not waited for: the fetch fails instead."""

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: a random delay up to ``base × 2^(attempt-1)``, at most ``cap``."""
        return rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class _Page:
    """One page as the API answered it, with its pagination fields checked for type."""

    number: int
    data: list[Any]
    total: int
    last_page: int
    per_page: int
    current_page: int | None
    finite: bool = False
    """Decoded by the fast decoder: no NaN or infinity anywhere in ``data``."""


@dataclass(frozen=True)
class FetchedPage:
    """One page of a listing, checked, as ``ApiClient.pages`` hands it over."""

    number: int
    records: list[Record]
    finite: bool = False
    """Every number in the records is finite (``auditor.jsoncodec.Decoded.finite``):
    the snapshot writer need not look for NaN."""


class PageStream(AbstractContextManager["PageStream"]):
    """One read of a listing (``ApiClient.pages``): its pages as they arrive. Leaving
    its ``with`` block stops the reading: the requests not yet made are not made."""

    def __init__(self, fetched_at: str, pages: Generator[FetchedPage, None, None]) -> None:
        self.fetched_at = fetched_at
        """When the read began, ISO 8601 in UTC: the listing's ``fetched_at``."""
        self._pages = pages

    def __iter__(self) -> Iterator[FetchedPage]:
        return self._pages

    def __exit__(self, *exc: object) -> None:
        self._pages.close()


@dataclass(frozen=True)
class _Answer:
    """One HTTP answer, its body read whole (within the bounds) and the connection freed."""

    status: int
    reason: str
    retry_after: str | None
    body: bytes


class _Cancelled(Exception):
    """The fetch was abandoned (another page failed, or Ctrl-C)."""


class ApiClient(AbstractContextManager["ApiClient"]):
    """A client for one account's API: one pooled session, Bearer auth, retries."""

    def __init__(self, settings: ApiSettings, retry: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.retry = retry if retry is not None else RetryPolicy()
        self.base_url = settings.base_url.rstrip("/")
        self.url = self.base_url + ENDPOINT
        self.given = settings.base_url_from
        """Where the base URL came from (the flag, its env var, ``file:line``), for hints."""
        _check_base_url(self.base_url, self.given)
        register_secret(settings.api_key)
        if settings.api_key and api_key_problem(settings.api_key):  # the CLI checked already
            raise ConfigError(
                f"the API key in {settings.api_key_env} {api_key_problem(settings.api_key)}"
            )
        _check_seconds(settings.timeout, "--timeout")
        _check_seconds(settings.retry_budget, "--retry-budget", zero=True)
        self.max_page_bytes = MAX_PAGE_BYTES
        self._rng = random.Random()
        self._budget_lock = threading.Lock()
        self._retry_deadline: float | None = None
        """When the run's retries must stop: ``retry_budget`` after its first failed request."""
        self._cancel = threading.Event()
        self._session = requests.Session()
        adapter = HTTPAdapter(
            pool_connections=1, pool_maxsize=max(settings.concurrency, 1), max_retries=0
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # requests reads the proxy and CA-bundle variables again for every request,
        # scanning the whole environment twice (a good part of the client's CPU per
        # page); every request goes to the same host, so read them once, here.
        environment = self._session.merge_environment_settings(self.url, {}, None, None, None)
        self._session.trust_env = False
        self._session.proxies = environment["proxies"]
        self._session.verify = environment["verify"]
        self._session.cert = environment["cert"]
        if settings.api_key:
            # Set as session auth (not a header) so requests never swaps in ~/.netrc
            # credentials, and drops the header on a redirect to another host.
            self._session.auth = _Bearer(settings.api_key)

    def __repr__(self) -> str:
        key = "***" if self.settings.api_key else None
        return (
            f"ApiClient(base_url={self.base_url!r}, api_key={key!r}, "
            f"concurrency={self.settings.concurrency}, timeout={self.settings.timeout:g})"
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the listing --------------------------------------------------------------------------

    def fetch_listing(self, *, progress: bool = False) -> Listing:
        """Every assistant of the account, complete, keyed by uuid in id order.

        Raises ``AuthError`` / ``FetchError`` / ``IncompleteListingError`` (exit 3).
        ``KeyboardInterrupt`` stops the fetch at once: queued pages are cancelled and
        pages waiting to retry give up.
        """
        pages: dict[int, list[Record]] = {}

        def read() -> str:
            pages.clear()
            with self.pages(progress=progress) as stream:
                for page in stream:
                    pages[page.number] = page.records
            return stream.fetched_at

        with gc_paused():  # every record is kept: a collection would walk them all again
            fetched_at = self.consistently(read)
            records = in_id_order([r for n in sorted(pages) for r in pages[n]], _record_id)
        return Listing(
            source=self.base_url,
            fetched_at=fetched_at,
            assistants={str(r["uuid"]): r for r in records},
            account=self.settings.account,
        )

    def consistently(self, read: Callable[[], _T]) -> _T:
        """``read()`` (a whole listing read), again while the fleet changes under it.

        A ``FleetChangedError`` from ``read`` is retried up to ``FLEET_REREADS`` more
        times, each after the clock passes the next whole second (timestamps are served
        to the second, so the changes seen are then older than the new read); the last
        one is raised with how many reads were made. ``read`` must start afresh each time.
        """
        for attempt in range(1, FLEET_REREADS + 2):
            try:
                return read()
            except FleetChangedError as exc:
                if attempt > FLEET_REREADS:
                    raise FleetChangedError(
                        f"{exc.message} (read {attempt} times; try again when the fleet "
                        "is not being edited)"
                    ) from None
                _log.info(
                    "%s; reading again (read %d of %d)", exc.message, attempt + 1, FLEET_REREADS + 1
                )
                time.sleep(1 - time.time() % 1)
        raise AssertionError("unreachable")

    def pages(self, *, progress: bool = False) -> PageStream:
        """One read of the listing: iterate it for each page's records as the page arrives.

        Pages come in any order, each checked (the same checks as ``fetch_listing``)
        before it is handed over; the count is checked once all have arrived, so only an
        iteration that ends has seen a complete listing: after an exception, whatever
        was taken so far must be thrown away. ``fetched_at`` is the time the read
        started. A caller that keeps little of each record reads a fleet of any size in
        little memory: at most a few pages wait for it at a time. Leaving the ``with``
        block (or closing the stream) early stops the requests still to be made.

        A fleet edited while it is read shifts offset pages (one deleted on page 1 and one
        created: the first record of page 2 is never served, yet ``total`` holds). So
        ``FleetChangedError`` is raised (``consistently`` reads again) when ``total`` or
        ``last_page`` differ between pages; when a record's ``created_at`` or
        ``updated_at`` is not before the second the fetch started; when the ids at the page
        boundaries are out of the order the pages are in; or when page 1 and the last page,
        read again at the end (the last page is read first, right after page 1), differ in
        total or ids. A single page is one answer: nothing to compare.
        """
        if not self.settings.api_key:
            raise AuthError(f"no API key for {self.base_url}: {self._how_to_set_key()}")
        fetched_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return PageStream(fetched_at, self._read_pages(progress))

    def _read_pages(self, progress: bool) -> Generator[FetchedPage, None, None]:
        started = time.monotonic()
        self._cancel.clear()
        checker = _RecordCheck(self.url, datetime.now(timezone.utc))
        first = self.fetch_page(1)
        _check_pagination(first, self.url, self.given)
        _check_full(first, first, self.url)
        yield FetchedPage(1, checker.page(first), first.finite)
        again: list[_Page] = []
        with self._progress(first.last_page, progress) as advance:
            advance(1)
            if first.last_page > 1:
                pages = self._fetch_rest(first.last_page)
                try:
                    for reread, page in pages:
                        _check_same_shape(first, page, self.url)
                        if reread:
                            again.append(page)
                            continue
                        _check_full(first, page, self.url)
                        yield FetchedPage(page.number, checker.page(page), page.finite)
                        advance(1)
                except BaseException:  # GeneratorExit too: the caller stopped reading
                    self._cancel.set()  # pages waiting to retry give up
                    raise
                finally:
                    pages.close()  # now, not when the traceback goes: no page is started
        checker.unchanged(again)
        checker.finish(first.total, first.last_page)
        _log.info(
            "read %d assistants on %d page%s from %s in %.2f s",
            checker.count,
            first.last_page,
            "" if first.last_page == 1 else "s",
            self.url,
            time.monotonic() - started,
        )

    def _fetch_rest(self, last_page: int) -> Generator[tuple[bool, _Page], None, None]:
        """Pages 2..last_page as they arrive, ``concurrency`` at a time, then page 1 and
        the last page again (``(True, page)``); the first failure stops all.

        The last page is asked for first, so that its second reading, queued last, is
        the whole fetch apart from its first. The calls are made as they are needed, not
        listed up front: ``last_page`` is a number the server claims.

        The pages are read on daemon threads (``auditor.background``): after a failure or
        Ctrl-C the process does not wait for the requests still in flight. At most three
        fetched pages per worker wait for the caller (two queued, one in hand), so a slow
        caller slows the fetch rather than piling pages up in memory.
        """
        from auditor.background import completed

        calls = _PageCalls(self.fetch_page, last_page)
        concurrency = self.settings.concurrency
        for index, page in completed(
            calls, concurrency, name="auditor-fetch", waiting=2 * max(concurrency, 1)
        ):
            yield index >= last_page - 1, page

    # -- one page -----------------------------------------------------------------------------

    def fetch_page(self, number: int) -> _Page:
        """One page, retried as the policy allows; raises ``FetchError`` when it cannot."""
        what = f"page {number} of {self.url}"
        last_problem = ""
        last_status: int | None = None
        statuses: list[int] = []
        for attempt in range(1, self.retry.max_tries + 1):
            if self._cancel.is_set():
                raise _Cancelled()
            began = time.monotonic()
            try:
                answer = self._get(number, what)
            except requests.exceptions.SSLError as exc:
                raise FetchError(
                    f"TLS error talking to {self.base_url}: {_reason(exc)}; "
                    f"{_check(self.given)} and the server's certificate"
                ) from None
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
                raise ConfigError(
                    f"the base URL {self.base_url!r} ({self.given}) is not usable: {exc}"
                ) from None
            except requests.exceptions.TooManyRedirects:
                raise FetchError(f"{what}: too many redirects; {_check(self.given)}") from None
            except requests.exceptions.ReadTimeout:
                last_status = None
                last_problem = "timeout"
                statuses.append(0)
                delay = self.retry.backoff(attempt, self._rng)
                self._note_retry(what, attempt, "no answer in time", delay)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                # ConnectTimeout is both; a body cut off mid-way is a ChunkedEncodingError.
                last_status = None
                last_problem = _reason(exc)
                statuses.append(-1)
                delay = self.retry.backoff(attempt, self._rng)
                self._note_retry(what, attempt, last_problem, delay)
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                last_status = None
                last_problem = _cut_off(exc)
                statuses.append(-2)
                delay = self.retry.backoff(attempt, self._rng)
                self._note_retry(what, attempt, last_problem, delay)
            except requests.exceptions.RequestException as exc:
                raise FetchError(f"{what}: {_reason(exc)}") from None
            else:
                status = answer.status
                if status == 200:
                    page = _parse_page(number, answer.body, what, self.given)
                    _log.info(
                        "page %d: %d records, %d ms%s",
                        number,
                        len(page.data),
                        (time.monotonic() - began) * 1000,
                        f" (try {attempt})" if attempt > 1 else "",
                    )
                    return page
                message = _server_message(answer.body, answer.reason)
                if status not in _RETRY_STATUSES and not 500 <= status <= 599:
                    raise self._final_error(number, status, message)
                last_status, last_problem = status, message
                statuses.append(status)
                delay = self.retry.backoff(attempt, self._rng)
                retry_after = _retry_after(answer.retry_after)
                if retry_after is not None:
                    if retry_after > self.retry.max_retry_after:
                        raise FetchError(
                            f"{what}: the API asked to wait {retry_after:.0f} s before "
                            f"trying again ({status}, Retry-After); try again later"
                        )
                    delay = retry_after
                self._note_retry(what, attempt, f"{status} {message}", delay)
            if attempt < self.retry.max_tries:
                self._spend_retry_budget(what, began, delay, last_status, last_problem)
                if self._cancel.wait(delay):
                    raise _Cancelled()
        raise self._exhausted(what, last_status, last_problem, len(statuses))

    def _get(self, number: int, what: str) -> _Answer:
        """One request for page ``number``, whole, within ``--timeout`` from start to end.

        Same-origin redirects are followed (at most ``MAX_REDIRECTS``); a redirect to
        another origin, or from https to http, is a ``FetchError``: the fleet audited
        must come from the API named. The body is read as it arrives, at most
        ``max_page_bytes`` of it decompressed, and every read waits only for what is
        left of the deadline, so a server that drips its answer is cut off in time.
        """
        deadline = time.monotonic() + self.settings.timeout
        url = self.url
        params: dict[str, int] | None = {"per_page": PER_PAGE, "page": number}
        for _hop in range(MAX_REDIRECTS + 1):
            left = _time_left(deadline)
            response = self._session.get(
                url,
                params=params,
                timeout=(min(MAX_CONNECT_TIMEOUT, left), left),
                stream=True,
                allow_redirects=False,
            )
            with response:
                target = self._session.get_redirect_target(response)
                if target is not None:
                    target = urljoin(response.url, target)
                    _check_redirect(number, response.url, target, self.given)
                    url, params = target, None
                    continue
                return _Answer(
                    status=response.status_code,
                    reason=response.reason or "",
                    retry_after=response.headers.get("Retry-After"),
                    body=self._read_body(response, what, deadline),
                )
        raise FetchError(f"{what}: more than {MAX_REDIRECTS} redirects; {_check(self.given)}")

    def _read_body(self, response: requests.Response, what: str, deadline: float) -> bytes:
        """The body, decompressed, refused above ``max_page_bytes``, read by ``deadline``."""
        limit = self.max_page_bytes
        length = (response.headers.get("Content-Length") or "").strip()
        if length.isdigit() and int(length) > limit:
            raise FetchError(
                f"{what}: the answer is {int(length):,} bytes (Content-Length), more than "
                f"the {_size(limit)} a page may hold; {_check(self.given)}"
            )
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                _read_within(response, deadline)
                chunk = response.raw.read1(_CHUNK, decode_content=True)
                size += len(chunk)
                if size > limit:
                    raise FetchError(
                        f"{what}: {_more_than(limit)} decompressed; {_check(self.given)}"
                    )
                if not chunk:
                    break
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError:
            raise requests.exceptions.ReadTimeout() from None
        except urllib3.exceptions.DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc) from None
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.IncompleteRead) as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from None
        except urllib3.exceptions.SSLError as exc:
            raise requests.exceptions.SSLError(exc) from None
        return b"".join(chunks)

    def _spend_retry_budget(
        self, what: str, began: float, delay: float, status: int | None, problem: str
    ) -> None:
        """Raise ``FetchError`` if waiting ``delay`` more would overrun the retry budget.

        The budget (``--retry-budget``) is wall-clock time from the start of the run's
        first failed request (``began``), shared by every page: a retry whose wait would
        end after it is not made. So a dead API fails within about the budget.
        """
        budget = self.settings.retry_budget
        now = time.monotonic()
        with self._budget_lock:
            if self._retry_deadline is None:
                self._retry_deadline = began + budget
            deadline = self._retry_deadline
        if now + delay <= deadline and budget > 0:
            return
        spent = max(0.0, now - (deadline - budget))
        last = f"{status} {problem}".strip() if status is not None else problem
        if last == "timeout":
            last = f"no complete answer within {self.settings.timeout:g} s"
        if budget == 0:
            raise FetchError(
                f"{what}: failed, and retries are off (--retry-budget 0; last: {last}); "
                "try again later or raise --retry-budget"
            )
        raise FetchError(
            f"{what}: still failing after {round(spent, 1):g} s of retries, the retry budget of "
            f"{budget:g} s (last: {last}); try again later or raise --retry-budget"
        )

    def _note_retry(self, what: str, attempt: int, problem: str, delay: float) -> None:
        if attempt < self.retry.max_tries:
            _log.info(
                "%s: %s; retrying in %.2f s (try %d of %d)",
                what,
                problem,
                delay,
                attempt + 1,
                self.retry.max_tries,
            )

    def _exhausted(self, what: str, status: int | None, problem: str, tries: int) -> FetchError:
        times = f"{tries} time{'s' if tries != 1 else ''}"
        advice = "try again later or lower --concurrency"
        if status == 429:
            return FetchError(f"{what}: still rate limited (429) after {tries} tries; {advice}")
        if status is not None:
            return FetchError(
                f"{what}: the server answered {status} {times} (last: {problem}); {advice}"
            )
        if problem == "timeout":
            return FetchError(
                f"{what}: no complete answer within {self.settings.timeout:g} s ({times}); "
                "try again later or raise --timeout"
            )
        if problem.startswith(_CUT_OFF):  # it connected: the answer stopped short
            return FetchError(
                f"{what}: {problem} ({times}); try again later, and check the network and "
                f"any proxy between auditor and {self.base_url}"
            )
        return FetchError(
            f"cannot connect to {self.base_url}: {problem} ({times}); "
            f"{_check(self.given)} and the network"
        )

    def _final_error(self, number: int, status: int, message: str) -> FetchError:
        if status == 401:
            return AuthError(
                f"the API rejected the key (401 {message or 'Unauthenticated'}) for "
                f"{self.base_url}; {self._how_to_set_key()}"
            )
        if status == 403:
            return AuthError(
                f"the API refused access (403 Forbidden: {message or 'no reason given'}) for "
                f"{self.base_url}; use a key of a user allowed to list the assistants"
            )
        if status == 404:
            return FetchError(
                f"{self.url} not found (404): {_check(self.given)} (it should end in /api, "
                "e.g. https://portal.intellixent.ai/api)"
            )
        if status == 422:
            return FetchError(
                f"the API rejected the request for page {number} (422: {message}); "
                f"this API may not accept per_page={PER_PAGE}"
            )
        return FetchError(
            f"page {number} of {self.url}: the API answered {status} ({message}); "
            f"{_check(self.given)}"
        )

    def _how_to_set_key(self) -> str:
        env = self.settings.api_key_env
        if env == _DEFAULT_KEY_ENV:
            return f"set {env} or pass --api-key"
        return f"set {env} (the api_key_env of account {self.settings.account})"

    @contextmanager
    def _progress(self, pages: int, enabled: bool) -> Iterator[Callable[[int], None]]:
        if not enabled or pages < 2:
            yield lambda n: None
            return
        import click

        with click.progressbar(
            length=pages,
            label=f"reading {pages} pages",
            file=sys.stderr,
        ) as bar:

            def advance(steps: int) -> None:
                bar.update(steps)

            yield advance


class _PageCalls(Sequence[Callable[[], _Page]]):
    """The requests after page 1, made on demand: the last page, pages 2..last-1, then
    page 1 and the last page again."""

    def __init__(self, fetch_page: Callable[[int], _Page], last_page: int) -> None:
        self._fetch_page = fetch_page
        self._last = last_page

    def __len__(self) -> int:
        return self._last + 1

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, int) or not 0 <= index <= self._last:
            raise IndexError(index)
        number = (
            self._last if index in (0, self._last) else 1 if index == self._last - 1 else index + 1
        )
        return partial(self._fetch_page, number)


class _Bearer(requests.auth.AuthBase):
    """``Authorization: Bearer KEY``, with a repr that does not show it."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._key}"
        return request

    def __repr__(self) -> str:
        return "_Bearer(***)"


def fetch_listing(settings: ApiSettings, *, retry: RetryPolicy | None = None) -> Listing:
    """Read the complete listing of one account (see the module docstring)."""
    with ApiClient(settings, retry) as client:
        return client.fetch_listing(progress=settings.progress)


# -- checks -------------------------------------------------------------------------------------


def _check_base_url(base_url: str, given: str) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{_named(given)} must be an http(s) URL like https://portal.intellixent.ai/api "
            f"(got {base_url!r})"
        )
    if parts.scheme == "http" and not (parts.hostname or "").startswith(_LOOPBACK):
        _log.warning("sending the API key over plain http to %s; use https", parts.hostname)


def _parse_page(number: int, body: bytes, what: str, given: str = "--base-url") -> _Page:
    try:
        document, finite = jsoncodec.decode(body)
    except UnicodeDecodeError:
        raise IncompleteListingError(f"{what} is not valid JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        if body.lstrip()[:1] in (b"{", b"["):
            detail = f"cut off or damaged at line {exc.lineno}, column {exc.colno}"
        else:
            detail = f"it starts {body[:40].decode('utf-8', 'replace').strip()!r}"
        raise IncompleteListingError(
            f"{what} is not valid JSON ({detail}); try again, and {_check(given)}"
        ) from None
    except RecursionError:  # json's scanner recurses once per level
        raise IncompleteListingError(
            f"incomplete listing: {what} nests deeper than {MAX_DEPTH} levels; auditor reads "
            "at most that; fix the assistant's data in the platform"
        ) from None
    except ValueError as exc:
        reason = jsoncodec.unusable(exc)
        raise IncompleteListingError(f"{what} is not usable JSON ({reason})") from None
    if not isinstance(document, Mapping):
        raise IncompleteListingError(
            f"{what} is not a listing (a JSON {type(document).__name__}, not an object); "
            f"{_check(given)}"
        )
    data = document.get("data")
    if not isinstance(data, list):
        got = "missing" if data is None else f"a JSON {_json_type(data)}"
        raise IncompleteListingError(
            f"incomplete listing: {what} has no 'data' list ({got}); cannot read it"
        )
    _check_objects(body, document, data, what)
    fields = {}
    for name in ("total", "last_page", "per_page"):
        fields[name] = _whole_number(document.get(name), name, what, given)
    current = document.get("current_page")
    return _Page(
        number=number,
        data=data,
        total=fields["total"],
        last_page=fields["last_page"],
        per_page=fields["per_page"],
        current_page=(
            _whole_number(current, "current_page", what, given) if current is not None else None
        ),
        finite=finite,
    )


_UNCOUNTED_KEYS = (b"\n", b"\r", b"\t", b" :", b'\\\\":')
"""Signs of a key not written ``"key":`` (a raw newline, CR or tab is never inside a JSON
string, so it is spacing between tokens), or of a key ending in a backslash."""


def _check_objects(body: bytes, document: Mapping[str, Any], data: list[Any], what: str) -> None:
    """No record nests deeper than ``MAX_DEPTH``, and no object has a key twice.

    ``json.loads`` keeps the last of a repeated key (``"record": false, "record": true``
    reads as recorded). Decoding every object through an ``object_pairs_hook`` would
    slow every page down; instead the keys decoded are counted (the depth walk visits
    every object anyway) and compared with the ``":`` that end a key in the body (one
    inside a string is escaped, ``\\":``): a repeated key leaves one key fewer. Only a
    page where the two differ is decoded again, with a hook, to name the record and key.
    """
    keys = len(document)
    for name, value in document.items():
        if name != "data" and _keys_within(value, MAX_DEPTH) < 0:
            raise IncompleteListingError(
                f"incomplete listing: {what}: field {name!r} nests deeper than {MAX_DEPTH} "
                "levels; auditor reads at most that"
            )
    for position, record in enumerate(data, start=1):
        found = _keys_within(record, MAX_DEPTH)
        if found < 0:
            raise IncompleteListingError(
                f"incomplete listing: {_assistant(record, position, what)}: "
                f"{_deep_field(record)} nests deeper than {MAX_DEPTH} levels; auditor "
                "reads at most that; fix the assistant's data in the platform"
            )
        keys += found
    tokens = body.count(b'":') - body.count(b'\\":')
    if tokens != keys or any(sign in body for sign in _UNCOUNTED_KEYS):
        _find_repeated_key(body, data, what)


def _keys_within(value: Any, limit: int) -> int:
    """How many keys the objects in ``value`` have, or -1 if it nests deeper than
    ``limit`` (``value`` itself is level 1). A stack, not recursion."""
    if type(value) is not dict and type(value) is not list:
        return 0
    keys = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        container, level = pop()
        if level > limit:
            return -1
        if type(container) is dict:
            keys += len(container)
            container = container.values()
        for item in container:
            if type(item) is dict or type(item) is list:
                push((item, level + 1))
    return keys


def _deep_field(record: Any) -> str:
    if isinstance(record, dict):
        for name, value in record.items():
            if too_deep(value, MAX_DEPTH, level=2):
                return f"field {name!r}"
    return "the record"


def _assistant(record: Any, position: int, what: str) -> str:
    ident = record.get("id") if isinstance(record, dict) else None
    named = f"assistant id {ident!r}" if ident is not None else "an assistant"
    return f"{named} (record {position} on {what})"


def _find_repeated_key(body: bytes, data: list[Any], what: str) -> None:
    """Decode ``body`` again, noting every object with a key twice; raise for the first."""
    noted: list[tuple[dict[str, Any], str]] = []  # holds the objects: their ids stay theirs
    again = json.loads(body, object_pairs_hook=partial(jsoncodec.noting_repeats, noted))
    repeated: dict[int, str] = {}
    for obj, key in noted:
        repeated.setdefault(id(obj), key)
    if not repeated:
        return  # the count was off for another reason (spacing, escapes): no key twice
    records = again.get("data") if isinstance(again, dict) else None
    for position, record in enumerate(records if isinstance(records, list) else [], start=1):
        stack = [record]
        while stack:
            item = stack.pop()
            if type(item) is dict:
                if id(item) in repeated:
                    raise IncompleteListingError(
                        f"incomplete listing: {_assistant(record, position, what)} has the "
                        f"key {repeated[id(item)]!r} twice in one object, with no way to "
                        "tell which value is meant; fix the API's answer"
                    )
                stack.extend(item.values())
            elif type(item) is list:
                stack.extend(item)
    key = next(iter(repeated.values()))
    raise IncompleteListingError(
        f"incomplete listing: {what} has the key {key!r} twice in one object; fix the API's answer"
    )


def _whole_number(value: Any, name: str, what: str, given: str = "--base-url") -> int:
    """Laravel serves numbers, but ``per_page`` can come back as the string it was sent."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    got = "missing" if value is None else repr(value)
    raise IncompleteListingError(
        f"incomplete listing: {what} has no usable '{name}' ({got}); "
        f"is {_named(given)} an Intellixent API?"
    )


def _check_pagination(first: _Page, url: str, given: str = "--base-url") -> None:
    if first.current_page is not None and first.current_page != 1:
        raise IncompleteListingError(
            f"incomplete listing: asked {url} for page 1 and got page {first.current_page}"
        )
    if first.per_page < 1:
        raise IncompleteListingError(f"incomplete listing: {url} says per_page {first.per_page}")
    if first.total > MAX_ASSISTANTS:
        raise IncompleteListingError(
            f"incomplete listing: page 1 of {url} says total {first.total}; auditor reads at "
            f"most {MAX_ASSISTANTS:,} assistants per account; {_check(given)}"
        )
    needed = max(1, math.ceil(first.total / first.per_page))
    if first.last_page != needed:
        raise IncompleteListingError(
            f"incomplete listing: page 1 of {url} says last_page {first.last_page}, but total "
            f"{first.total} at per_page {first.per_page} needs {needed}; run again"
        )


def _check_same_shape(first: _Page, page: _Page, url: str) -> None:
    if page.current_page is not None and page.current_page != page.number:
        raise IncompleteListingError(
            f"incomplete listing: asked {url} for page {page.number} and got page "
            f"{page.current_page}; the API ignores the page parameter"
        )
    for name in ("last_page", "total", "per_page"):
        before, now = getattr(first, name), getattr(page, name)
        if before != now:
            if name == "per_page":
                raise IncompleteListingError(
                    f"incomplete listing: per_page changed between pages of {url} (page 1: "
                    f"{before}, page {page.number}: {now}); run again"
                )
            raise FleetChangedError(
                f"incomplete listing: the fleet changed while it was read: {name} changed "
                f"between pages of {url} (page 1: {before}, page {page.number}: {now}); run "
                "again"
            )


def _check_full(first: _Page, page: _Page, url: str) -> None:
    """A page before the last holds ``per_page`` records: an empty or short one means the
    API stopped serving (it would go on to ``last_page`` answering nothing)."""
    if page.number < first.last_page and len(page.data) != first.per_page:
        raise IncompleteListingError(
            f"incomplete listing: page {page.number} of {url} has {len(page.data)} "
            f"assistant{'s' if len(page.data) != 1 else ''}, but per_page is "
            f"{first.per_page} and last_page {first.last_page}; the API stopped before its "
            "total; run again"
        )


class _RecordCheck:
    """The checks on the records of a listing, page by page in any order: each is an
    object with an ``id`` and a ``uuid``, no uuid or id twice, as many as ``total``."""

    def __init__(self, url: str, started: datetime | None = None) -> None:
        self.url = url
        self.count = 0
        self._uuids: dict[str, Any] = {}
        """uuid as compared → where it was seen (``_seen``)."""
        self._ids: dict[str, Any] = {}
        """id as compared (``_identity``) → where it was seen (``_seen``)."""
        started = started if started is not None else datetime.now(timezone.utc)
        self._since = started.replace(microsecond=0)
        """Served timestamps are whole seconds: one in the fetch's first second may be later."""
        self._day = (self._since - timedelta(days=1)).strftime("%Y-%m-%d")
        """Any timestamp dated before this is older than the fetch, whatever its offset."""
        self._changed = ""
        self._edges: dict[int, tuple[Any, Any, int]] = {}
        """Page → its first id, last id, and ids ascending (1), descending (-1), other (0)."""
        self._ids_of: dict[int, list[Any]] = {}

    def page(self, page: _Page) -> list[Record]:
        """The records of ``page``, checked (``IncompleteListingError`` otherwise)."""
        uuids, ids, day = self._uuids, self._ids, self._day
        number = page.number
        for position, record in enumerate(page.data, start=1):
            if not isinstance(record, Mapping):
                raise IncompleteListingError(
                    f"incomplete listing: {self._where(position, page)} is a JSON "
                    f"{_json_type(record)}, not an object"
                )
            if record.get("id") is None:
                raise IncompleteListingError(
                    f"incomplete listing: {self._where(position, page)} has no id"
                )
            uuid = record.get("uuid")
            if not isinstance(uuid, str) or not uuid.strip():
                raise IncompleteListingError(
                    f"incomplete listing: {self._where(position, page)} (id "
                    f"{record.get('id')!r}) has no uuid; assistants are tracked by uuid, so "
                    "this listing cannot be audited"
                )
            key = uuid.strip().lower()
            if key in uuids:
                raise _twice(
                    _seen_where(uuids[key], key)[0],
                    number,
                    f"uuid {key} appears twice "
                    f"{_both(_seen_where(uuids[key], key), (number, position, uuid))} (uuids "
                    "are compared without case or surrounding spaces)",
                )
            raw_id = record["id"]
            ident = _identity(raw_id)
            if ident in ids:
                seen = ids[ident]
                first = _seen_where(seen, int(ident) if isinstance(seen, int) else None)
                raise _twice(
                    first[0],
                    number,
                    f"id {ident} appears twice " + _both(first, (number, position, raw_id)),
                )
            uuids[key] = _seen(number, position, uuid, uuid == key)
            ids[ident] = _seen(number, position, raw_id, type(raw_id) is int)
            for name in ("created_at", "updated_at"):
                stamp = record.get(name)
                if (
                    type(stamp) is str
                    and stamp[:10] >= day
                    and not self._changed
                    and _not_before(stamp, self._since)
                ):
                    self._changed = (
                        f"assistant id {record['id']!r} on page {number} has {name} "
                        f"{stamp}, not before the fetch began at "
                        f"{self._since:%Y-%m-%dT%H:%M:%SZ}"
                    )
        data = page.data
        if data:
            self._edges[number] = (data[0]["id"], data[-1]["id"], _direction(data))
        if number == 1 or number == page.last_page:
            self._ids_of[number] = [_identity(r.get("id")) for r in data]
        self.count += len(data)
        return data

    def unchanged(self, again: list[_Page]) -> None:
        """Every page has been checked: raise ``FleetChangedError`` if anything shows
        that the fleet changed while it was read (see ``ApiClient.pages``)."""
        why = self._changed or _out_of_order(self._edges)
        for page in again:
            ids = [_identity(r.get("id")) if isinstance(r, Mapping) else None for r in page.data]
            if not why and ids != self._ids_of.get(page.number):
                why = f"page {page.number} read again at the end holds other assistants"
        if why:
            raise FleetChangedError(
                f"incomplete listing: the fleet changed while it was read ({why}); {self.url}"
            )

    def _where(self, position: int, page: _Page) -> str:
        return f"record {position} on page {page.number} of {self.url}"

    def finish(self, total: int, pages: int) -> None:
        """Every page has been checked: the count must match ``total``."""
        if self.count != total:
            raise IncompleteListingError(
                f"incomplete listing: {self.url} says total {total} but served {self.count} "
                f"assistant{'s' if self.count != 1 else ''} on {pages} "
                f"page{'s' if pages != 1 else ''}; run again (the fleet may have changed "
                "during the fetch)"
            )


def _twice(page: int, again: int, what: str) -> IncompleteListingError:
    """On two pages, an assistant seen twice is what a shift looks like: read again."""
    if page != again:
        return FleetChangedError(
            f"incomplete listing: the fleet changed while it was read, or the API pages "
            f"unstably: {what}; run again"
        )
    return IncompleteListingError(f"incomplete listing: {what}; fix the API's answer")


def _seen(number: int, position: int, raw: Any, plain: bool) -> Any:
    """Where a uuid or id was seen, small: one int when the value as served can be told
    from the key it is compared by (``plain``), else ``(page, position, value)``."""
    return number << 32 | position if plain else (number, position, raw)


def _seen_where(seen: Any, plain: Any) -> tuple[int, int, Any]:
    """``(page, position, value as served)`` from ``_seen`` (``plain``: the value as
    served when it was plain)."""
    if isinstance(seen, int):
        return seen >> 32, seen & 0xFFFFFFFF, plain
    return seen


def _both(first: tuple[int, int, Any], again: tuple[int, int, Any]) -> str:
    """Where a value was seen twice: ``(pages 1 and 2) as record 3 on page 1 and record
    7 on page 2``, with each as served when they differ (``1000`` and ``'1000'``)."""
    (page1, pos1, raw1), (page2, pos2, raw2) = sorted((first, again), key=lambda w: w[:2])
    shown = raw1 != raw2 or type(raw1) is not type(raw2)
    return (
        f"(pages {page1} and {page2}) as record {pos1} on page {page1}"
        + (f" ({raw1!r})" if shown else "")
        + f" and record {pos2} on page {page2}"
        + (f" ({raw2!r})" if shown else "")
    )


def _not_before(stamp: str, since: datetime) -> bool:
    """Whether an ISO 8601 timestamp as served is at or after ``since`` (UTC if it says
    no zone); an unreadable one is no evidence either way."""
    try:
        when = datetime.fromisoformat(stamp[:-1] + "+00:00" if stamp.endswith("Z") else stamp)
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when >= since


def _direction(data: list[Record]) -> int:
    """1 if the page's ids are whole numbers in ascending order, -1 descending, else 0
    (one record: 1)."""
    ids = list(map(_record_id, data))
    if not all(type(i) is int for i in ids):
        return 0
    return 1 if ids == sorted(ids) else -1 if ids == sorted(ids, reverse=True) else 0


def _out_of_order(edges: Mapping[int, tuple[Any, Any, int]]) -> str:
    """When every page is in id order (the sandbox's and Laravel's default), the last
    id of each page and the first of the next must keep that order: a change between two
    pages' readings can move a record across their boundary. An API that pages in
    another order is not checked this way."""
    numbers = sorted(edges)
    directions = {edges[n][2] for n in numbers if edges[n][0] != edges[n][1]}
    if len(directions) != 1 or 0 in directions:
        return ""
    rising = directions == {1}
    for before, after in itertools.pairwise(numbers):
        end, start = edges[before][1], edges[after][0]
        ints = type(end) is int and type(start) is int
        if after == before + 1 and ints and (end < start) != rising:
            return (
                f"page {before} ends with id {end} and page {after} starts with id {start}, "
                "out of the order the pages are in"
            )
    return ""


def _record_id(record: Record) -> Any:
    return record["id"]


def _identity(value: Any) -> str:
    """An id as a dict key: ``1000``, ``"1000"``, ``" 1000 "`` and ``1000.0`` are one
    assistant (the same id served as a number or a string); odd types still compare."""
    if type(value) is int:
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdecimal() and len(text) < 100:
            return str(int(text))
        return text.lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, sort_keys=True, default=str)


def _json_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


# -- small helpers --------------------------------------------------------------------------


def _server_message(body: bytes, reason: str) -> str:
    """The API's ``message`` (JSON), else the HTTP reason: one short line."""
    text = ""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        document = None
    if isinstance(document, Mapping) and isinstance(document.get("message"), str):
        text = document["message"]
    if not text:
        text = reason
    text = " ".join(str(text).split()).rstrip(".")  # it goes inside our own sentence
    return text[:200] + "…" if len(text) > 200 else text


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date); ``None`` if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


_CUT_OFF = "the answer was cut off"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it was raised from, wraps or holds (``__cause__``,
    ``__context__``, ``reason``, ``args``), each once, depth first."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen or not isinstance(current, BaseException):
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(current.args)


def _cut_off(exc: BaseException) -> str:
    """A body that ended before its end: how much of it came, where that is known."""
    for current in _chain(exc):
        if isinstance(current, http.client.IncompleteRead):
            got = current.partial
            size = len(got) if isinstance(got, bytes | bytearray) else int(got)
            if isinstance(current.expected, int):
                return f"{_CUT_OFF} after {size:,} of {size + current.expected:,} bytes"
            return f"{_CUT_OFF} after {size:,} bytes"
    return f"{_CUT_OFF} ({_reason(exc)})"


def _reason(exc: BaseException) -> str:
    """A short, human reason for a network error ("connection refused")."""
    for current in _chain(exc):
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, OSError) and current.strerror:
            text = current.strerror
            return "host not found" if "Name or service not known" in text else text.lower()
        if isinstance(current, requests.exceptions.ConnectTimeout):
            return "connection timed out"
    text = str(exc)
    for marker in ("Failed to resolve", "Name or service not known", "nodename nor servname"):
        if marker in text:
            return "host not found"
    if "Connection refused" in text:
        return "connection refused"
    if "timed out" in text:
        return "connection timed out"
    return text[:200]


# -- transport bounds ---------------------------------------------------------------------


def _time_left(deadline: float) -> float:
    """Seconds until ``deadline``; a ``ReadTimeout`` once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise requests.exceptions.ReadTimeout()
    return left


def _read_within(response: requests.Response, deadline: float) -> None:
    """Let the next read of ``response`` wait only for what is left until ``deadline``."""
    left = _time_left(deadline)
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(left)


def _origin(url: str) -> str:
    """``scheme://host:port`` of ``url``: no userinfo, path or query (they may hold secrets)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None
    return f"{scheme}://{host}:{port if port is not None else '?'}"


def _check_redirect(number: int, source: str, target: str, given: str = "--base-url") -> None:
    """A redirect may stay on the origin it came from, and nothing else (``FetchError``)."""
    before, after = _origin(source), _origin(target)
    if before == after:
        return
    downgrade = before.startswith("https:") and after.startswith("http:")
    kind = "from https to plain http" if downgrade else "to another origin"
    raise FetchError(
        f"page {number}: the API at {before} redirected {kind}, {after}; not followed, as "
        f"a compliance read must come from the API it names: set "
        f"{_named(given)} to the API's own https address"
    )


def _named(given: str) -> str:
    """The base URL as a message names it: the flag, or where the URL came from."""
    return given if given == "--base-url" else f"the base URL ({given})"


def _check(given: str) -> str:
    return f"check {_named(given)}"


def _more_than(limit: int) -> str:
    return f"the answer is more than the {_size(limit)} a page may hold"


def _size(limit: int) -> str:
    mib = 1024 * 1024
    return f"{limit // mib} MiB" if limit % mib == 0 else f"{limit:,} bytes"


def _check_seconds(value: float, flag: str, *, zero: bool = False) -> None:
    """A time setting must be a finite number of seconds (above 0, or 0 when ``zero``)."""
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        raise ConfigError(f"{flag} must be a finite number of seconds (got {value!r})")
