"""Speaking: the assistant's replies and the channel's prompts, sentence by sentence, as soon as each is
synthesised, until the user interrupts.

Per reply the text goes out first (ReplyText), then its audio piece by piece (ReplyAudio), then how that went
(ReplyEnd); TurnEnd closes the answer. When the output reports that playback was cut (BotInterrupted), the
answer being spoken stops: nothing more of it is synthesised or sent, and the replies not yet reached end as
"interrupted". The last answer heard in full is kept for a re-prompt to repeat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from voice.channels.speaking import shown
from voice.channels.turn import Conversation, VoiceTurn
from voice.pipeline.frames import (
    BotInterrupted,
    BotPrompt,
    BotReplies,
    ConversationUpdated,
    Frame,
    ReplyAudio,
    ReplyEnd,
    ReplyText,
    TurnEnd,
)
from voice.pipeline.processor import Direction, FrameProcessor
from voice.speech import Speech


class Speaker(FrameProcessor):
    def __init__(self, get_turn: Callable[[], Awaitable[VoiceTurn]]) -> None:
        super().__init__()
        self.get_turn = get_turn
        self.conversation = Conversation()
        self.playback = 0  # bumped when the user interrupts: the answer being spoken stops
        self.last_answer: list[Speech] = []

    async def process(self, frame: Frame, direction: Direction) -> None:
        if isinstance(frame, BotReplies):
            await self._answer(frame)
            return
        if isinstance(frame, BotPrompt):
            await self._prompt(frame)
            return
        if isinstance(frame, BotInterrupted):
            self.playback += 1
        elif isinstance(frame, ConversationUpdated):
            self.conversation = frame.conversation
        await self.push(frame, direction)

    async def _answer(self, frame: BotReplies) -> None:
        turn, playback = await self.get_turn(), self.playback
        conversation = frame.outcome.conversation
        spoken: list[Speech] = []
        for index, message in enumerate(m for m in frame.outcome.replies if shown(m)):
            await self.push(ReplyText(index, message))
            status = "interrupted"
            if playback == self.playback:
                status = await self._speak(turn, index, message, conversation, playback, spoken)
            await self.push(ReplyEnd(index, status))
        if playback == self.playback and spoken:
            self.last_answer = spoken
        await self.push(TurnEnd(frame.outcome.tracker, interrupted=playback != self.playback))

    async def _prompt(self, frame: BotPrompt) -> None:
        turn, playback = await self.get_turn(), self.playback
        for index, text in enumerate(frame.texts):
            await self._speak(turn, index, {"text": text}, self.conversation, playback, [])
        if frame.replay:
            for part, speech in enumerate(self.last_answer):
                if playback != self.playback:
                    break
                await self.push(ReplyAudio(len(frame.texts), part, speech))
        await self.push(TurnEnd(None, interrupted=playback != self.playback))

    async def _speak(
        self,
        turn: VoiceTurn,
        index: int,
        message: dict[str, Any],
        conversation: Conversation,
        playback: int,
        spoken: list[Speech],
    ) -> str:
        """One reply's audio, piece by piece; how it went (the last piece's status, or interrupted)."""
        part, status = 0, "no_text"
        async for piece in turn.speak_message(index, message, conversation):
            if playback != self.playback:
                return "interrupted"  # the user barged in: the rest is neither synthesised nor sent
            status = piece.status
            if piece.speech is not None:
                await self.push(ReplyAudio(index, part, piece.speech))
                spoken.append(piece.speech)
                part += 1
        return status
