"""The sandbox API over real HTTP: the endpoint as SPEC §1 describes it, and every fault."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
import requests

from auditor.errors import ConfigError
from auditor.sandbox.server import RunningSandbox, parse_faults, start_sandbox
from auditor.settings import SandboxSettings

MakeSandbox = Callable[..., RunningSandbox]


def get(
    sandbox: RunningSandbox,
    query: str = "",
    *,
    key: str | None = "",
    path: str = "/user/assistants/get",
) -> requests.Response:
    """One GET with the sandbox's key (``key=None``: no header; a string: that key)."""
    headers = {"Accept": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key or sandbox.api_key}"
    with requests.get(f"{sandbox.base_url}{path}{query}", headers=headers, timeout=10) as answer:
        answer.content  # noqa: B018 - read the body before the connection goes back
        return answer


def page(sandbox: RunningSandbox, number: int, per_page: int = 100) -> dict[str, Any]:
    answer = get(sandbox, f"?per_page={per_page}&page={number}")
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def test_pagination_fields_like_laravel(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250)
    first, last = page(sandbox, 1), page(sandbox, 3)
    assert first["current_page"] == 1
    assert (first["per_page"], first["total"], first["last_page"]) == (100, 250, 3)
    assert (first["from"], first["to"]) == (1, 100)
    assert first["prev_page_url"] is None
    assert first["next_page_url"].endswith("/api/user/assistants/get?page=2")
    assert (last["from"], last["to"], len(last["data"])) == (201, 250, 50)
    assert last["next_page_url"] is None
    ids = [r["id"] for n in (1, 2, 3) for r in page(sandbox, n)["data"]]
    assert ids == list(range(1, 251))


def test_default_per_page_is_10_and_pages_past_the_end_are_empty(sandbox: RunningSandbox) -> None:
    answer = get(sandbox)
    document = answer.json()
    assert answer.headers["Content-Type"] == "application/json"
    assert (document["per_page"], document["last_page"], len(document["data"])) == (10, 5, 10)
    beyond = page(sandbox, 9, per_page=10)
    assert beyond["data"] == []
    assert (beyond["from"], beyond["to"], beyond["total"]) == (None, None, 47)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?per_page=0", "per_page", "The per page field must be at least 1."),
        ("?per_page=101", "per_page", "The per page field must not be greater than 100."),
        ("?per_page=ten", "per_page", "The per page field must be an integer."),
        ("?page=0", "page", "The page field must be at least 1."),
        ("?page=1.5", "page", "The page field must be an integer."),
    ],
)
def test_invalid_parameters_are_422_with_laravel_errors(
    sandbox: RunningSandbox, query: str, field: str, message: str
) -> None:
    answer = get(sandbox, query)
    assert answer.status_code == 422
    assert answer.json() == {"message": message, "errors": {field: [message]}}


def test_several_invalid_parameters_count_the_other_errors(sandbox: RunningSandbox) -> None:
    document = get(sandbox, "?per_page=500&page=-1").json()
    assert document["message"].endswith("(and 1 more error)")
    assert set(document["errors"]) == {"per_page", "page"}


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_missing_or_wrong_key_is_401_unauthenticated(
    sandbox: RunningSandbox, key: str | None
) -> None:
    answer = get(sandbox, "?per_page=100", key=key)
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthenticated."}


def test_unknown_path_is_404_json_and_other_methods_405(sandbox: RunningSandbox) -> None:
    answer = get(sandbox, path="/assistants")
    assert answer.status_code == 404
    assert "could not be found" in answer.json()["message"]
    posted = requests.post(sandbox.base_url + "/user/assistants/get", timeout=10)
    assert posted.status_code == 405
    assert "POST" in posted.json()["message"]


def test_fleet_can_change_while_it_runs(sandbox: RunningSandbox) -> None:
    sandbox.update(3, name="Renamed")
    sandbox.remove(4)
    sandbox.add({**sandbox.fleet[0], "id": 100, "uuid": "new-uuid"})
    document = page(sandbox, 1)
    by_id = {r["id"]: r for r in document["data"]}
    assert by_id[3]["name"] == "Renamed"
    assert 4 not in by_id
    assert document["data"][-1]["id"] == 100
    assert document["total"] == 47
    with pytest.raises(KeyError):
        sandbox.update(999, name="x")


def test_request_log_records_pages_and_statuses(sandbox: RunningSandbox) -> None:
    page(sandbox, 1, per_page=20)
    page(sandbox, 2, per_page=20)
    get(sandbox, key="wrong")
    assert sandbox.request_count == 3
    assert sandbox.pages_served == [1, 2]
    assert [r.status for r in sandbox.requests] == [200, 200, 401]
    sandbox.reset_log()
    assert sandbox.requests == []
    assert sandbox.request_count == 0


# -- faults ----------------------------------------------------------------------------------


def test_rate_limit_every_nth_request_with_and_without_retry_after(
    make_sandbox: MakeSandbox,
) -> None:
    limited = make_sandbox(rate_limit_every=2, retry_after=3)
    statuses = [get(limited, "?per_page=100").status_code for _ in range(4)]
    assert statuses == [200, 429, 200, 429]
    answer = get(limited)
    answer = get(limited)
    assert answer.headers["Retry-After"] == "3"
    silent = make_sandbox(rate_limit_every=1, retry_after=0)
    answer = get(silent)
    assert answer.status_code == 429
    assert "Retry-After" not in answer.headers


