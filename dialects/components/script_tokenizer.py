"""ScriptAwareTokenizer: words for Han text (jieba), syllables for Tibetan, words for Uyghur and Latin.

- Han: jieba with the domain dictionary (dialects/jieba). ``hmm: false`` because jieba's HMM glues unknown
  names to the word before them ("叫史航" → one token), and DIET can only tag an entity on token boundaries;
  without it an unknown name falls apart into characters (叫|史|航), which always align.
- Tibetan has no spaces between words; syllables are split by the tsheg ་ and clauses end with the shad །, so
  each syllable is a token (marks are not tokens).
- Uyghur (Arabic script) and Latin text are split into words on spaces and punctuation.
Whitespace and punctuation are never tokens.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from dialects.scripts import ARABIC_LETTERS, TIBETAN_LETTERS

_TIBETAN_SYLLABLE = f"[{TIBETAN_LETTERS}]+"
_ARABIC_WORD = f"[{ARABIC_LETTERS}\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]+"
_NON_HAN = re.compile(f"(?P<syllable>{_TIBETAN_SYLLABLE})|(?P<word>{_ARABIC_WORD})")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=True)
class ScriptAwareTokenizer(JiebaTokenizer):
    """JiebaTokenizer for Han runs (with an ``hmm`` option), syllables and words for the other scripts."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """JiebaTokenizer's options plus ``hmm``."""
        return {**JiebaTokenizer.get_default_config(), "hmm": True}

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        tokens: list[Token] = []
        pos = 0
        for match in _NON_HAN.finditer(text):
            tokens += self._jieba_tokens(text[pos : match.start()], pos)
            tokens.append(Token(match.group(0), match.start()))
            pos = match.end()
        tokens += self._jieba_tokens(text[pos:], pos)
        return self._apply_token_pattern(tokens)

    def _jieba_tokens(self, text: str, offset: int) -> list[Token]:
        import jieba

        if not text.strip():
            return []
        pieces = jieba.tokenize(text, HMM=bool(self._config.get("hmm", True)))
        return [Token(word, offset + start) for word, start, _ in pieces if not _is_separator(word)]


def _is_separator(word: str) -> bool:
    """Whitespace and punctuation are not words: "我同意。" must read like "我同意" (ASR adds the 。)."""
    return all(ch.isspace() or unicodedata.category(ch).startswith("P") for ch in word)
