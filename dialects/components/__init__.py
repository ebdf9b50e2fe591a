"""Rasa 3.6 graph components for the NLU pipeline in config.yml.

Importing a module registers its component with the default recipe.
"""
