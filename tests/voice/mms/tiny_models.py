"""Builds tiny, randomly initialised MMS-shaped models on disk, laid out like the real ones.

The real weights (facebook/mms-1b-all, mms-tts-bod, mms-tts-uig-script_arabic) cannot be fetched here, so the
tests save models of the same classes and file layout and run the worker's real loading and inference on them:
- ASR: a Wav2Vec2ForCTC with attention adapters, a nested multi-language vocab (eng, bod,
  uig-script_arabic) and one `adapter.<code>.safetensors` per language. Each adapter's CTC head is biased
  towards one character of its own vocabulary: the transcript shows which adapter and vocabulary were used.
- TTS: a VitsModel per language with an MMS-style tokenizer: the letter at id 0 doubles as pad/blank and
  `<unk>` lies outside the vocabulary (as in mms-tts-uig-script_arabic). Tibetan and Uyghur read their own
  scripts; `uroman=True` gives a Latin-vocabulary voice that reads romanised text, as some MMS voices do.

Run as a script (`python tests/voice/mms/tiny_models.py OUT_DIR`) to build them for another process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import (
    VitsConfig,
    VitsModel,
    VitsTokenizer,
    Wav2Vec2Config,
    Wav2Vec2CTCTokenizer,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForCTC,
    Wav2Vec2Processor,
)

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "|"]
ASR_LETTERS = {
    "eng": list("abcdefgh"),
    "bod": list("ཀཁགངཅཆཇཉཏཐདན་"),
    "uig-script_arabic": list("ئابپتجچخدرزژ"),
}
# The character each adapter's head always emits: what a transcript in that language must read. Their ids
# differ (7, 9, 11), so a missed adapter switch or a missed vocabulary switch gives another character.
ASR_EXPECTED = {"eng": "c", "bod": "ཅ", "uig-script_arabic": "چ"}
TTS_VOCABS = {
    "bo": [*"ཀ ཁགངཅཆཇཉཏཐདནཔཕབམཙཚཛཝཞཟའཡརལཤསཧཨ་ིེོུ"],
    "ug": [*"ى ئاەبپتجچخدرزژسشغفقكگڭلمنھوۇۆۈۋېي"],
    "latin": [*"a bcdefghijklmnopqrstuvwxyz'"],
}


def _vocab(code: str) -> dict[str, int]:
    return {token: i for i, token in enumerate(SPECIALS + ASR_LETTERS[code])}


def _asr_config(vocab_size: int, adapter_attn_dim: int | None) -> Wav2Vec2Config:
    return Wav2Vec2Config(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        conv_dim=(16,) * 7,
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        feat_extract_norm="layer",
        do_stable_layer_norm=True,
        adapter_attn_dim=adapter_attn_dim,
        pad_token_id=0,
    )


def _biased_head(hidden_size: int, vocab: dict[str, int], char: str) -> torch.nn.Linear:
    head = torch.nn.Linear(hidden_size, len(vocab))
    torch.nn.init.zeros_(head.weight)
    with torch.no_grad():
        head.bias.copy_(torch.linspace(-1.0, 0.0, len(vocab)))
        head.bias[vocab[char]] = 10.0
    return head


def _save_processor(out: Path, vocab: dict, target_lang: str | None) -> None:
    vocab_file = out / "vocab.json"
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = Wav2Vec2CTCTokenizer(str(vocab_file), target_lang=target_lang, word_delimiter_token="|")
    extractor = Wav2Vec2FeatureExtractor(
        feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True, return_attention_mask=True
    )
    Wav2Vec2Processor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(out)


def build_asr(out: Path, *, seed: int = 0) -> Path:
    """A tiny multilingual Wav2Vec2ForCTC with one adapter per language, saved like mms-1b-all."""
    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    vocabs = {code: _vocab(code) for code in ASR_LETTERS}
    config = _asr_config(len(vocabs["eng"]), adapter_attn_dim=8)
    model = Wav2Vec2ForCTC(config).eval()
    saved: dict[str, dict[str, torch.Tensor]] = {}
    for code, vocab in vocabs.items():
        model.lm_head = _biased_head(config.hidden_size, vocab, ASR_EXPECTED[code])
        for name, param in model._get_adapters().items():
            if not name.startswith("lm_head"):
                torch.nn.init.normal_(param, std=0.02)
        saved[code] = {k: v.detach().contiguous().clone() for k, v in model._get_adapters().items()}
        save_file(saved[code], str(out / f"adapter.{code}.safetensors"))
    # The main checkpoint carries the English adapter and head, as mms-1b-all does.
    model.lm_head = torch.nn.Linear(config.hidden_size, len(vocabs["eng"]))
    model.load_state_dict(saved["eng"], strict=False)
    model.config.vocab_size = len(vocabs["eng"])
    model.save_pretrained(out)
    _save_processor(out, vocabs, target_lang="eng")
    return out


def build_single_asr(out: Path, code: str, *, seed: int = 0) -> Path:
    """A tiny one-language Wav2Vec2ForCTC, no adapters, flat vocabulary: like a per-language fine-tune."""
    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    vocab = _vocab(code)
    model = Wav2Vec2ForCTC(_asr_config(len(vocab), adapter_attn_dim=None)).eval()
    model.lm_head = _biased_head(model.config.hidden_size, vocab, ASR_EXPECTED[code])
    model.save_pretrained(out)
    _save_processor(out, vocab, target_lang=None)
    return out


def build_tts(out: Path, language: str, *, uroman: bool = False, seed: int = 0) -> Path:
    """A tiny VitsModel and its tokenizer, saved like mms-tts-<code>."""
    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    letters = TTS_VOCABS["latin" if uroman else language]
    vocab = {token: i for i, token in enumerate(letters)}
    config = VitsConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        ffn_dim=32,
        flow_size=8,
        spectrogram_bins=16,
        upsample_initial_channel=16,
        upsample_rates=(8, 8, 2, 2),
        upsample_kernel_sizes=(16, 16, 4, 4),
        resblock_kernel_sizes=(3,),
        resblock_dilation_sizes=((1, 3),),
        duration_predictor_filter_channels=16,
        duration_predictor_num_flows=2,
        prior_encoder_num_flows=1,
        prior_encoder_num_wavenet_layers=1,
        posterior_encoder_num_wavenet_layers=1,
        sampling_rate=16000,
    )
    VitsModel(config).eval().save_pretrained(out)
    vocab_file = out / "vocab.json"
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    code = {"bo": "bod", "ug": "uig-script_arabic"}[language]
    VitsTokenizer(
        str(vocab_file),
        pad_token=letters[0],
        unk_token="<unk>",
        language=code,
        add_blank=True,
        normalize=True,
        phonemize=False,
        is_uroman=uroman,
    ).save_pretrained(out)
    return out


def build_all(root: Path) -> dict[str, Path]:
    return {
        "asr": build_asr(root / "asr"),
        "tts_bo": build_tts(root / "tts_bo", "bo"),
        "tts_ug": build_tts(root / "tts_ug", "ug"),
    }


if __name__ == "__main__":
    paths = build_all(Path(sys.argv[1]))
    print(json.dumps({k: str(v) for k, v in paths.items()}))
