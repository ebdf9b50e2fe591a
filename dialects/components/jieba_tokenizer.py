"""DomainJiebaTokenizer: Rasa's JiebaTokenizer with jieba's HMM word discovery switchable.

Why: with the HMM on, jieba glues unknown names to the word before them ("叫史航" → one token "叫史航",
"写格桑" + "拉姆"), so DIET cannot tag the name — an entity must start and end on token boundaries. With
``hmm: false`` an out-of-vocabulary name falls apart into single characters (叫|史|航), which always
align with the name, while dictionary words (身份证号, 招商银行, the user dictionary in dialects/jieba)
are still one token each, and digit runs stay whole.

Everything else (user dictionaries copied into the model, loading) is inherited from JiebaTokenizer.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=True)
class DomainJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer with an ``hmm`` option (default True, as jieba)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """JiebaTokenizer's options plus ``hmm``."""
        return {**JiebaTokenizer.get_default_config(), "hmm": True}

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenizes the text of the provided attribute of the incoming message."""
        import jieba

        text = message.get(attribute)
        tokenized = jieba.tokenize(text, HMM=bool(self._config.get("hmm", True)))
        tokens = [Token(word, start) for (word, start, end) in tokenized]
        return self._apply_token_pattern(tokens)
