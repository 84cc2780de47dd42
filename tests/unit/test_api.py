"""The API client against the real sandbox over HTTP: concurrency, retries, completeness."""

from __future__ import annotations

import math
import re
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest

from auditor.api import ApiClient, RetryPolicy, _retry_after, fetch_listing
from auditor.errors import (
    EXIT_FETCH,
    AuthError,
    ConfigError,
    FetchError,
    IncompleteListingError,
)
from auditor.model import Listing
from auditor.sandbox.server import RunningSandbox
from auditor.settings import ApiSettings

MakeSandbox = Callable[..., RunningSandbox]
FAST = RetryPolicy(base=0.001)
KEY = "sk-test-key-that-must-never-show-0001"


def settings_for(sandbox: RunningSandbox, **changes: object) -> ApiSettings:
    values: dict[str, object] = {"base_url": sandbox.base_url, "api_key": sandbox.api_key}
    values.update(changes)
    return ApiSettings(**values)  # type: ignore[arg-type]


def fetch(sandbox: RunningSandbox, retry: RetryPolicy = FAST, **changes: Any) -> Listing:
    return fetch_listing(settings_for(sandbox, **changes), retry=retry)


def tries_of(sandbox: RunningSandbox, page: int) -> list[int]:
    """The statuses the sandbox answered for ``page``, in order."""
    return [r.status for r in sandbox.requests if r.page == page]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- a complete listing ----------------------------------------------------------------------


def test_listing_is_keyed_by_uuid_in_id_order(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250)
    listing = fetch(sandbox, account="north")
    records = list(listing.assistants.values())
    assert [r["id"] for r in records] == list(range(1, 251))
    assert list(listing.assistants) == [r["uuid"] for r in records]
    assert records == sandbox.fleet
    assert listing.source == sandbox.base_url
    assert listing.account == "north"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", listing.fetched_at)
    assert sorted(sandbox.pages_served) == [1, 1, 2, 3, 3]  # page 1 and the last read again
    assert sandbox.pages_served[0] == 1
    assert all(r.per_page == 100 for r in sandbox.requests)


def test_pages_after_the_first_are_fetched_concurrently(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=1000, latency_ms=100)  # 10 pages
    listing = fetch(sandbox, concurrency=8)
    assert len(listing.assistants) == 1000
    assert 4 <= sandbox.max_in_flight <= 8
    first = sandbox.requests[0]
    assert first.page == 1
    # every other page was asked for only after page 1 had answered
    assert all(r.started >= first.finished for r in sandbox.requests[1:])


def test_concurrency_is_bounded(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=1000, latency_ms=50)
    fetch(sandbox, concurrency=3)
    assert 2 <= sandbox.max_in_flight <= 3
    sandbox.reset_log()
    fetch(sandbox, concurrency=1)
    assert sandbox.max_in_flight == 1


