"""DialectNormalizer: traditional → simplified, then the message's dialect words → Mandarin.

"我想開個戶口,唔該" becomes "我想开个账户,麻烦" before tokenisation, so one Mandarin-centred model understands
dialect speakers; the lexicon of the dialect the LanguageIdentifier found (dialects/lexicons/<dialect>.yml) is
applied, longest word first. Tibetan and Uyghur text passes through unchanged.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from dialects.chinese import to_simplified
from dialects.components.base import MessageComponent
from dialects.components.language_identifier import DIALECT
from dialects.components.rewriting import is_intent_trigger, replace_text
from dialects.lexicons import load_dialects


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class DialectNormalizer(MessageComponent):
    def handle(self, message: Message, *, training: bool) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text or is_intent_trigger(text):
            return
        simplified = to_simplified(text)  # same length: no offsets move
        dialect = load_dialects().get(message.get(DIALECT) or "")
        normalized, rewrites = dialect.to_mandarin(simplified) if dialect else (simplified, [])
        replace_text(message, normalized, rewrites, training=training)
