"""Language and dialect handling shared by the NLU pipeline and the dialogue.

Pure functions live at this level (``numbers``, ``checksums``); Rasa graph components that wrap them live
in ``dialects.components``.
"""
