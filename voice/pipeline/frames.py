"""The vocabulary of the voice pipeline: every event and every piece of data that travels through it.

Frames flow downstream from a transport's input (what the user does) through the processors to the
transport's output (what the user hears and sees); a few go upstream, from the output back towards the
input (the client has played or dropped the audio; the conversation changed). Frames are plain, immutable
data; a processor that does not know a frame passes it on unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voice.audio import RECOGNITION_RATE
from voice.channels.speaking import AudioStatus
from voice.channels.turn import Conversation, EarlyTranscript, TurnOutcome
from voice.speech import Audio, Speech, Transcript


@dataclass(frozen=True)
class Frame:
    pass


# --- from a transport's input: what the user does ----------------------------------------------------------


@dataclass(frozen=True)
class SessionStarted(Frame):
    sender_id: str  # the conversation
    channel: str  # app | senior | hotline


@dataclass(frozen=True)
class AudioIn(Frame):
    pcm: bytes  # mono 16-bit PCM at RECOGNITION_RATE, any length


@dataclass(frozen=True)
class UserEndOfSpeech(Frame):
    """The client says the user stopped (push-to-talk released)."""


@dataclass(frozen=True)
class KeyPressed(Frame):
    key: str  # 0-9, *, # (anything else is ignored)


@dataclass(frozen=True)
class Tick(Frame):
    """The pipeline's clock (every tick_s). It travels only as far as the line is quiet: the keypad keeps it
    while keys are pending, endpointing while the user speaks, turn-taking while a turn runs or waits; so a
    Tick that reaches the idle monitor means nobody has anything going on."""


# --- endpointing (vad.py) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeechStarted(Frame):
    pass


@dataclass(frozen=True)
class SpeechPausing(Frame):
    """The user has been silent for early_ms: if the silence lasts, SpeechEnded carries exactly this audio."""

    audio: Audio


@dataclass(frozen=True)
class SpeechEnded(Frame):
    audio: Audio
    reason: str  # silence | max_length | client


@dataclass(frozen=True)
class SpeechProgress(Frame):
    """After each chunk of audio while the user speaks: the utterance so far (for partial transcripts)."""

    windows: tuple[bytes, ...]  # the endpointer's windows, joined only when someone wants the audio
    pausing: bool  # the latest window was silence: the end may be moments away

    @property
    def duration_s(self) -> float:
        return sum(len(w) for w in self.windows) / 2 / RECOGNITION_RATE

    @property
    def audio(self) -> Audio:
        return Audio(b"".join(self.windows), RECOGNITION_RATE)


# --- what a turn is taken on ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Utterance(Frame):
    """One finished utterance, with the recognition started on it during the closing silence, if any."""

    audio: Audio
    early: EarlyTranscript | None = None


@dataclass(frozen=True)
class PartialTranscript(Frame):
    text: str


@dataclass(frozen=True)
class KeypadEntry(Frame):
    entry: str  # digits, X for *; log only through privacy.numbers.mask_keys


@dataclass(frozen=True)
class IdleTimeout(Frame):
    """The caller has said nothing for the re-prompt time; after the last re-prompt it is goodbye."""

    goodbye: bool


# --- turn-taking (turns.py) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationUpdated(Frame):
    """Pushed both ways whenever the tracker is read: endpointing, keypad, recognition, idle and the speaker
    adapt to the language, the step and whether the user is a senior."""

    conversation: Conversation
    senior: bool


@dataclass(frozen=True)
class TurnStarted(Frame):
    pass


@dataclass(frozen=True)
class TurnFinished(Frame):
    pass


@dataclass(frozen=True)
class Heard(Frame):
    """What the recogniser made of an utterance (rejected or not)."""

    transcript: Transcript


@dataclass(frozen=True)
class BotReplies(Frame):
    """The assistant's answer to a turn, to be spoken (the keypad adds its hints on the way)."""

    outcome: TurnOutcome


@dataclass(frozen=True)
class BotPrompt(Frame):
    """The channel's own words (are you still there, goodbye); `replay` repeats the last answer after them."""

    texts: tuple[str, ...]
    replay: bool = False


@dataclass(frozen=True)
class EndSession(Frame):
    """Hang up once the client has played what was sent."""


@dataclass(frozen=True)
class ErrorFrame(Frame):
    error: str
    message: str


# --- speaking (speaker.py) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyText(Frame):
    index: int  # which reply of the turn
    message: dict[str, Any]


@dataclass(frozen=True)
class ReplyAudio(Frame):
    index: int
    part: int  # sentence number within the reply
    speech: Speech


@dataclass(frozen=True)
class ReplyEnd(Frame):
    index: int
    status: AudioStatus | str  # ok | partial | text_only | failed | no_text | interrupted


@dataclass(frozen=True)
class TurnEnd(Frame):
    """Everything of an answer has been sent (or the user interrupted it)."""

    tracker: dict[str, Any] | None  # the conversation after the turn; None for a channel prompt
    interrupted: bool


# --- playback: barge-in and what the client has played ----------------------------------------------------


@dataclass(frozen=True)
class StopPlayback(Frame):
    """The user started speaking or pressed a key: the output stops what the client still plays, if any."""


@dataclass(frozen=True)
class BotInterrupted(Frame):
    """Upstream, from the output: playback was cut; the answer being spoken stops here."""


@dataclass(frozen=True)
class BotStartedSpeaking(Frame):
    """Upstream, from the output: the client has audio to play."""


@dataclass(frozen=True)
class BotStoppedSpeaking(Frame):
    """Upstream, from the output: the client has played (or dropped) everything sent."""
