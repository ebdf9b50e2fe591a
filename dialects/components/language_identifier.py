"""LanguageIdentifier: tags each message with its language and Chinese dialect (dialects.language_id).

Runs first, on the user's own words. The parse result gets ``language`` (the best guess) and ``dialect``; when
the guess is decisive it also gets a ``language`` entity, which the domain maps onto the ``language`` slot
(a slot mapping is the one place Rasa fills slots from NLU before any policy runs). Undecided messages ("好",
"1") add no entity, so the conversation keeps its language. At training the dialect is recorded for the
DialectNormalizer and no entity is added (DIET must not learn it).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from dialects.components.base import MessageComponent
from dialects.components.rewriting import ORIGINAL_TEXT, is_intent_trigger
from dialects.language_id import CONVERSATION_LANGUAGES, identify

LANGUAGE = "language"
DIALECT = "dialect"
LANGUAGE_ENTITY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class LanguageIdentifier(MessageComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # The languages the assistant answers in: only these switch the conversation.
        return {"conversation_languages": list(CONVERSATION_LANGUAGES)}

    def handle(self, message: Message, *, training: bool) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text or is_intent_trigger(text):
            return
        guess = identify(text, tuple(self._config["conversation_languages"]))
        message.set(DIALECT, guess.dialect, add_to_output=not training)
        if training:
            return
        message.set(LANGUAGE, guess.language, add_to_output=True)
        message.set(ORIGINAL_TEXT, text, add_to_output=True)
        if guess.decisive:
            entity = {"entity": LANGUAGE_ENTITY, "value": guess.language, "extractor": type(self).__name__}
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
