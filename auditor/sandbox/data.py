"""A seeded, realistic sample fleet for the sandbox API, the demo, tests and benchmarks.

``generate_fleet(count, seed)`` returns assistants as the real API serves them: every
field of SPEC §1 (plus ``turn_detection_threshold`` and an unknown extra field,
``custom_tags``, which real accounts carry and rules may use), booleans mixing
``true/false`` and ``1/0``, nested ``variables``, ``tools`` and ``widget_settings``,
Laravel-style timestamps, sorted by ``id`` (1..count) with one constant ``user_id``.
The same ``count`` and ``seed`` always give the same records.

Every assistant is compliant with the documented ranges and consistency rules
(``initial_message`` ≤ 200 chars, 0–1 / 0.7–1.2 / 0–5 / 0–10 ranges, ``knowledgebase_mode``
``prompt`` only with ``pipeline``, pipeline has ``llm_model_id`` and the others
``multimodal_model_id``, greetings disclose an AI assistant, active webhooks use https,
``max_duration`` ≤ 1800, active assistants record calls and have a phone number) —
except a deliberate handful. At the default ``count=47`` they are (``KNOWN_VIOLATIONS``;
rule ids as in the bundled policy pack):

====  ==========================================================================
 id   violation
====  ==========================================================================
  4   ``recording-enabled``: active, ``record: false``
  9   ``webhook-https``: webhook active, ``webhook_url`` is ``http://…``
 15   ``max-duration``: ``max_duration: 3600``
 21   ``outbound-voicemail`` and ``outbound-ai-disclosure``: outbound,
      ``end_call_on_voicemail: 0``, a greeting that does not say it is an AI
 28   ``webhook-active-needs-url``: ``is_webhook_active: 1``, ``webhook_url: null``
 33   ``no-secrets-in-prompt``: the system prompt embeds ``api_key=sk-live-…``
      (``PLANTED_SECRET``; snapshots must never contain it)
 38   ``initial-message-length``: a 200+ character greeting
 42   ``active-needs-phone-number``: active, ``phone_number_id: null``
 45   ``recording-enabled``: active, ``record: 0`` (the 1/0 spelling)
====  ==========================================================================

The positions do not depend on the seed. For other counts the same pattern repeats every
47 assistants (ids 51, 56, … for ``count=100``), so violations scale with the fleet;
``known_violations(count)`` lists them for any count.

``simulate_drift(fleet)`` returns the fleet after "a night of edits" (see its docstring).
"""

from __future__ import annotations

import functools
import gc
import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

PATTERN_LENGTH = 47
"""The violation pattern repeats every this many assistants."""

_PATTERN: dict[int, tuple[str, ...]] = {
    4: ("recording-enabled",),
    9: ("webhook-https",),
    15: ("max-duration",),
    21: ("outbound-voicemail", "outbound-ai-disclosure"),
    28: ("webhook-active-needs-url",),
    33: ("no-secrets-in-prompt",),
    38: ("initial-message-length",),
    42: ("active-needs-phone-number",),
    45: ("recording-enabled",),
}

PLANTED_SECRET = "sk-live-51Hq8ZbT4xWv9KpL2mN7rQe3Yc"  # noqa: S105 - fake, for leak tests
"""The fake key planted in one system prompt; it must never reach a snapshot or report."""

USER_ID = 1042
"""Every sample assistant belongs to this user."""

_OUTBOUND_RULES = frozenset({"outbound-voicemail", "outbound-ai-disclosure"})

