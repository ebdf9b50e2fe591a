"""Voice: speech recognition and synthesis (asr/, tts/, mms/), audio (audio.py), the voice pipeline
(pipeline/) and the voice channels (channels/: the hotline, the app's stream, one recorded turn), which the
gateway puts in front of the dialogue (dialogue.py says what they need from it)."""