def test_fail_pages_are_permanent_and_transient_faults_recover(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, fail_pages=(2,), fail_status=500)
    assert [get(sandbox, "?per_page=100&page=2").status_code for _ in range(3)] == [500] * 3
    assert get(sandbox, "?per_page=100&page=1").status_code == 200
    flaky = make_sandbox(count=250, fail_status=502, faults=("transient-5xx=3:2",))
    answers = [get(flaky, "?per_page=100&page=3") for _ in range(3)]
    assert [a.status_code for a in answers] == [502, 502, 200]
    assert answers[0].headers["Content-Type"] == "text/html"  # as a proxy would answer


def test_fail_rate_is_seeded(make_sandbox: MakeSandbox) -> None:
    def statuses() -> list[int]:
        sandbox = make_sandbox(fail_rate=0.5, seed=11)
        return [get(sandbox, "?per_page=100").status_code for _ in range(20)]

    first = statuses()
    assert first == statuses()
    assert {200, 503} == set(first)


def test_lie_about_total_in_both_directions(make_sandbox: MakeSandbox) -> None:
    more = page(make_sandbox(lie_about_total=5), 1)
    assert (more["total"], len(more["data"])) == (52, 47)
    fewer = page(make_sandbox(lie_about_total=-7), 1)
    assert (fewer["total"], len(fewer["data"])) == (40, 47)


def test_auth_faults(make_sandbox: MakeSandbox) -> None:
    assert get(make_sandbox(faults=("auth-401",))).status_code == 401
    forbidden = get(make_sandbox(faults=("auth-403",)))
    assert forbidden.status_code == 403
    assert forbidden.json()["message"] == "This action is unauthorized."


def test_data_faults(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(
        count=250,
        faults=("malformed-json=2", "data-not-list=3", "missing-uuid=1"),
    )
    first = page(sandbox, 1)
    assert "uuid" not in first["data"][0]
    assert "uuid" in first["data"][1]
    broken = get(sandbox, "?per_page=100&page=2")
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert isinstance(page(sandbox, 3)["data"], dict)


def test_duplicate_uuid_defaults_to_the_last_page(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, faults=("duplicate-uuid",))
    assert page(sandbox, 3)["data"][0]["uuid"] == page(sandbox, 1)["data"][0]["uuid"]
    single = make_sandbox(faults=("duplicate-uuid",))
    data = page(single, 1)["data"]
    assert data[0]["uuid"] == data[1]["uuid"]


def test_last_page_changes_after_page_1_on_every_fetch(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, faults=("last-page-changes",))
    for _ in range(2):  # a second run from the shell meets the same fault
        assert page(sandbox, 1)["last_page"] == 3
        assert page(sandbox, 2)["last_page"] == 4


def test_empty_account_and_max_per_page(make_sandbox: MakeSandbox) -> None:
    empty = page(make_sandbox(faults=("empty-account",)), 1)
    assert (empty["total"], empty["last_page"], empty["data"]) == (0, 1, [])
    capped = make_sandbox(faults=("max-per-page=50",))
    answer = get(capped, "?per_page=100")
    assert answer.status_code == 422
    assert answer.json()["message"] == "The per page field must not be greater than 50."
    assert get(capped, "?per_page=50").status_code == 200


def test_hang_makes_a_client_time_out_and_stop_is_prompt(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(faults=("hang=30",))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            sandbox.base_url + "/user/assistants/get",
            headers={"Authorization": f"Bearer {sandbox.api_key}"},
            timeout=(5, 0.2),
        )
    sandbox.stop()  # does not wait the 30 s out


def test_hang_page_slows_that_page_only(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(count=250, faults=("hang-page=2:30",))
    assert page(sandbox, 1)["current_page"] == 1  # at once
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            sandbox.base_url + "/user/assistants/get?per_page=100&page=2",
            headers={"Authorization": f"Bearer {sandbox.api_key}"},
            timeout=(5, 0.2),
        )
    sandbox.stop()


def test_latency_and_concurrency_are_visible_in_the_log(make_sandbox: MakeSandbox) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sandbox = make_sandbox(latency_ms=150)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: get(sandbox, "?per_page=10"), range(4)))
    assert sandbox.max_in_flight >= 2
    assert all(r.finished - r.started >= 0.14 for r in sandbox.requests)  # 150 ms latency


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope", "unknown sandbox fault 'nope'"),
        ("malformed-json", "needs a page number"),
        ("missing-uuid=zero", "needs a page number"),
        ("hang=soon", "needs seconds"),
        ("transient-5xx=2", "needs PAGE:TIMES"),
        ("hang-page=2", "needs PAGE:SECONDS"),
        ("hang-page=2:soon", "needs PAGE:SECONDS"),
        ("max-per-page=500", "whole number 1–100"),
        ("auth-401=1", "takes no argument"),
    ],
)
def test_bad_fault_specs_are_config_errors(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_faults([spec])


def test_a_port_in_use_is_a_clear_config_error(sandbox: RunningSandbox) -> None:
    with pytest.raises(ConfigError, match=r"port is in use; choose another with --port"):
        start_sandbox(SandboxSettings(port=sandbox.port))


def test_stop_releases_the_port() -> None:
    running = start_sandbox()
    port = running.port
    running.stop()
    with socket.create_server(("127.0.0.1", port)):
        pass
