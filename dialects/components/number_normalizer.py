"""SpokenNumberNormalizer: rewrites spoken/written digits in the message text before tokenisation.

Registered as a MESSAGE_FEATURIZER, not trainable: for non-trainable featurizers the default recipe adds a
node that calls ``process_training_data`` on the training data and ``process`` on every parsed message, in
pipeline order. Placed before the tokenizer it runs at training *and* at inference, so the tokenizer, DIET
and the pattern extractor all read '13812345678' instead of '幺三八 幺二三四 五六七八',
'གཅིག་གསུམ་བརྒྱད…' or '༡༣༨…'.
(MESSAGE_TOKENIZER would be wired the same way, but this component makes no tokens and must not count as a
tokenizer.)

The message TEXT is replaced (see dialects.components.rewriting); entity offsets in the parse result refer to
the normalised text.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from dialects.components.base import MessageComponent
from dialects.components.rewriting import is_intent_trigger, replace_text
from dialects.numbers import normalize_with_spans


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SpokenNumberNormalizer(MessageComponent):
    """Replaces spoken/full-width/other-script digit runs in TEXT with ASCII digits (see dialects.numbers)."""

    @staticmethod
    def normalize_message(message: Message, *, training: bool = False) -> Message:
        """Rewrite one message in place; annotated entity offsets move with the text at training time."""
        text = message.get(TEXT)
        if isinstance(text, str) and text and not is_intent_trigger(text):
            replace_text(message, *normalize_with_spans(text), training=training)
        return message

    def handle(self, message: Message, *, training: bool) -> None:
        self.normalize_message(message, training=training)
