"""Replies in the conversation's language (endpoints.yml: ``nlg: type: bot.nlg.MultilingualNLG``).

Rasa fills the templates as usual; this only picks the template set: the translation in
bot/responses/<lang>.yml for the ``language`` slot, else the domain's Mandarin. The files are read at
start-up, so a corrected translation needs a restart, not a retrained model.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.replies import load_reply_files


class MultilingualNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self.translated = {
            language: TemplatedNaturalLanguageGenerator(reply_file.responses)
            for language, reply_file in load_reply_files().items()
            if reply_file.responses
        }

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        filled_slots = tracker.current_slot_values()
        generator = self.translated.get(str(filled_slots.get("language")))
        if generator is not None and utter_action in generator.responses:
            return generator.generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
        return self.generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)
