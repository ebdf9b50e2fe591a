"""The two voice WebSockets: a phone call (Twilio Media Streams) and the app's live voice."""

from __future__ import annotations

import logging

from fastapi import APIRouter, WebSocket

from gateway.answers import chat_response
from gateway.services import Gateway
from voice.channels.hotline import HotlineCall
from voice.channels.stream import VoiceStream

log = logging.getLogger("gateway")


def router(gateway: Gateway) -> APIRouter:
    api = APIRouter()

    @api.websocket("/ws/hotline")
    async def hotline(websocket: WebSocket) -> None:
        """A phone call: the Twilio Media Streams protocol (see voice/channels/hotline.py)."""
        refusal = gateway.hotline_guard.refusal(str(websocket.url), websocket.headers)
        if refusal is not None:
            log.warning("hotline handshake refused: %s", refusal)
            await websocket.close(code=1008)  # before accept: the caller's handshake gets HTTP 403
            return
        await HotlineCall(websocket, gateway.voice.turn).run()

    @api.websocket("/ws/voice")
    async def voice_stream(websocket: WebSocket) -> None:
        """The app's live voice channel (protocol in voice/channels/stream_protocol.py)."""
        await VoiceStream(websocket, gateway.voice.turn, chat_response).run()

    return api
