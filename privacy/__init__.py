"""Personal data: what counts as a personal number and how it is shown masked (numbers), field encryption and
keyed digests (vault), and keeping personal data out of stored conversations (events) and logs (logs).

The bot, the voice gateway and the backend use this room as equals; none of them reaches into another's
storage or settings for it.
"""
