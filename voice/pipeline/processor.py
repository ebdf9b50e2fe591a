"""Processors and the pipeline that links them.

A processor does one job: it looks at each frame that reaches it, acts on the ones it knows, and pushes
frames on, downstream (towards the transport's output) or upstream (towards its input). A push is a plain
await of the next processor, so a frame has passed the whole pipeline when the push returns; work that must
not hold up the input (a turn: recognition, the dialogue, speech synthesis) runs in a processor's own task.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import Sequence

from voice.pipeline.frames import Frame, Tick


class Direction(enum.Enum):
    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"


DOWNSTREAM, UPSTREAM = Direction.DOWNSTREAM, Direction.UPSTREAM


class FrameProcessor:
    def __init__(self) -> None:
        self._next: FrameProcessor | None = None
        self._previous: FrameProcessor | None = None

    def link(self, following: FrameProcessor) -> None:
        self._next, following._previous = following, self

    async def process(self, frame: Frame, direction: Direction) -> None:
        """Act on `frame`; the default passes every frame on."""
        await self.push(frame, direction)

    async def push(self, frame: Frame, direction: Direction = DOWNSTREAM) -> None:
        target = self._next if direction is DOWNSTREAM else self._previous
        if target is not None:
            await target.process(frame, direction)

    async def start(self) -> None:
        """Start the processor's own tasks, if it has any."""

    async def stop(self) -> None:
        """Cancel them."""


class Pipeline:
    """Processors linked in order; with `tick_s`, a clock pushes a Tick into the first one that often."""

    def __init__(self, processors: Sequence[FrameProcessor], *, tick_s: float | None = None) -> None:
        self.processors = list(processors)
        for current, following in zip(self.processors, self.processors[1:], strict=False):
            current.link(following)
        self.tick_s = tick_s
        self._clock: asyncio.Task[None] | None = None

    async def push(self, frame: Frame) -> None:
        """A frame from the transport's input."""
        await self.processors[0].process(frame, DOWNSTREAM)

    async def start(self) -> None:
        for processor in self.processors:
            await processor.start()
        if self.tick_s:
            self._clock = asyncio.create_task(self._tick(self.tick_s))

    async def stop(self) -> None:
        if self._clock is not None:
            self._clock.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # a failed tick ended it already
                await self._clock
        for processor in self.processors:
            await processor.stop()

    async def _tick(self, tick_s: float) -> None:
        while True:
            await asyncio.sleep(tick_s)
            await self.push(Tick())
