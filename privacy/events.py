"""What the conversation store may keep of what users said: no ID, phone, card or SMS numbers, no names.

Rasa's tracker store keeps every event (the user's words, the NLU result with its entities, slot values, the
bot's replies) for as long as the conversation exists. The backend already holds the personal data it needs,
encrypted; the conversation history needs none of it. So before events are written, every string in them is
redacted:

- number runs of 6 or more digits, in any way people give them (幺三八…, １３８…, ༡༣༨…, number words,
  spaced or dashed, an ID's closing X), found with the same normaliser the NLU uses, become «digits:N»;
- the names the NLU found in the user's message (entity ``name``, as understood and as written) become «name»
  wherever they occur in the same batch of events (the bot's reply may say the name back).

Slots are different: a few hold what the user gave until it is confirmed a turn later (the ID number, the
card, the name). Their values are sealed (encrypted, by the tracker store) rather than redacted, so the
next turn still has them while the database holds only ciphertext. Other slots hold masked values by design
and are stored as they are.

Redaction happens as events are stored, after the turn has used them: the dialogue itself sees the real text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any

from dialects.chinese import to_simplified
from dialects.numbers import normalize_with_spans
from dialects.rewrites import unmap_offset

SEALED_PREFIX = "sealed:"
MIN_DIGITS = 6  # SMS codes have 6; years (1953) and amounts people mention stay readable
NAME_MASK = "«name»"
# a digit run, possibly grouped by spaces or dashes as people read numbers out, and an ID's closing X
NUMBER_RUN = re.compile(r"\d(?:[\s\-]?\d)*[Xx]?")


def redact_text(text: str, names: Iterable[str] = ()) -> str:
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(name, NAME_MASK)
    normalized, rewrites = normalize_with_spans(text)
    spans: list[tuple[int, int, int]] = []
    for match in NUMBER_RUN.finditer(normalized):
        digits = sum(c.isdigit() for c in match.group())
        if digits >= MIN_DIGITS:
            start = unmap_offset(rewrites, match.start())
            end = unmap_offset(rewrites, match.end(), is_end=True)
            spans.append((start, end, digits))
    for start, end, digits in reversed(spans):
        text = f"{text[:start]}«digits:{digits}»{text[end:]}"
    return text


def names_in(event: dict[str, Any]) -> set[str]:
    """The names the NLU tagged in a user event, as understood and as the user wrote them."""
    if event.get("event") != "user":
        return set()
    found: set[str] = set()
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == "name":
            for key in ("value", "original_value", "text"):
                if isinstance(entity.get(key), str) and len(entity[key]) >= 2:
                    # the normalised text the NLU read has the simplified form of a traditional name
                    found |= {entity[key], to_simplified(entity[key])}
    return found


def redact_value(value: Any, names: Iterable[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, names)
    if isinstance(value, dict):
        return {
            key: item if key in IDENTIFIER_KEYS else redact_value(item, names) for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_value(item, names) for item in value]
    return value


# Event fields that are structure, not content: never rewritten (a timestamp or an intent name is no number
# or name, and rewriting an event's type would corrupt it).
STRUCTURE_KEYS = {"event", "timestamp", "name", "policy", "confidence", "intent_name", "input_channel"}
# Structure wherever it occurs (the user event and its parse data both carry it): a message id is the
# gateway's keyed digest (gateway/engine.py), never what the user said, and it must come back exactly as
# it went in, or a repeated message would no longer be recognised and would run twice.
IDENTIFIER_KEYS = {"message_id"}


def redact_events(
    events: list[dict[str, Any]],
    sealed_slots: Collection[str] = (),
    seal: Callable[[str], str] | None = None,
    known_names: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Redacted copies of a batch of serialised events (``Event.as_dict()``); values of ``sealed_slots``
    are passed through ``seal`` (JSON-encoded first) instead. ``known_names``: names given in earlier turns
    (Rasa copies slot values into each reply's metadata)."""
    names = {n for n in known_names if isinstance(n, str) and len(n) >= 2}
    # a name in two scripts ("ئايگۈل مەمەت 阿依古丽·麦麦提") is also said one part at a time
    names |= {part for n in names for part in re.split(r"[\s·]+", n) if len(part) >= 2}
    names |= {to_simplified(n) for n in names}
    for event in events:
        names |= names_in(event)
    return [_redact_event(event, names, sealed_slots, seal) for event in events]


def _redact_event(
    event: dict[str, Any], names: set[str], sealed_slots: Collection[str], seal: Callable[[str], str] | None
) -> dict[str, Any]:
    if event.get("event") == "slot":
        if event.get("name") not in sealed_slots or event.get("value") is None:
            return event
        if seal is None:
            return {**event, "value": None}
        return {**event, "value": SEALED_PREFIX + seal(json.dumps(event["value"], ensure_ascii=False))}
    return {
        key: value if key in STRUCTURE_KEYS | IDENTIFIER_KEYS else redact_value(value, names)
        for key, value in event.items()
    }


def unseal_events(
    events: list[dict[str, Any]], sealed_slots: Collection[str], unseal: Callable[[str], str]
) -> list[dict[str, Any]]:
    """The stored events with sealed slot values opened again; one that cannot be opened (a changed key)
    becomes empty, so the dialogue asks for it again instead of failing."""
    opened = []
    for event in events:
        value = event.get("value")
        if event.get("event") == "slot" and isinstance(value, str) and value.startswith(SEALED_PREFIX):
            try:
                value = json.loads(unseal(value.removeprefix(SEALED_PREFIX)))
            except Exception:  # any failure to open means: not available
                value = None
            event = {**event, "value": value}
        opened.append(event)
    return opened
