"""Shared by the components that rewrite a message's text (dialect words, spoken numbers).

Rasa's later components all read TEXT, so the rewritten text replaces it. At training time, annotated entity
offsets (and values that were the annotated text itself) move with the rewrites; at inference the parse result
keeps the user's own words as ``original_text`` and the final rewritten text as ``normalized_text``.
"""

from __future__ import annotations

from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from dialects.rewrites import Rewrite, map_offset, unmap_offset

NORMALIZED_TEXT = "normalized_text"
ORIGINAL_TEXT = "original_text"
# Each rewriting component's spans, in pipeline order (internal: not part of the parse result).
TEXT_REWRITES = "text_rewrites"


def is_intent_trigger(text: str) -> bool:
    """'/intent{...}' messages (buttons) are handled by Rasa's RegexMessageHandler and stay untouched."""
    return text.startswith("/")


def original_span(message: Message, start: int, end: int) -> tuple[int, int] | None:
    """Where ``TEXT[start:end]`` was in the user's own text (None when the original is unknown)."""
    if message.get(ORIGINAL_TEXT) is None:
        return None
    for rewrites in reversed(message.get(TEXT_REWRITES) or []):
        start, end = unmap_offset(rewrites, start), unmap_offset(rewrites, end, is_end=True)
    return start, end


def replace_text(message: Message, new_text: str, rewrites: list[Rewrite], *, training: bool) -> None:
    """Set TEXT to ``new_text``: at training, annotated entities move with it; otherwise the parse result
    records the original and normalised text."""
    old_text = message.get(TEXT)
    if new_text != old_text:
        if training:
            for entity in message.get(ENTITIES) or []:
                old_start, old_end = entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]
                new_start = map_offset(rewrites, old_start)
                new_end = map_offset(rewrites, old_end, is_end=True)
                if entity.get(ENTITY_ATTRIBUTE_VALUE) == old_text[old_start:old_end]:
                    entity[ENTITY_ATTRIBUTE_VALUE] = new_text[new_start:new_end]
                entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END] = new_start, new_end
        message.set(TEXT, new_text)
    if not training:
        message.set(TEXT_REWRITES, [*(message.get(TEXT_REWRITES) or []), rewrites])
        if message.get(ORIGINAL_TEXT) is None:
            message.set(ORIGINAL_TEXT, old_text, add_to_output=True)
        message.set(NORMALIZED_TEXT, new_text, add_to_output=True)
