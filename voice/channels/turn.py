"""One voice turn: recognise with the conversation's context, talk to Rasa, speak the replies.

Voice and text are one conversation: the same sender id reaches the same Rasa tracker as /api/chat. A
transcript the recogniser rejects (silence, noise, a repetition loop) or a language it cannot hear
(Uyghur without MMS) is never sent to Rasa as text; the user hears a localised "please say it again" and
Rasa's re-ask of the current question, obtained with the `/ask_repeat` intent payload.

Voice answers at the consent and agreement steps are evidence ("double recording"): their audio is handed to
the recording sink (the backend's store, encrypted, named by its sha256) before Rasa sees the turn, and the
sha256 travels in the message metadata to the actions, which hand it to the backend's audit trail.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from languages import DEFAULT_LANGUAGE
from privacy.logs import digits_logger
from voice.audio import encode_wav
from voice.channels.prompts import prompt, repeat_texts
from voice.channels.speaking import SpokenPart, SpokenReply, split_for_speech, whole_replies
from voice.dialogue import Dialogue, RecordingSink
from voice.speech import Audio, RecognitionContext, SpeechRecognizer, SpeechSynthesizer, Transcript
from voice.tts.base import NoVoice, language_tag

log = digits_logger("voice.turn")

ASK_REPEAT = "/ask_repeat"
TRAILING_MARKS = "。．.，,、;；"
DEFAULT_SLOW_RATE = 0.8  # seniors and "please speak slower": 20% slower
RecognizerFor = Callable[[str | None], SpeechRecognizer | None]
# The steps whose voice answers are recorded (the tracker's `step` slot when the user speaks).
RECORDED_STEPS = frozenset({"consent", "agreement"})


@dataclass(frozen=True)
class Conversation:
    """What the tracker says before the user speaks."""

    language: str = DEFAULT_LANGUAGE
    step: str | None = None
    expects: str | None = None
    senior: bool = False
    slow: bool = False
    dialect: str | None = None

    @classmethod
    def from_tracker(cls, tracker: dict[str, Any]) -> Conversation:
        slots = tracker.get("slots") or {}
        latest = tracker.get("latest_message") or {}
        return cls(
            language=slots.get("language") or DEFAULT_LANGUAGE,
            step=slots.get("step"),
            expects=slots.get("expects"),
            senior=bool(slots.get("senior_mode")),
            slow=bool(slots.get("slow_speech")),
            dialect=latest.get("dialect"),
        )

    def recognition_context(self) -> RecognitionContext:
        return RecognitionContext(language=self.language, step=self.step, expects=self.expects)


@dataclass
class TurnOutcome:
    sender_id: str
    replies: list[dict[str, Any]]
    tracker: dict[str, Any]
    transcript: Transcript | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def conversation(self) -> Conversation:
        return Conversation.from_tracker(self.tracker)

    @property
    def heard(self) -> bool:
        return self.transcript is not None and self.transcript.rejected is None


@dataclass
class EarlyTranscript:
    """Recognition started while the endpointer still waited out the closing silence (SpeechPausing): when the
    utterance then ends with this very audio, in the same conversation state, the turn takes its result
    instead of decoding again, and the silence was not dead time."""

    audio: Audio
    context: RecognitionContext
    task: asyncio.Task[Transcript]

    def serves(self, audio: Audio, conversation: Conversation) -> bool:
        return self.audio.pcm == audio.pcm and self.context == conversation.recognition_context()


def message_text(transcript: str) -> str:
    """What goes to Rasa: the recogniser's closing full stop or comma is its guess, not the user's words
    (and the NLU took "我同意。" for out_of_scope where "我同意" is a clear yes)."""
    return transcript.strip().rstrip(TRAILING_MARKS).strip() or transcript.strip()


def unsupported(language: str | None, audio: Audio) -> Transcript:
    return Transcript("", language, "none", audio.duration_s, 0.0, rejected="unsupported_language")


class VoiceTurn:
    def __init__(
        self,
        engine: Dialogue,
        recognizer_for: RecognizerFor,
        synthesizer: SpeechSynthesizer,
        *,
        slow_rate: float = DEFAULT_SLOW_RATE,
        recordings: RecordingSink | None = None,
    ) -> None:
        self.engine = engine
        self.recordings = recordings
        self.recognizer_for = recognizer_for
        self.synthesizer = synthesizer
        self.slow_rate = slow_rate
        # Whisper takes both cores: two decodes at once only make both late.
        self._asr_lock = asyncio.Lock()

    async def conversation(self, sender_id: str) -> Conversation:
        return Conversation.from_tracker(await self.engine.tracker(sender_id))

    async def recognise(self, audio: Audio, conversation: Conversation) -> Transcript:
        # a provider may ask a worker what it has loaded (MMS): never on the event loop
        recognizer = await asyncio.to_thread(self.recognizer_for, conversation.language)
        if recognizer is None or not recognizer.supports(conversation.language):
            return unsupported(conversation.language, audio)
        async with self._asr_lock:
            try:
                return await asyncio.to_thread(
                    recognizer.transcribe, audio, conversation.recognition_context()
                )
            except Exception:  # a recogniser crash must not lose the call: ask again instead
                log.exception("speech recogniser %s failed", recognizer.name)
                return Transcript(
                    "", conversation.language, recognizer.name, audio.duration_s, 0.0, "asr_error"
                )

    def recognise_early(self, audio: Audio, conversation: Conversation) -> EarlyTranscript:
        task = asyncio.create_task(self.recognise(audio, conversation))
        return EarlyTranscript(audio, conversation.recognition_context(), task)

    async def hear(
        self,
        sender_id: str,
        audio: Audio,
        *,
        channel: str,
        encoded: bytes,
        conversation: Conversation | None = None,
        early: EarlyTranscript | None = None,
        message_id: str | None = None,
    ) -> TurnOutcome:
        """A complete voice turn up to Rasa's answer (speech synthesis is `speak`). `encoded` is the audio
        file as received (or the utterance as WAV): what is hashed and, at a recorded step, kept.
        `message_id`: the client's id for this turn (sent again, Rasa answers the first answer again)."""
        started = time.perf_counter()
        conversation = conversation or await self.conversation(sender_id)
        sha256 = hashlib.sha256(encoded).hexdigest()
        if self.recordings is not None and conversation.step in RECORDED_STEPS:
            await self.record(sender_id, encoded)
        if early is not None and early.serves(audio, conversation):
            transcript = await early.task
        else:
            transcript = await self.recognise(audio, conversation)
        asr_s = time.perf_counter() - started
        metadata = {"channel": channel, "input": "voice", "audio_sha256": sha256}
        if transcript.rejected is None and not transcript.text.strip():
            transcript = dataclasses.replace(transcript, text="", rejected="no_speech")
        if transcript.rejected is None:
            log.info("voice turn %s: %d characters heard in %.2fs", sender_id, len(transcript.text), asr_s)
            outcome = await self.send(sender_id, message_text(transcript.text), metadata, message_id)
        else:
            log.info("voice turn %s: transcript rejected (%s)", sender_id, transcript.rejected)
            outcome = await self.ask_again(sender_id, transcript.rejected, conversation, metadata, message_id)
        outcome.transcript = transcript
        outcome.timings = {"asr_s": asr_s, "engine_s": time.perf_counter() - started - asr_s}
        return outcome

    async def record(self, sender_id: str, encoded: bytes) -> None:
        assert self.recordings is not None
        await self.recordings.keep(encoded, sender_id)  # None: its audit entry says no recording was kept

    async def hear_utterance(
        self,
        sender_id: str,
        audio: Audio,
        *,
        channel: str,
        conversation: Conversation,
        early: EarlyTranscript | None = None,
    ) -> TurnOutcome:
        """An utterance the endpointer cut from a live stream (hotline, app): hashed and kept as WAV."""
        encoded = encode_wav(audio.pcm, audio.sample_rate)
        return await self.hear(
            sender_id, audio, channel=channel, encoded=encoded, conversation=conversation, early=early
        )

    async def send(
        self, sender_id: str, text: str, metadata: dict[str, Any], message_id: str | None = None
    ) -> TurnOutcome:
        turn = await self.engine.turn(sender_id, text, metadata, message_id)  # replies and state: one trip
        return TurnOutcome(sender_id, turn.messages, turn.tracker)

    async def ask_again(
        self,
        sender_id: str,
        reason: str,
        conversation: Conversation,
        metadata: dict[str, Any],
        message_id: str | None = None,
    ) -> TurnOutcome:
        """Nothing usable was heard: a spoken notice, then Rasa's re-ask of its question (in the right
        language)."""
        key = "no_voice_input" if reason == "unsupported_language" else "not_heard"
        notice = {"text": prompt(key, conversation.language), "custom": {"voice_notice": reason}}
        outcome = await self.send(sender_id, ASK_REPEAT, {**metadata, "asr_rejected": reason}, message_id)
        redundant = repeat_texts()
        outcome.replies = [notice] + [r for r in outcome.replies if r.get("text") not in redundant]
        return outcome

    def rate(self, conversation: Conversation) -> float:
        return self.slow_rate if conversation.senior or conversation.slow else 1.0

    async def speak(self, outcome: TurnOutcome) -> AsyncIterator[SpokenPart]:
        """Every reply, sentence by sentence, in order, each piece as soon as it is synthesised."""
        conversation = outcome.conversation
        for index, message in enumerate(outcome.replies):
            async for part in self.speak_message(index, message, conversation):
                yield part

    async def speak_all(self, outcome: TurnOutcome) -> list[SpokenReply]:
        return whole_replies([part async for part in self.speak(outcome)])

    async def speak_message(
        self, index: int, message: dict[str, Any], conversation: Conversation
    ) -> AsyncIterator[SpokenPart]:
        pieces = split_for_speech(message.get("text") or "")
        if not pieces:
            yield SpokenPart(index, message, None, "no_text", True)
            return
        language = language_tag(conversation.language, conversation.dialect)
        for i, piece in enumerate(pieces):
            try:
                speech = await self.synthesizer.synthesize(piece, language, rate=self.rate(conversation))
            except NoVoice:
                yield SpokenPart(index, message, None, "text_only", True)
                return
            except Exception:  # every engine failed: the text still reaches the user
                log.exception("speech synthesis failed for a %s reply", conversation.language)
                yield SpokenPart(index, message, None, "failed", True)
                return
            yield SpokenPart(index, message, speech, "ok", i == len(pieces) - 1)
