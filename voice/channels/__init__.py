"""Voice channels: one voice turn over HTTP, the phone hotline (Twilio Media Streams) and the app's stream."""
