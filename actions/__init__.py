"""Rasa custom actions: one module per stage, plus navigation and detours.

Actions stay thin: they turn what the user said into a backend call and the backend's answer into a
reply. The backend owns every piece of account data.
"""
