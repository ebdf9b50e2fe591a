"""The dialogue: domain, rules and stories (data), plus the Rasa server launcher."""
