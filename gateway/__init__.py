"""The gateway: the product's public address. The chat API, the web pages, single voice turns and spoken
replies, the hotline's and the app's voice WebSockets, the sandbox outbox; the limits on all of them. It talks
to the dialogue (Rasa, through its own channel) and to the backend over HTTP, and hands speech to voice/."""
