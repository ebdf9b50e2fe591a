"""Replies in the conversation's language (endpoints.yml: ``nlg: type: bot.nlg.MultilingualNLG``).

Rasa fills the templates as usual; this only picks the template set: the translation in
bot/responses/<lang>.yml for the ``language`` slot, else the domain's Mandarin. In senior mode the
shorter variants in bot/responses/senior/<lang>.yml come first, for the keys they have; a language
without a senior variant falls back to its own normal reply, never to another language. The files are
read at start-up, so a corrected translation needs a restart, not a retrained model.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.replies import DEFAULT_LANGUAGE, SENIOR_DIR, load_reply_files


def _generators(directory: Any = None) -> dict[str, TemplatedNaturalLanguageGenerator]:
    files = load_reply_files() if directory is None else load_reply_files(directory)
    return {
        language: TemplatedNaturalLanguageGenerator(reply_file.responses)
        for language, reply_file in files.items()
        if reply_file.responses
    }


class MultilingualNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self.translated = _generators()
        self.senior = _generators(SENIOR_DIR)

    def pick(self, utter_action: str, language: str, senior: bool) -> TemplatedNaturalLanguageGenerator:
        """The template set for this reply: senior variant, then the language's reply, then the domain's."""
        # A language without reply files is answered in Mandarin, the domain's language.
        known = language if language in self.translated or language in self.senior else DEFAULT_LANGUAGE
        candidates = [self.senior.get(known)] if senior else []
        candidates.append(self.translated.get(known))
        for generator in candidates:
            if generator is not None and utter_action in generator.responses:
                return generator
        return self

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        filled_slots = tracker.current_slot_values()
        generator = self.pick(
            utter_action, str(filled_slots.get("language")), bool(filled_slots.get("senior_mode"))
        )
        return generator.generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
