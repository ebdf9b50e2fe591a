"""Meta's MMS speech models for Tibetan (bo) and Uyghur (ug), which Whisper and espeak-ng do not cover well.

The models need torch and transformers, which do not fit the Rasa venv (Python 3.10), so they run in a small
worker process of their own (`worker.py`, Python 3.11 venv `.venv-mms`, see scripts/setup_mms_venv.sh); the
gateway talks to it over HTTP through `client.py`, which imports neither. Keep this package free of imports.
"""
