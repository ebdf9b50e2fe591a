"""PatternEntityExtractor: ID, phone, bank card, SMS code and answer-choice entities from patterns.

Numbers are not learnt by DIET: their shape and check digits say more than any context does, and a statistical
tagger would happily cut a 6-digit "code" out of a phone number. This component reads the *normalised* text
(SpokenNumberNormalizer runs first), so '幺三八…' has already become '138…'.

Rules (digit runs are maximal: never preceded or followed by another digit or Latin letter):
- 18 characters (17 digits + digit/X): ``id_number``. GB 11643 check digit right → confidence 1.0; wrong →
  still an id_number, confidence 0.5 and ``valid: false`` so the dialogue can say the check digit is wrong.
  (An 18-digit Luhn-valid run whose digits 7–14 are not a birth date is a bank card.)
- exactly 11 digits starting 1[3-9]: ``phone_number``.
- 16–19 digits that are not an ID: ``bank_card``; Luhn-valid → 1.0, else 0.5 with ``valid: false``.
- exactly 6 digits: ``sms_code``.
- an answer choice ('2', 'B', '选B', '第二个', …) via dialects.numbers.find_option: ``option`` '1'–'4'.

Each entity carries ``extractor`` (the class name), ``start``/``end`` in the normalised text,
``confidence_entity`` (Rasa's key, as DIET uses) and the same number as ``confidence``.

Placed after DIETClassifier (and before EntitySynonymMapper) it also tidies the learnt entities: a name
that the tokenizer split into characters and DIET tagged piece by piece (努尔|艾力) is merged back into
one entity, and a learnt entity overlapping a number found here is dropped (numbers belong to patterns).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from dialects.components.base import MessageComponent
from dialects.components.rewriting import ORIGINAL_TEXT, is_intent_trigger, original_span
from dialects.numbers import find_option
from privacy.numbers import PHONE, is_valid_id_number, luhn_valid

_DIGIT_RUN_RE = re.compile(r"(?<![0-9A-Za-z.])(?:[0-9]{17}[Xx]|[0-9]+)(?![0-9A-Za-z])")


def _plausible_birth_date(digits: str) -> bool:
    """Digits 7–14 of a resident ID are the birth date YYYYMMDD."""
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= date.today().year


def _entity(kind: str, value: str, start: int, end: int, confidence: float, **extra: Any) -> dict[str, Any]:
    return {
        "entity": kind,
        "value": value,
        "start": start,
        "end": end,
        "confidence_entity": confidence,
        "confidence": confidence,
        **extra,
    }


def _classify_run(run: str, start: int, end: int) -> dict[str, Any] | None:
    """Entity for one maximal digit run, or None for lengths that are none of ours."""
    n = len(run)
    if n == 18:
        value = run[:17] + run[17].upper()
        if is_valid_id_number(value):
            return _entity("id_number", value, start, end, 1.0, valid=True)
        if value.isdigit() and not _plausible_birth_date(value) and luhn_valid(value):
            return _entity("bank_card", value, start, end, 1.0, valid=True)
        return _entity("id_number", value, start, end, 0.5, valid=False)
    if n == 11 and PHONE.fullmatch(run):
        return _entity("phone_number", run, start, end, 1.0)
    if 16 <= n <= 19:
        valid = luhn_valid(run)
        return _entity("bank_card", run, start, end, 1.0 if valid else 0.5, valid=valid)
    if n == 6:
        return _entity("sms_code", run, start, end, 1.0)
    return None


def extract_pattern_entities(text: str) -> list[dict[str, Any]]:
    """All pattern entities in an already normalised text, in order of appearance (without ``extractor``)."""
    if not text:
        return []
    entities = []
    for m in _DIGIT_RUN_RE.finditer(text):
        entity = _classify_run(m.group(0), m.start(), m.end())
        if entity:
            entities.append(entity)
    option = find_option(text)
    if option:
        value, start, end = option
        taken = any(e["start"] <= start < e["end"] for e in entities)
        if not taken:
            entities.append(_entity("option", str(value), start, end, 1.0))
    return sorted(entities, key=lambda e: e["start"])


def _only_separators(gap: str) -> bool:
    """Pieces of one name: touching, or apart only by spaces or the Tibetan tsheg (བསྟན་འཛིན ནོར་བུ)."""
    return gap.strip(" ་") == "" and len(gap) <= 2


def reconcile_learnt_entities(text: str, entities: list[dict[str, Any]], owner: str) -> list[dict[str, Any]]:
    """Merge touching learnt entities of one type and drop learnt ones that overlap ``owner``'s entities.

    Entities whose ``extractor`` is ``owner`` (the pattern extractor) are kept as they are.
    """
    ours = [e for e in entities if e.get("extractor") == owner]
    learnt = sorted(
        (e for e in entities if e.get("extractor") != owner and "start" in e and "end" in e),
        key=lambda e: e["start"],
    )
    others = [e for e in entities if e.get("extractor") != owner and ("start" not in e or "end" not in e)]
    merged: list[dict[str, Any]] = []
    for e in learnt:
        if any(o["start"] < e["end"] and e["start"] < o["end"] for o in ours):
            continue
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev["entity"] == e["entity"]
            and prev.get("extractor") == e.get("extractor")
            and _only_separators(text[prev["end"] : e["start"]])
        ):
            prev["end"] = e["end"]
            prev["value"] = text[prev["start"] : prev["end"]]
            if "confidence_entity" in prev or "confidence_entity" in e:
                prev["confidence_entity"] = min(
                    prev.get("confidence_entity", 1.0), e.get("confidence_entity", 1.0)
                )
            continue
        merged.append(dict(e))
    return sorted(ours + merged, key=lambda e: e["start"]) + others


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PatternEntityExtractor(MessageComponent, EntityExtractorMixin):
    """Adds id_number, phone_number, bank_card, sms_code and option entities found by patterns."""

    def handle(self, message: Message, *, training: bool) -> None:
        """Add the pattern entities of a message to its ENTITIES and tidy the learnt ones."""
        text = message.get(TEXT)
        if training or not isinstance(text, str) or is_intent_trigger(text):
            return
        found = self.add_extractor_name(extract_pattern_entities(text))
        entities = reconcile_learnt_entities(text, message.get(ENTITIES, []) + found, self.name)
        message.set(ENTITIES, [_as_written(message, e) for e in entities], add_to_output=True)


def _as_written(message: Message, entity: dict[str, Any]) -> dict[str, Any]:
    """Names and occupations keep the user's own characters (陳嘉明, not the simplified 陈嘉明 the model
    read); bank names stay normalised for the synonym mapper."""
    if entity.get("entity") not in {"name", "occupation"} or "start" not in entity:
        return entity
    span = original_span(message, entity["start"], entity["end"])
    if span is None:
        return entity
    written = message.get(ORIGINAL_TEXT)[span[0] : span[1]]
    return {**entity, "value": written} if written.strip() else entity