def test_empty_account_is_an_empty_listing_not_an_error(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(faults=("empty-account",))
    listing = fetch(sandbox)
    assert dict(listing.assistants) == {}
    assert sandbox.request_count == 1


# -- retries ---------------------------------------------------------------------------------


def test_429_is_retried_after_the_retry_after_delay(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, rate_limit_every=2, retry_after=0.2)
    listing = fetch(sandbox, concurrency=1)
    assert len(listing.assistants) == 250
    log = sandbox.requests
    limited = [i for i, r in enumerate(log) if r.status == 429]
    assert limited
    for i in limited:
        again = next(r for r in log[i + 1 :] if r.page == log[i].page)
        assert again.started - log[i].finished >= 0.15  # waited as told, not the 1 ms backoff


def test_429_without_retry_after_backs_off_and_recovers(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, rate_limit_every=3, retry_after=0)
    assert len(fetch(sandbox).assistants) == 250
    assert 429 in [r.status for r in sandbox.requests]


def test_a_retry_after_beyond_the_limit_fails_at_once(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate_limit_every=1, retry_after=600)
    with pytest.raises(FetchError, match=r"asked to wait 600 s .*try again later"):
        fetch(sandbox)
    assert sandbox.request_count == 1


def test_rate_limited_forever_gives_up_after_max_tries(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate_limit_every=1, retry_after=0)
    with pytest.raises(FetchError, match=r"still rate limited \(429\) after 3 tries"):
        fetch(sandbox, retry=RetryPolicy(max_tries=3, base=0.001))
    assert sandbox.request_count == 3


def test_transient_5xx_is_retried_until_it_answers(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, fail_status=502, faults=("transient-5xx=2:2",))
    assert len(fetch(sandbox).assistants) == 250
    assert tries_of(sandbox, 2) == [502, 502, 200]


def test_random_5xx_with_enough_tries_still_gives_a_complete_listing(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(count=1000, fail_rate=0.3, seed=4)
    listing = fetch(sandbox, retry=RetryPolicy(max_tries=12, base=0.001))
    assert len(listing.assistants) == 1000
    assert 503 in [r.status for r in sandbox.requests]


def test_permanent_5xx_gives_up_with_a_clear_error(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, fail_pages=(2,))
    with pytest.raises(FetchError) as caught:
        fetch(sandbox)
    assert caught.value.exit_code == EXIT_FETCH
    assert re.search(
        r"page 2 of .*: the server answered 503 5 times \(last: Service Unavailable\); "
        r"try again later or lower --concurrency",
        str(caught.value),
    )
    assert tries_of(sandbox, 2) == [503] * 5


@pytest.mark.parametrize(
    ("overrides", "changes", "error", "message"),
    [
        ({"faults": ("auth-401",)}, {}, AuthError, r"rejected the key \(401 Unauthenticated\)"),
        (
            {},
            {"api_key": "wrong-key-0000"},
            AuthError,
            r"set INTELLIXENT_API_KEY or pass --api-key",
        ),
        ({"faults": ("auth-403",)}, {}, AuthError, r"refused access \(403 Forbidden"),
        ({"faults": ("max-per-page=50",)}, {}, FetchError, r"422: The per page field must not"),
    ],
)
def test_client_errors_are_never_retried(
    make_sandbox: MakeSandbox,
    overrides: dict[str, object],
    changes: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    sandbox = make_sandbox(**overrides)
    with pytest.raises(error, match=message):
        fetch(sandbox, **changes)
    assert sandbox.request_count == 1


def test_404_names_the_url_and_says_how_to_fix_the_base_url(sandbox: RunningSandbox) -> None:
    with pytest.raises(FetchError, match=r"not found \(404\): check --base-url .*end in /api"):
        fetch(sandbox, base_url=sandbox.root_url)


def test_account_key_error_names_the_accounts_env_var(sandbox: RunningSandbox) -> None:
    with pytest.raises(AuthError, match=r"set NORTH_KEY \(the api_key_env of account north\)"):
        fetch(sandbox, api_key="wrong-key-0000", api_key_env="NORTH_KEY", account="north")


def test_missing_key_is_an_auth_error_before_any_request(sandbox: RunningSandbox) -> None:
    with pytest.raises(AuthError, match=r"no API key for .*: set INTELLIXENT_API_KEY"):
        fetch(sandbox, api_key=None)
    assert sandbox.request_count == 0


def test_connection_refused_is_retried_then_names_the_url() -> None:
    base = f"http://127.0.0.1:{closed_port()}/api"
    settings = ApiSettings(base_url=base, api_key=KEY)
    with pytest.raises(
        FetchError, match=rf"cannot connect to {re.escape(base)}: connection refused"
    ):
        fetch_listing(settings, retry=RetryPolicy(max_tries=2, base=0.001))


def test_read_timeout_is_retried_then_reported(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(faults=("hang=30",))
    with pytest.raises(
        FetchError, match=r"no complete answer within 0.1 s \(2 times\).*raise --timeout"
    ):
        fetch(sandbox, timeout=0.1, retry=RetryPolicy(max_tries=2, base=0.001))
    assert sandbox.request_count == 2


def test_a_base_url_that_is_not_http_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--base-url must be an http"):
        ApiClient(ApiSettings(base_url="portal.intellixent.ai/api", api_key=KEY))


# -- completeness ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"faults": ("malformed-json=2",)}, r"page 2 of \S+ is not valid JSON"),
        ({"faults": ("data-not-list=3",)}, r"page 3 of \S+ has no 'data' list \(a JSON object\)"),
        ({"faults": ("missing-uuid=2",)}, r"record 1 on page 2 of \S+ \(id 101\) has no uuid"),
        ({"faults": ("duplicate-uuid",)}, r"uuid \S+ appears twice \(pages 1 and 3\)"),
        ({"faults": ("last-page-changes",)}, r"last_page changed between pages .*page 1: 3"),
        ({"lie_about_total": 5}, r"says total 255 but served 250 assistants on 3 pages"),
        ({"lie_about_total": -60}, r"says total 190 but served 200 assistants on 2 pages"),
    ],
)
def test_incomplete_listings_name_the_failed_check(
    make_sandbox: MakeSandbox, overrides: dict[str, object], message: str
) -> None:
    sandbox = make_sandbox(count=250, **overrides)
    with pytest.raises(IncompleteListingError, match=message) as caught:
        fetch(sandbox)
    assert caught.value.exit_code == EXIT_FETCH


def test_last_page_inconsistent_with_total_is_caught_on_page_1(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, lie_about_total=200)  # total 450: 5 pages promised
    with pytest.raises(
        IncompleteListingError,
        match=r"page [34] of \S+ has (50|0) assistants, but per_page is 100 and last_page 5; "
        r"the API stopped before its total",
    ):
        fetch(sandbox)


def test_a_record_that_is_not_an_object_or_lacks_an_id(make_sandbox: MakeSandbox) -> None:
    fleet: list[dict[str, object]] = [{"id": 1, "uuid": "a"}, {"uuid": "b"}]
    with pytest.raises(IncompleteListingError, match=r"record 2 on page 1 of \S+ has no id"):
        fetch(make_sandbox(fleet=fleet))
    twice: list[dict[str, object]] = [{"id": 1, "uuid": "a"}, {"id": 1, "uuid": "b"}]
    with pytest.raises(IncompleteListingError, match=r"id 1 appears twice"):
        fetch(make_sandbox(fleet=twice))


# -- secrets and progress --------------------------------------------------------------------


def test_the_key_is_in_no_repr_and_no_error(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(api_key=KEY, count=250, fail_pages=(3,))
    client = ApiClient(settings_for(sandbox), FAST)
    try:
        assert KEY not in repr(client)
        assert "***" in repr(client)
        with pytest.raises(FetchError) as caught:
            client.fetch_listing()
    finally:
        client.close()
    wrong = ApiClient(settings_for(sandbox, api_key=KEY + "x"), FAST)
    with wrong, pytest.raises(AuthError) as rejected:
        wrong.fetch_listing()
    for exc in (caught.value, rejected.value):
        assert KEY not in str(exc)
        assert KEY not in repr(exc.args)


def test_progress_bar_goes_to_stderr(
    make_sandbox: MakeSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = make_sandbox(count=250)
    with ApiClient(settings_for(sandbox), FAST) as client:
        client.fetch_listing(progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "reading 3 pages" in captured.err


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0.25", 0.25), ("-4", 0.0), ("soon", None), (None, None), ("", None)],
)
def test_retry_after_in_seconds(header: str | None, expected: float | None) -> None:
    assert _retry_after(header) == expected


def test_retry_after_as_an_http_date() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    seconds = _retry_after(format_datetime(when, usegmt=True))
    assert seconds is not None
    assert 25 <= seconds <= 31
    assert _retry_after(format_datetime(when - timedelta(hours=1), usegmt=True)) == 0.0


def test_backoff_is_full_jitter_and_capped() -> None:
    import random

    policy = RetryPolicy(base=0.5, cap=4.0)
    rng = random.Random(1)
    delays = [policy.backoff(attempt, rng) for attempt in (1, 2, 3, 8, 8, 8) for _ in range(50)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert max(policy.backoff(1, rng) for _ in range(100)) <= 0.5


def test_retry_base_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITOR_RETRY_BASE", "0.002")
    assert RetryPolicy().base == 0.002
    monkeypatch.setenv("AUDITOR_RETRY_BASE", "fast")
    assert RetryPolicy().base == 0.5


# -- the environment: proxies, read once per client ------------------------------------------


def _proxy_environment(monkeypatch: pytest.MonkeyPatch, proxy: str, no_proxy: str = "") -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("http_proxy", proxy)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    if no_proxy:
        monkeypatch.setenv("no_proxy", no_proxy)
        monkeypatch.setenv("NO_PROXY", no_proxy)


def test_a_proxy_from_the_environment_is_used(
    make_sandbox: MakeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sandbox plays an HTTP proxy for a host that does not exist."""
    proxy = make_sandbox(count=150)
    _proxy_environment(monkeypatch, proxy.root_url)
    settings = ApiSettings(base_url="http://assistants.invalid/api", api_key=proxy.api_key)
    listing = fetch_listing(settings, retry=FAST)
    assert len(listing.assistants) == 150
    assert len(proxy.requests) == 4  # 2 pages, then page 1 and the last read again
    assert all(r.path.startswith("http://assistants.invalid/api/") for r in proxy.requests)


def test_no_proxy_from_the_environment_is_honoured(
    make_sandbox: MakeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(count=150)
    _proxy_environment(monkeypatch, f"http://127.0.0.1:{closed_port()}", no_proxy="127.0.0.1")
    assert len(fetch(sandbox).assistants) == 150


# -- stream: pages handed over as they arrive ----------------------------------------------------


def take_pages(client: ApiClient, take: Callable[[int, list[Any]], None]) -> str:
    """``take(number, records)`` for each page of one ``pages()`` read; its ``fetched_at``."""
    with client.pages() as pages:
        for page in pages:
            take(page.number, page.records)
    return pages.fetched_at


def stream_pages(
    sandbox: RunningSandbox, concurrency: int = 4
) -> tuple[list[tuple[int, list[Any]]], str]:
    pages: list[tuple[int, list[Any]]] = []
    with ApiClient(settings_for(sandbox, concurrency=concurrency), FAST) as client:
        fetched_at = take_pages(client, lambda number, records: pages.append((number, records)))
    return pages, fetched_at


@pytest.mark.parametrize(("count", "concurrency"), [(0, 4), (1, 4), (100, 4), (1000, 8), (450, 1)])
def test_stream_hands_every_page_over_once_with_its_number(
    make_sandbox: MakeSandbox, count: int, concurrency: int
) -> None:
    sandbox = make_sandbox(count=count, latency_ms=5)
    pages, fetched_at = stream_pages(sandbox, concurrency)
    numbers = [number for number, _ in pages]
    last = max(1, -(-count // 100))
    assert numbers[0] == 1  # page 1 says how many there are: it always comes first
    assert sorted(numbers) == list(range(1, last + 1))
    for number, records in pages:
        assert records == sandbox.fleet[(number - 1) * 100 : number * 100]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", fetched_at)

    listing = fetch(sandbox, concurrency=concurrency)
    streamed = [r for _, records in sorted(pages, key=lambda p: p[0]) for r in records]
    assert streamed == list(listing.assistants.values())


def test_stream_pages_come_in_the_order_they_arrive(make_sandbox: MakeSandbox) -> None:
    """Page 2 answers last: pages 3.. are handed over before it, each once."""
    sandbox = make_sandbox(count=500, faults=("hang-page=2:0.3",))
    pages, _ = stream_pages(sandbox, concurrency=4)
    numbers = [number for number, _ in pages]
    assert sorted(numbers) == [1, 2, 3, 4, 5]
    assert numbers[-1] == 2


@pytest.mark.parametrize(
    ("overrides", "message", "never"),
    [
        ({"faults": ("malformed-json=2",)}, r"page 2 of \S+ is not valid JSON", 2),
        ({"faults": ("missing-uuid=3",)}, r"record 1 on page 3 of \S+ \(id 201\) has no uuid", 3),
        ({"faults": ("duplicate-uuid",)}, r"uuid \S+ appears twice \(pages 1 and 3\)", 3),
        ({"lie_about_total": 5}, r"says total 255 but served 250 assistants on 3 pages", None),
    ],
)
def test_an_incomplete_listing_raises_after_the_pages_handed_over(
    make_sandbox: MakeSandbox, overrides: dict[str, object], message: str, never: int | None
) -> None:
    sandbox = make_sandbox(count=250, **overrides)
    with pytest.raises(IncompleteListingError, match=message) as from_fetch:
        fetch(sandbox, concurrency=1)
    handed: list[int] = []
    with (
        ApiClient(settings_for(sandbox, concurrency=1), FAST) as client,
        pytest.raises(IncompleteListingError) as from_stream,
    ):
        take_pages(client, lambda number, records: handed.append(number))
    # fetch reads a listing again when it may have shifted (a uuid on two pages): the same
    # error, and how many times it read
    assert str(from_fetch.value).startswith(str(from_stream.value))
    assert handed[0] == 1  # some pages were handed over before the error
    assert len(handed) == len(set(handed))
    assert never not in handed  # the page that failed its checks never is
    if never is None:
        assert sorted(handed) == [1, 2, 3]  # the count is checked once all have arrived


def test_an_error_in_take_stops_the_stream(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=2000, latency_ms=5)
    handed: list[int] = []

    def take(number: int, records: list[Any]) -> None:
        handed.append(number)
        if len(handed) == 3:
            raise RuntimeError("the disk is full")

    with (
        ApiClient(settings_for(sandbox, concurrency=2), FAST) as client,
        pytest.raises(RuntimeError, match="the disk is full"),
    ):
        take_pages(client, take)
    assert len(handed) == 3
    assert sandbox.request_count < 20  # the other pages were not all fetched
    served = sandbox.request_count
    deadline = time.monotonic() + 5
    while any(t.name.startswith("auditor-fetch") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the page workers are still running"
        time.sleep(0.05)
    assert sandbox.request_count <= served + 2  # only the two in flight may still finish


def test_pages_are_pulled_with_their_numbers_and_fetched_at(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=450, latency_ms=5)
    with ApiClient(settings_for(sandbox, concurrency=4), FAST) as client:
        with client.pages() as stream:
            pulled = [(page.number, page.records, page.finite) for page in stream]
        assert (pulled[0][0], sorted(n for n, _, _ in pulled)) == (1, [1, 2, 3, 4, 5])
        for number, records, finite in pulled:
            assert records == sandbox.fleet[(number - 1) * 100 : number * 100]
            assert finite  # plain JSON: read by the fast decoder
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stream.fetched_at)


def test_leaving_the_pages_early_stops_the_requests(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=2000, latency_ms=5)
    with ApiClient(settings_for(sandbox, concurrency=2), FAST) as client:
        with client.pages() as stream:
            for number, _page in enumerate(stream, start=1):
                if number == 3:
                    break
        assert sandbox.request_count < 20
        deadline = time.monotonic() + 5
        while any(t.name.startswith("auditor-fetch") for t in threading.enumerate()):
            assert time.monotonic() < deadline, "the page workers are still running"
            time.sleep(0.05)


def test_a_page_with_nan_is_read_by_json_and_said_not_finite(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=3)
    sandbox.set_fleet([{**sandbox.fleet[0], "temperature": math.nan}, *sandbox.fleet[1:]])
    with ApiClient(settings_for(sandbox), FAST) as client, client.pages() as stream:
        (page,) = list(stream)
    assert math.isnan(page.records[0]["temperature"])
    assert not page.finite


def test_a_slow_take_holds_few_pages_back(make_sandbox: MakeSandbox) -> None:
    """Pages asked for but not yet taken stay within the bound ``stream`` sets: two per
    worker waiting, plus one in each worker's hands."""
    concurrency = 2
    sandbox = make_sandbox(count=2500)  # 25 pages
    ahead: list[int] = []

    def take(number: int, records: list[Any]) -> None:
        ahead.append(sandbox.request_count - (len(ahead) + 1))
        time.sleep(0.005)

    with ApiClient(settings_for(sandbox, concurrency=concurrency), FAST) as client:
        take_pages(client, take)
    assert len(ahead) == 25
    assert max(ahead) <= 3 * concurrency
    assert max(ahead) >= 1  # the workers did read ahead


def test_a_page_with_an_integer_too_long_to_convert_is_an_incomplete_listing() -> None:
    from auditor.api import _parse_page

    body = b'{"data": [{"id": ' + b"9" * 5000 + b', "uuid": "u"}], "total": 1}'
    with pytest.raises(IncompleteListingError, match=r"^page 1 is not usable JSON \(Exceeds"):
        _parse_page(1, body, "page 1")


# -- issue 15: what a page says is not taken on trust ------------------------------------------

PAGE_HEAD = b'{"current_page":1,"last_page":1,"per_page":100,"total":1,"data":['


@pytest.mark.parametrize(
    "record",
    [
        b'{"id":1,"uuid":"a","record":false,"record":true}',
        b'{"id":1,"uuid":"a","record":false,"record" :true}',  # a spaced colon
        b'{"id":1,"uuid":"a","k\\\\":1,"record":false,"record":true}',  # a key ending in \
        b'{"id":1,"uuid":"a","p":"say \\":","record":false,"record":true}',  # \": in a string
        b'{"id":1,"uuid":"a",\n "v":{"record":false,\t"record":true}}',  # nested, spaced
        b'{"id":1,"uuid":"a","v":[{"x":1,"x":2}]}',
    ],
)
def test_a_key_twice_in_any_object_is_found_however_the_page_is_written(record: bytes) -> None:
    from auditor.api import _parse_page

    with pytest.raises(IncompleteListingError, match=r"assistant id 1 \(record 1 on page 1\) "):
        _parse_page(1, PAGE_HEAD + record + b"]}", "page 1")


@pytest.mark.parametrize(
    "record",
    [
        b'{"id":1,"uuid":"a","p":"a \\"quoted\\": colon","q":"x :y"}',
        b'{"id":1,"uuid":"a","k\\\\":1,"record":true}',
        b'{\n  "id": 1,\n  "uuid" : "a",\n  "v": {"a": [1, {"b": 2}]}\n}',
    ],
)
def test_pages_without_a_repeated_key_are_read(record: bytes) -> None:
    from auditor.api import _parse_page

    assert len(_parse_page(1, PAGE_HEAD + record + b"]}", "page 1").data) == 1


def test_ids_and_uuids_are_compared_as_one_assistant() -> None:
    from auditor.api import _identity

    assert _identity(1000) == _identity("1000") == _identity(" 1000 ") == _identity(1000.0)
    assert _identity(1000) != _identity(1001)
    assert _identity("ABC") == _identity("abc")
    assert _identity(True) != _identity(1)


def test_ids_out_of_page_order_at_a_boundary_mean_the_fleet_changed() -> None:
    from auditor.api import _out_of_order

    assert _out_of_order({1: (1, 100, 1), 2: (101, 200, 1), 3: (201, 250, 1)}) == ""
    assert "page 1 ends with id 100 and page 2 starts with id 99" in _out_of_order(
        {1: (1, 100, 1), 2: (99, 200, 1)}
    )
    assert _out_of_order({1: (300, 201, -1), 2: (200, 101, -1)}) == ""  # newest first
    assert _out_of_order({1: (5, 100, 0), 2: (3, 200, 0)}) == ""  # another order: not judged
