"""The few things only a voice channel says (nothing was heard, keypad hints, are you still there).

Everything else the user hears comes from Rasa's responses in the conversation's language. These belong to
the channel, not the dialogue: Rasa never sees the turns they answer (a garbled recording is not a message).
Their texts are data beside the other replies: the `voice` terms of bot/responses/<lang>.yml.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.replies import load_reply_files, term

DOMAIN_DETOURS = Path(__file__).resolve().parents[2] / "bot" / "domain" / "detours.yml"
# not_heard: the transcript was rejected; no_voice_input: no recogniser for the language; keypad_hint,
# confirm_keys, choice_keys: how to answer by keypad; still_there, silence_goodbye: silence on the hotline.
PROMPTS = (
    "not_heard",
    "no_voice_input",
    "keypad_hint",
    "confirm_keys",
    "choice_keys",
    "still_there",
    "silence_goodbye",
)


def prompt(key: str, language: str | None) -> str:
    """The prompt in the conversation's language (Mandarin where the language lacks it)."""
    if key not in PROMPTS:
        raise KeyError(f"no voice prompt {key!r}")
    return term(language, "voice", key)


@lru_cache(maxsize=1)
def repeat_texts() -> frozenset[str]:
    """Rasa's "OK, I'll say it again" (utter_repeat) in every language: after `not_heard` it is redundant."""
    domain = yaml.safe_load(DOMAIN_DETOURS.read_text(encoding="utf-8")) or {}
    variants = list((domain.get("responses") or {}).get("utter_repeat") or [])
    for reply_file in load_reply_files().values():
        variants += reply_file.responses.get("utter_repeat") or []
    return frozenset(str(v.get("text")) for v in variants if v.get("text"))