# (name, industry, tag, city)
_BUSINESSES: tuple[tuple[str, str, str, str], ...] = (
    ("Acme Dental", "dental practice", "dental", "Austin"),
    ("Brightside Plumbing", "plumbing company", "home-services", "Denver"),
    ("Cedar Grove Veterinary", "veterinary clinic", "veterinary", "Portland"),
    ("Northwind Insurance", "insurance agency", "insurance", "Chicago"),
    ("Lakeside Family Clinic", "family medical clinic", "healthcare", "Madison"),
    ("Summit Realty", "real estate agency", "real-estate", "Boulder"),
    ("Harbor Auto Service", "car service centre", "automotive", "Seattle"),
    ("Maple Street Bakery", "bakery and café", "food", "Burlington"),
    ("Pinecrest Law Group", "law firm", "legal", "Atlanta"),
    ("Riverbend Hotel", "hotel", "hospitality", "Savannah"),
    ("Bluebird Travel", "travel agency", "travel", "San Diego"),
    ("Oakridge Property Management", "property manager", "real-estate", "Phoenix"),
    ("Evergreen Landscaping", "landscaping company", "home-services", "Raleigh"),
    ("Silverline Telecom", "internet provider", "telecom", "Dallas"),
    ("Golden Gate Movers", "moving company", "logistics", "San Francisco"),
    ("Ironwood Fitness", "fitness studio", "fitness", "Minneapolis"),
    ("Clearview Eye Care", "optometry practice", "healthcare", "Columbus"),
    ("Sunrise Solar", "solar installer", "energy", "Tucson"),
    ("Redwood Credit Union", "credit union", "finance", "Sacramento"),
    ("Meadowbrook Pharmacy", "pharmacy", "healthcare", "Nashville"),
    ("Crescent Dental Studio", "dental practice", "dental", "New Orleans"),
    ("Keystone HVAC", "heating and cooling company", "home-services", "Pittsburgh"),
    ("Willow Pet Grooming", "pet grooming salon", "pets", "Boise"),
    ("Beacon Tutoring", "tutoring centre", "education", "Boston"),
)
_INBOUND_ROLES = (
    "Reception",
    "After-hours Line",
    "Appointment Booking",
    "Billing Questions",
    "Support Line",
    "Front Desk",
)
_OUTBOUND_ROLES = (
    "Appointment Reminders",
    "Payment Reminders",
    "Lead Follow-up",
    "Satisfaction Survey",
    "Renewal Outreach",
)
_AGENTS = ("Ava", "Sam", "Mia", "Leo", "Nora", "Max", "Iris", "Theo")
_TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "Europe/London",
)
_LANGUAGES = (1, 1, 1, 1, 2, 5)  # mostly en-US, some en-GB and es-ES
_MODES = ("pipeline", "pipeline", "pipeline", "multimodal", "multimodal", "dualplex")
_LLM_MODELS = (3, 4, 7, 9)
_MULTIMODAL_MODELS = (2, 5, 6)
_DURATIONS = (300, 600, 600, 900, 900, 1200, 1800)
_TEMPERATURES = (0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.7)
_STABILITY = (0.4, 0.5, 0.6, 0.7, 0.75)
_SIMILARITY = (0.6, 0.7, 0.75, 0.8, 0.9)
_SPEEDS = (0.9, 1.0, 1.0, 1.0, 1.05, 1.1)
_SENSITIVITY = (1, 2, 2, 3, 3, 4)
_SILENCE = (10, 15, 20, 30)
_REENGAGE = (20, 30, 45, 60)
_AMBIENT = (None, None, "office", "call-center", "cafe")
_COLORS = ("#1d4ed8", "#047857", "#b45309", "#7c3aed", "#be123c", "#0f766e")
_REGIONS = ("us-east", "us-central", "us-west", "eu-west")
_FIRST_DAY = date(2023, 1, 2)
_DAYS = tuple((_FIRST_DAY + timedelta(days=n)).isoformat() for n in range(900))
_TOUCHED_AT = "2025-07-01T02:14:09.000000Z"
"""The ``updated_at`` that ``simulate_drift`` stamps on the records it touches."""


def known_violations(count: int = PATTERN_LENGTH) -> dict[int, list[str]]:
    """``{assistant id: [rule id, …]}`` for ``generate_fleet(count)`` (any seed)."""
    found: dict[int, list[str]] = {}
    for start in range(0, max(count, 0), PATTERN_LENGTH):
        for position, rules in _PATTERN.items():
            if start + position <= count:
                found[start + position] = list(rules)
    return found


KNOWN_VIOLATIONS: dict[int, list[str]] = known_violations(PATTERN_LENGTH)
"""The deliberate violations of the default 47-assistant fleet, by assistant id."""


