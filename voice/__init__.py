"""Channels and audio: the FastAPI gateway in front of the dialogue engine (voice comes in issue 4)."""
