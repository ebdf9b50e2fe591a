"""SpokenNumberNormalizer: rewrites spoken/written digits in the message text before tokenisation.

Registered as a MESSAGE_FEATURIZER, not trainable: for non-trainable tokenizers and featurizers the default
recipe adds a node that calls ``process_training_data`` on the training data and ``process`` on every parsed
message, in pipeline order. Placed first in the pipeline it therefore runs before JiebaTokenizer at training
*and* at inference, so the tokenizer, DIET and the pattern extractor all read '13812345678' instead of
'幺三八 幺二三四 五六七八'. (MESSAGE_TOKENIZER would be wired the same way, but this component makes no tokens
and must not count as a tokenizer.)

The message TEXT is replaced; the parse result carries ``normalized_text`` and ``original_text`` as output
properties, and Rasa's UserUttered event keeps the text the user actually sent. Entity offsets in the parse
result (pattern extractor and DIET) refer to the normalised text.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from dialects.numbers import map_offset, normalize_with_spans

NORMALIZED_TEXT = "normalized_text"
ORIGINAL_TEXT = "original_text"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SpokenNumberNormalizer(GraphComponent):
    """Replaces spoken/full-width digit runs in TEXT with ASCII digits (see dialects.numbers)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options; the rules live in dialects.numbers so the dialogue can reuse them."""
        return {}

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpokenNumberNormalizer:
        """Creates the component (nothing to train or load)."""
        return cls(config)

    @staticmethod
    def normalize_message(message: Message, *, training: bool = False) -> Message:
        """Rewrite one message in place; annotated entity offsets move with the text at training time."""
        text = message.get(TEXT)
        if not isinstance(text, str) or not text:
            return message
        if text.startswith("/"):  # '/intent{...}' triggers are handled by RegexMessageHandler, untouched
            normalized, rewrites = text, []
        else:
            normalized, rewrites = normalize_with_spans(text)
        if rewrites:
            if training:
                for entity in message.get(ENTITIES) or []:
                    old_start, old_end = entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]
                    new_start = map_offset(rewrites, old_start)
                    new_end = map_offset(rewrites, old_end, is_end=True)
                    if entity.get(ENTITY_ATTRIBUTE_VALUE) == text[old_start:old_end]:
                        entity[ENTITY_ATTRIBUTE_VALUE] = normalized[new_start:new_end]
                    entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END] = new_start, new_end
            message.set(TEXT, normalized)
        if not training:  # training examples need no extra keys
            message.set(ORIGINAL_TEXT, text, add_to_output=True)
            message.set(NORMALIZED_TEXT, normalized, add_to_output=True)
        return message

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalise every training example so the model learns on the same text it will see."""
        for message in training_data.training_examples:
            self.normalize_message(message, training=True)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Normalise incoming user messages."""
        for message in messages:
            self.normalize_message(message)
        return messages