def generate_fleet(count: int = 47, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` sample assistants (ids 1..count, sorted by id), the same for the same seed.

    Fast enough for benchmarks: 100,000 records take about 0.8 s on one core.
    """
    rng = random.Random(seed)
    violations = known_violations(count)
    # Nothing built here forms a cycle; pausing the collector halves the time for big fleets.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return [_assistant(i, rng, violations.get(i, ())) for i in range(1, count + 1)]
    finally:
        if collecting:
            gc.enable()


def _uuid4(rng: random.Random) -> str:
    """``str(uuid.UUID(int=rng.getrandbits(128), version=4))``, without the object."""
    value = rng.getrandbits(128)
    value = (value & ~(0xF000 << 64)) | (4 << 76)
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _slug(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


_DOMAINS = tuple(_slug(b[0]) + ".example" for b in _BUSINESSES)
_TIMES = tuple(f"{m // 60:02d}:{m % 60:02d}:{(m * 37) % 60:02d}" for m in range(1440))


@functools.cache
def _texts(business_index: int, agent: str, outbound: bool) -> tuple[str, str]:
    """The greeting and the system prompt (shared strings: building them is the slow part)."""
    business, industry, _, city = _BUSINESSES[business_index]
    if outbound:
        greeting = (
            f"Hi, this is {agent}, an AI assistant calling for {business} about your "
            "upcoming appointment. Is now a good time?"
        )
        goals = (
            "- Confirm, reschedule or cancel the appointment.\n"
            "- If the person is busy, offer to call back at a better time.\n"
        )
    else:
        greeting = (
            f"Thanks for calling {business}! I'm {agent}, the virtual assistant. "
            "How can I help you today?"
        )
        goals = (
            "- Answer questions about opening hours, prices and location.\n"
            "- Book, move or cancel appointments.\n"
            "- Take a message when a question needs a person.\n"
        )
    prompt = (
        f"You are {agent}, the AI voice assistant of {business}, a {industry} in {city}.\n"
        "Goals:\n"
        f"{goals}"
        "Rules:\n"
        "- Say early in the call that you are an AI assistant.\n"
        "- Never give medical, legal or financial advice; offer to pass on a message.\n"
        "- Confirm names, dates and phone numbers back to the caller.\n"
        "- Keep answers short and friendly; transfer to a person when asked.\n"
    )
    return greeting, prompt


def _assistant(number: int, rng: random.Random, rules: Any = ()) -> dict[str, Any]:
    """One assistant; ``rules`` are the violations it must carry (else it is compliant)."""
    rnd = rng.random
    business_index = (number - 1) % len(_BUSINESSES)
    business, _, tag, city = _BUSINESSES[business_index]
    rounds = (number - 1) // len(_BUSINESSES)
    outbound = bool(_OUTBOUND_RULES.intersection(rules)) or (
        not rules and (number % 47) % 3 == 0 and rnd() < 0.8
    )
    roles = _OUTBOUND_ROLES if outbound else _INBOUND_ROLES
    role = roles[(rounds + business_index) % len(roles)]
    active = bool(rules) or rnd() < 0.8  # deliberate violations are all on live assistants
    agent = _AGENTS[int(rnd() * len(_AGENTS))]
    greeting, prompt = _texts(business_index, agent, outbound)
    mode = _MODES[int(rnd() * len(_MODES))]
    pipeline = mode == "pipeline"
    domain = _DOMAINS[business_index]
    timezone = _TIMEZONES[int(rnd() * len(_TIMEZONES))]
    has_kb = rnd() < 0.6
    webhook_on = rnd() < 0.55
    fillers = rnd() < 0.5
    bits = rng.getrandbits(16)  # one draw for the true/false vs 1/0 spellings
    created = int(rnd() * 700)
    updated = created + int(rnd() * (len(_DAYS) - created))
    clock = rng.getrandbits(20)
    if outbound:
        tools: list[dict[str, Any]] = [
            {
                "type": "function",
                "name": "reschedule_appointment",
                "description": "Move the appointment to a new slot.",
                "url": f"https://api.{domain}/voice/reschedule",
            },
            {"type": "end_call", "name": "end_call"},
        ]
    else:
        tools = [
            {
                "type": "function",
                "name": "book_appointment",
                "description": "Book a slot in the calendar.",
                "url": f"https://api.{domain}/voice/book",
            },
            {
                "type": "transfer_call",
                "name": "transfer_to_staff",
                "phone_number": f"+1555{1000000 + number % 9000000:07d}",
            },
        ]
        if bits & 1:
            tools.append(
                {
                    "type": "function",
                    "name": "check_order_status",
                    "description": "Look up an order or ticket by its number.",
                    "url": f"https://api.{domain}/voice/status",
                }
            )
    record: dict[str, Any] = {
        "id": number,
        "user_id": USER_ID,
        "name": f"{business} – {role}",
        "type": "outbound" if outbound else "inbound",
        "mode": mode,
        "status": "active" if active else "inactive",
        "initial_message": greeting,
        "system_prompt": prompt,
        "voice_id": 101 + int(rnd() * 30),
        "language_id": _LANGUAGES[int(rnd() * len(_LANGUAGES))],
        "phone_number_id": 3000 + number if active or bits & 2 else None,
        "timezone": timezone,
        "max_duration": _DURATIONS[int(rnd() * len(_DURATIONS))],
        "record": True if bits & 4 else 1,
        "allow_interruptions": bool(bits & 8),
        "noise_cancellation": 1 if bits & 16 else 0,
        "wait_for_customer": outbound is False and bool(bits & 32),
        "end_call_on_voicemail": 1 if outbound or bits & 64 else 0,
        "post_call_evaluation": bool(bits & 128),
        "variables": {
            "business_name": business,
            "city": city,
            "region": _REGIONS[int(rnd() * len(_REGIONS))],
            "opening_hours": "Mon–Fri 8:00–18:00",
        },
        "tools": tools,
        "is_webhook_active": (True if bits & 256 else 1) if webhook_on else (bits & 256 and 0),
        "webhook_url": f"https://hooks.{domain}/intellixent/calls"
        if webhook_on or bits & 512
        else None,
        "inbound_webhook_url": f"https://hooks.{domain}/intellixent/inbound"
        if not outbound and bits & 1024
        else None,
        "knowledgebase_id": 500 + (number % 40) if has_kb else None,
        "knowledgebase_mode": "prompt" if pipeline and bits & 2048 else "function_call",
        "llm_model_id": _LLM_MODELS[int(rnd() * len(_LLM_MODELS))] if pipeline else None,
        "multimodal_model_id": None
        if pipeline
        else _MULTIMODAL_MODELS[int(rnd() * len(_MULTIMODAL_MODELS))],
        "temperature": _TEMPERATURES[int(rnd() * len(_TEMPERATURES))],
        "stability": _STABILITY[int(rnd() * len(_STABILITY))],
        "similarity": _SIMILARITY[int(rnd() * len(_SIMILARITY))],
        "speech_speed": _SPEEDS[int(rnd() * len(_SPEEDS))],
        "endpoint_type": "ai" if bits & 4096 else "vad",
        "endpoint_sensitivity": _SENSITIVITY[int(rnd() * len(_SENSITIVITY))],
        "interrupt_sensitivity": _SENSITIVITY[int(rnd() * len(_SENSITIVITY))],
        "turn_detection_threshold": 0.5 if bits & 8192 else 0.6,
        "max_silence_duration": _SILENCE[int(rnd() * len(_SILENCE))],
        "reengagement_interval": _REENGAGE[int(rnd() * len(_REENGAGE))],
        "ambient_sound": (ambient := _AMBIENT[int(rnd() * len(_AMBIENT))]),
        "ambient_sound_volume": 0.2 if ambient else 0,
        "fillers": 1 if fillers else 0,
        "fillers_config": {"words": ["let me check", "one moment"], "probability": 0.3}
        if fillers
        else None,
        "uuid": _uuid4(rng),
        "send_webhook_only_on_completed": 1 if bits & 16384 else 0,
        "include_recording_in_webhook": bool(bits & 32768),
        "min_interrupt_words": 1 + number % 3,
        "widget_settings": {
            "enabled": not outbound,
            "position": "bottom-right",
            "primary_color": _COLORS[number % len(_COLORS)],
            "button_text": "Talk to us",
        },
        "created_at": f"{_DAYS[created]}T{_TIMES[clock % 1440]}.000000Z",
        "updated_at": f"{_DAYS[updated]}T{_TIMES[clock >> 10 & 1023]}.000000Z",
        "deleted_at": None,
        "custom_tags": [tag, "tier-1" if bits & 3 == 3 else "tier-2"],
    }
    if rules:
        _break(record, rules, number)
    return record


def _break(record: dict[str, Any], rules: Any, number: int) -> None:
    """Make ``record`` violate exactly ``rules`` (and nothing else)."""
    position = (number - 1) % PATTERN_LENGTH + 1
    domain = _DOMAINS[(number - 1) % len(_BUSINESSES)]
    for rule in rules:
        if rule == "recording-enabled":
            record["record"] = False if position == 4 else 0
        elif rule == "webhook-https":
            record["is_webhook_active"] = True
            record["webhook_url"] = f"http://hooks.{domain}/intellixent/calls"
        elif rule == "webhook-active-needs-url":
            record["is_webhook_active"] = 1
            record["webhook_url"] = None
        elif rule == "max-duration":
            record["max_duration"] = 3600
        elif rule == "outbound-voicemail":
            record["end_call_on_voicemail"] = 0
        elif rule == "outbound-ai-disclosure":
            # No "AI", "automated" or "virtual assistant" — not even "ai" inside a word.
            record["initial_message"] = (
                "Hello, this is Sam calling to confirm your booking for tomorrow morning. "
                "Do you still plan to come in?"
            )
        elif rule == "no-secrets-in-prompt":
            record["system_prompt"] += (
                "- To look up bookings call https://api.example/bookings with "
                f"api_key={PLANTED_SECRET}\n"
            )
        elif rule == "initial-message-length":
            record["initial_message"] = (
                f"{record['initial_message']} Before we start, please note that this call "
                "may be recorded for quality and training purposes, and that you can ask "
                "to speak with a member of our team at any time during the call."
            )
        elif rule == "active-needs-phone-number":
            record["phone_number_id"] = None
        else:  # pragma: no cover - the pattern above is the whole list
            raise ValueError(f"no such sample violation: {rule}")


def simulate_drift(fleet: list[dict[str, Any]], seed: int = 1) -> list[dict[str, Any]]:
    """The fleet after a night of edits, as a new list (``fleet`` is not changed).

    In id order, on the first records that qualify (each record changes once):

    * one active assistant that records calls gets ``record: false``;
    * one assistant (not the first) is renamed (``… – Front Desk``);
    * one ``system_prompt`` gets an extra line;
    * one ``max_duration`` changes (stays ≤ 1800);
    * those four, plus two otherwise unchanged assistants, get a new ``updated_at``
      (a volatile field: drift must ignore it);
    * one assistant's ``tools`` are reversed (order carries no meaning: drift must
      ignore it);
    * the assistant with the highest id is removed;
    * a new compliant assistant is added (id = highest + 1, uuid from ``seed``).

    With the default 47-assistant fleet: id 1 stops recording, id 2 is renamed, id 3's
    prompt, id 4's max_duration and id 5's tools change, ids 6 and 7 are only touched,
    id 47 is removed and id 48 is added. Nested values of unchanged fields are shared with
    ``fleet`` (nothing nested is modified).
    """
    records = sorted((dict(r) for r in fleet), key=lambda r: _id_key(r.get("id")))
    used: set[int] = set()
    survivors = records[:-1] if records else []

    def first(predicate: Any, start: int = 0) -> dict[str, Any] | None:
        for index, record in enumerate(survivors):
            if index >= start and index not in used and predicate(record):
                used.add(index)
                return record
        return None

    renamed = first(lambda r: isinstance(r.get("name"), str), start=1)
    if renamed is not None:
        head = str(renamed["name"]).split(" – ")[0]
        new = f"{head} – Front Desk"
        renamed["name"] = new if new != renamed["name"] else f"{head} – Main Line"
    stopped = first(lambda r: r.get("status") == "active" and r.get("record") in (True, 1))
    if stopped is not None:
        stopped["record"] = False
    prompted = first(lambda r: isinstance(r.get("system_prompt"), str))
    if prompted is not None:
        prompted["system_prompt"] += (
            "- Offer a callback when the caller has waited longer than two minutes.\n"
        )
    lengthened = first(lambda r: isinstance(r.get("max_duration"), int))
    if lengthened is not None:
        duration = int(lengthened["max_duration"])
        lengthened["max_duration"] = duration + 300 if duration <= 1500 else 1200
    shuffled = first(lambda r: isinstance(r.get("tools"), list) and len(r["tools"]) >= 2)
    if shuffled is not None:
        shuffled["tools"] = list(reversed(shuffled["tools"]))
    touched = [r for r in (renamed, stopped, prompted, lengthened) if r is not None]
    touched += [r for r in (first(lambda r: True), first(lambda r: True)) if r is not None]
    for record in touched:
        record["updated_at"] = _TOUCHED_AT
    new_id = max((r["id"] for r in records if _id_key(r.get("id"))[0] == 0), default=0) + 1
    rng = random.Random(seed)
    added = _assistant(new_id, rng)
    taken = {r.get("uuid") for r in records}
    while added["uuid"] in taken:  # a fleet generated with the same seed starts alike
        added["uuid"] = _uuid4(rng)
    if added["type"] == "inbound":
        added["name"] = f"{added['variables']['business_name']} – Overflow Line"
    added["created_at"] = added["updated_at"] = _TOUCHED_AT
    return [*survivors, added]


def _id_key(value: Any) -> tuple[int, Any]:
    """Sort ints by value, anything else after them in its served order."""
    return (0, value) if isinstance(value, int) and not isinstance(value, bool) else (1, 0)


def summarize(fleet: Sequence[Mapping[str, Any]]) -> str:
    """``47 assistants (38 active, 14 outbound)``: a one-line description for humans."""
    active = sum(1 for r in fleet if r.get("status") == "active")
    outbound = sum(1 for r in fleet if r.get("type") == "outbound")
    return f"{len(fleet)} assistants ({active} active, {outbound} outbound)"
