"""Read every assistant of an account, completely or not at all.

``fetch_listing(settings)`` reads ``GET {base}/user/assistants/get?per_page=100&page=P``:
page 1 first (it says how many pages there are), then pages 2..last concurrently
(``settings.concurrency`` at a time) over one pooled ``requests.Session``, put back in
page order. For N pages at latency L that takes about L × (1 + ceil((N-1)/C)).
``ApiClient.stream`` does the same but hands each page over as it arrives, for a caller
(the audit) that keeps little of each record and so never holds the whole fleet.

Connection errors, timeouts, 429 and 5xx are retried with exponential backoff and full
jitter (``Retry-After`` honoured, in seconds or as an HTTP date), a bounded number of
times. 401, 403, 404, 422 and other 4xx answers are final.

A listing is returned only when it is complete: every page answered with a list of
objects, each with an ``id`` and a ``uuid``, no uuid or id twice, ``last_page`` and
``total`` the same on every page and consistent with ``per_page``, and as many records
as ``total`` says. Anything else raises ``IncompleteListingError`` naming the check;
HTTP and network problems raise ``FetchError`` / ``AuthError`` (all exit 3). A missing
key is an ``AuthError`` too (exit 3, an auth problem, with how to set the key), raised
before any request. The key is sent only in the ``Authorization`` header: never in a
URL, a message, a log line or a ``repr``.

Environment (for tests and impatient people, not documented in ``--help``):
``AUDITOR_RETRY_BASE`` — the first backoff delay in seconds (default 0.5).
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import partial
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from auditor._version import __version__
from auditor.errors import (
    AuthError,
    ConfigError,
    FetchError,
    IncompleteListingError,
)
from auditor.gcpause import gc_paused
from auditor.model import Listing, Record, in_id_order
from auditor.redact import register_secret
from auditor.settings import ApiSettings

ENDPOINT = "/user/assistants/get"
PER_PAGE = 100
USER_AGENT = f"auditor/{__version__}"
MAX_CONNECT_TIMEOUT = 10.0
RETRY_BASE_ENV = "AUDITOR_RETRY_BASE"
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_DEFAULT_KEY_ENV = "INTELLIXENT_API_KEY"
_LOOPBACK = ("127.", "localhost", "::1", "[::1]")

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


class _Cancelled(Exception):
    """The fetch was abandoned (another page failed, or Ctrl-C)."""


class ApiClient:
    """A client for one account's API: one pooled session, Bearer auth, retries."""

    def __init__(self, settings: ApiSettings, retry: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.retry = retry if retry is not None else RetryPolicy()
        self.base_url = settings.base_url.rstrip("/")
        self.url = self.base_url + ENDPOINT
        _check_base_url(self.base_url)
        register_secret(settings.api_key)
        self._timeout = (min(MAX_CONNECT_TIMEOUT, settings.timeout), settings.timeout)
        self._rng = random.Random()
        self._cancel = threading.Event()
        self._session = requests.Session()
        adapter = HTTPAdapter(
            pool_connections=1, pool_maxsize=max(settings.concurrency, 1), max_retries=0
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # requests reads the proxy and CA-bundle variables again for every request,
        # scanning the whole environment twice (~0.5 ms a page, a fifth of the client's CPU
        # per page); every request goes to the same host, so read them once, here.
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

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the listing --------------------------------------------------------------------------

    def fetch_listing(self, *, progress: bool = False) -> Listing:
        """Every assistant of the account, complete, keyed by uuid in id order.

        Raises ``AuthError`` / ``FetchError`` / ``IncompleteListingError`` (exit 3).
        ``KeyboardInterrupt`` stops the fetch at once: queued pages are cancelled and
        pages waiting to retry give up.
        """
        pages: dict[int, list[Record]] = {}
        with gc_paused():  # every record is kept: a collection would walk them all again
            fetched_at = self.stream(pages.__setitem__, progress=progress)
            records = in_id_order([r for n in sorted(pages) for r in pages[n]], _record_id)
        return Listing(
            source=self.base_url,
            fetched_at=fetched_at,
            assistants={str(r["uuid"]): r for r in records},
            account=self.settings.account,
        )

    def stream(self, take: Callable[[int, list[Record]], None], *, progress: bool = False) -> str:
        """Hand each page's records to ``take(page_number, records)`` as the page arrives.

        Pages come in any order, each checked (the same checks as ``fetch_listing``)
        before it is handed over; the count is checked once all have arrived, so only a
        call that returns has seen a complete listing: after an exception, whatever
        ``take`` has received so far must be thrown away. Returns the time the fetch
        started (``fetched_at``). A caller that keeps little of each record reads a fleet
        of any size in little memory: at most a few pages wait for ``take`` at a time.
        """
        if not self.settings.api_key:
            raise AuthError(f"no API key for {self.base_url}: {self._how_to_set_key()}")
        fetched_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        started = time.monotonic()
        self._cancel.clear()
        checker = _RecordCheck(self.url)
        first = self.fetch_page(1)
        _check_pagination(first, self.url)
        take(1, checker.page(first))
        with self._progress(first.last_page, progress) as advance:
            advance(1)
            if first.last_page > 1:
                pages = self._fetch_rest(first.last_page)
                try:
                    for page in pages:
                        _check_same_shape(first, page, self.url)
                        take(page.number, checker.page(page))
                        advance(1)
                except BaseException:
                    self._cancel.set()  # pages waiting to retry give up
                    raise
                finally:
                    pages.close()  # now, not when the traceback goes: no page is started
        checker.finish(first.total, first.last_page)
        _log.info(
            "read %d assistants on %d page%s from %s in %.2f s",
            checker.count,
            first.last_page,
            "" if first.last_page == 1 else "s",
            self.url,
            time.monotonic() - started,
        )
        return fetched_at

    def _fetch_rest(self, last_page: int) -> Generator[_Page, None, None]:
        """Pages 2..last_page as they arrive, ``concurrency`` at a time; the first
        failure stops all.

        The pages are read on daemon threads (``auditor.background``): after a failure or
        Ctrl-C the process does not wait for the requests still in flight. At most three
        fetched pages per worker wait for the caller (two queued, one in hand), so a slow
        caller slows the fetch rather than piling pages up in memory.
        """
        from auditor.background import completed

        calls = [partial(self.fetch_page, n) for n in range(2, last_page + 1)]
        concurrency = self.settings.concurrency
        for _, page in completed(
            calls, concurrency, name="auditor-fetch", waiting=2 * max(concurrency, 1)
        ):
            yield page

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
                response = self._session.get(
                    self.url,
                    params={"per_page": PER_PAGE, "page": number},
                    timeout=self._timeout,
                )
            except requests.exceptions.SSLError as exc:
                raise FetchError(
                    f"TLS error talking to {self.base_url}: {_reason(exc)}; check --base-url "
                    "and the server's certificate"
                ) from None
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
                raise ConfigError(f"--base-url {self.base_url!r} is not usable: {exc}") from None
            except requests.exceptions.TooManyRedirects:
                raise FetchError(f"{what}: too many redirects; check --base-url") from None
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
                last_problem = f"the answer was cut off ({_reason(exc)})"
                statuses.append(-2)
                delay = self.retry.backoff(attempt, self._rng)
                self._note_retry(what, attempt, last_problem, delay)
            except requests.exceptions.RequestException as exc:
                raise FetchError(f"{what}: {_reason(exc)}") from None
            else:
                with response:
                    status = response.status_code
                    if status == 200:
                        page = _parse_page(number, response.content, what)
                        _log.info(
                            "page %d: %d records, %d ms%s",
                            number,
                            len(page.data),
                            (time.monotonic() - began) * 1000,
                            f" (try {attempt})" if attempt > 1 else "",
                        )
                        return page
                    message = _server_message(response)
                    if status not in _RETRY_STATUSES and not 500 <= status <= 599:
                        raise self._final_error(number, status, message)
                    last_status, last_problem = status, message
                    statuses.append(status)
                    delay = self.retry.backoff(attempt, self._rng)
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    if retry_after is not None:
                        if retry_after > self.retry.max_retry_after:
                            raise FetchError(
                                f"{what}: the API asked to wait {retry_after:.0f} s before "
                                f"trying again ({status}, Retry-After); try again later"
                            )
                        delay = retry_after
                    self._note_retry(what, attempt, f"{status} {message}", delay)
            if attempt < self.retry.max_tries and self._cancel.wait(delay):
                raise _Cancelled()
        raise self._exhausted(what, last_status, last_problem, len(statuses))

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
                f"{what}: no answer within {self.settings.timeout:g} s ({times}); "
                "try again later or raise --timeout"
            )
        return FetchError(
            f"cannot connect to {self.base_url}: {problem} ({times}); "
            "check --base-url and the network"
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
                f"{self.url} not found (404): check --base-url (it should end in /api, "
                "e.g. https://portal.intellixent.ai/api)"
            )
        if status == 422:
            return FetchError(
                f"the API rejected the request for page {number} (422: {message}); "
                f"this API may not accept per_page={PER_PAGE}"
            )
        return FetchError(
            f"page {number} of {self.url}: the API answered {status} ({message}); check --base-url"
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


def _check_base_url(base_url: str) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"--base-url must be an http(s) URL like https://portal.intellixent.ai/api "
            f"(got {base_url!r})"
        )
    if parts.scheme == "http" and not (parts.hostname or "").startswith(_LOOPBACK):
        _log.warning("sending the API key over plain http to %s; use https", parts.hostname)


def _parse_page(number: int, body: bytes, what: str) -> _Page:
    try:
        document = json.loads(body)
    except UnicodeDecodeError:
        raise IncompleteListingError(f"{what} is not valid JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        if body.lstrip()[:1] in (b"{", b"["):
            detail = f"cut off or damaged at line {exc.lineno}, column {exc.colno}"
        else:
            detail = f"it starts {body[:40].decode('utf-8', 'replace').strip()!r}"
        raise IncompleteListingError(
            f"{what} is not valid JSON ({detail}); try again, and check --base-url"
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        reason = str(exc).split(";")[0]
        raise IncompleteListingError(f"{what} is not usable JSON ({reason})") from None
    if not isinstance(document, Mapping):
        raise IncompleteListingError(
            f"{what} is not a listing (a JSON {type(document).__name__}, not an object); "
            "check --base-url"
        )
    data = document.get("data")
    if not isinstance(data, list):
        got = "missing" if data is None else f"a JSON {_json_type(data)}"
        raise IncompleteListingError(
            f"incomplete listing: {what} has no 'data' list ({got}); cannot read it"
        )
    fields = {}
    for name in ("total", "last_page", "per_page"):
        fields[name] = _whole_number(document.get(name), name, what)
    current = document.get("current_page")
    return _Page(
        number=number,
        data=data,
        total=fields["total"],
        last_page=fields["last_page"],
        per_page=fields["per_page"],
        current_page=_whole_number(current, "current_page", what) if current is not None else None,
    )


def _whole_number(value: Any, name: str, what: str) -> int:
    """Laravel serves numbers, but ``per_page`` can come back as the string it was sent."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    got = "missing" if value is None else repr(value)
    raise IncompleteListingError(
        f"incomplete listing: {what} has no usable '{name}' ({got}); "
        "is --base-url an Intellixent API?"
    )


def _check_pagination(first: _Page, url: str) -> None:
    if first.current_page is not None and first.current_page != 1:
        raise IncompleteListingError(
            f"incomplete listing: asked {url} for page 1 and got page {first.current_page}"
        )
    if first.per_page < 1:
        raise IncompleteListingError(f"incomplete listing: {url} says per_page {first.per_page}")
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
            raise IncompleteListingError(
                f"incomplete listing: {name} changed between pages of {url} (page 1: {before}, "
                f"page {page.number}: {now}); the fleet changed during the fetch; run again"
            )


class _RecordCheck:
    """The checks on the records of a listing, page by page in any order: each is an
    object with an ``id`` and a ``uuid``, no uuid or id twice, as many as ``total``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.count = 0
        self._uuids: dict[str, int] = {}
        self._ids: dict[Any, int] = {}

    def page(self, page: _Page) -> list[Record]:
        """The records of ``page``, checked (``IncompleteListingError`` otherwise)."""
        uuids, ids = self._uuids, self._ids
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
            if uuid in uuids:
                first, again = sorted((uuids[uuid], page.number))
                raise IncompleteListingError(
                    f"incomplete listing: uuid {uuid} appears twice (pages {first} and "
                    f"{again}); the fleet changed during the fetch or the API pages "
                    "unstably; run again"
                )
            ident = _identity(record["id"])
            if ident in ids:
                first, again = sorted((ids[ident], page.number))
                raise IncompleteListingError(
                    f"incomplete listing: id {record['id']!r} appears twice (pages "
                    f"{first} and {again}); run again"
                )
            uuids[uuid] = ids[ident] = page.number
        self.count += len(page.data)
        return page.data

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


def _record_id(record: Record) -> Any:
    return record["id"]


def _identity(value: Any) -> Any:
    """A dict key for an id as served: ``1`` and ``"1"`` differ, odd types still compare."""
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
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


def _server_message(response: requests.Response) -> str:
    """The API's ``message`` (JSON), else the HTTP reason: one short line."""
    text = ""
    try:
        document = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        document = None
    if isinstance(document, Mapping) and isinstance(document.get("message"), str):
        text = document["message"]
    if not text:
        text = response.reason or ""
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


def _reason(exc: BaseException) -> str:
    """A short, human reason for a network error ("connection refused")."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen or not isinstance(current, BaseException):
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, OSError) and current.strerror:
            text = current.strerror
            return "host not found" if "Name or service not known" in text else text.lower()
        if isinstance(current, requests.exceptions.ConnectTimeout):
            return "connection timed out"
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(current.args)
    text = str(exc)
    for marker in ("Failed to resolve", "Name or service not known", "nodename nor servname"):
        if marker in text:
            return "host not found"
    if "Connection refused" in text:
        return "connection refused"
    if "timed out" in text:
        return "connection timed out"
    return text[:200]
