"""One voice pipeline for every live channel, in the shape of pipecat's: a small vocabulary of typed frames
(frames.py) and processors that each do one job (processor.py links them), with the transports and their
wire formats apart (voice/channels: hotline.py + twilio.py, stream.py + stream_protocol.py).

  vad.py          endpointing (Silero VAD): speech started, pausing, ended
  recognition.py  early recognition during the closing silence; partial transcripts
  keypad.py       DTMF aggregation (digits until # or a pause) and the keypad hints
  turns.py        barge-in; turn-taking (one turn at a time through VoiceTurn: recognition, the dialogue)
  speaker.py      the replies spoken sentence by sentence, stopped by a barge-in
  idle.py         silence re-prompts and the goodbye
"""
