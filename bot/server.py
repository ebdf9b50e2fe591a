"""`python -m bot.server run …`: the Rasa CLI with two measured speed-ups for Rasa 3.6.21.

Profiling a full account opening (py-spy, 2 cores) showed two costs that grow with every turn:
- each stored event is deserialised through `Event.resolve_by_type`, which rebuilds the list of all
  Event subclasses per event (a tracker of 250 events spent ~8 ms there, twice per turn);
- each action server answer is checked with `jsonschema.validate`, which re-validates the schema
  itself on every call.
Both answers are pure functions of fixed inputs, so they are computed once. Behaviour is unchanged.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import rasa.shared.core.events as events
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction

from service.environment import SettingError, require_secrets


def _cache_event_type_lookup() -> None:
    lookup = events.Event.resolve_by_type

    @functools.cache
    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        return lookup(type_name, default)

    events.Event.resolve_by_type = staticmethod(resolve_by_type)


def _compile_action_response_schema() -> None:
    spec = RemoteAction.action_response_format_spec()
    validator = validators.validator_for(spec)(spec)

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
        except ValidationError as error:
            error.message += ". Failed to validate Action server response from API."
            raise
        return True

    RemoteAction._validate_action_result = validate_action_result


def secret_arguments(argv: list[str], env: dict[str, str]) -> list[str]:
    """The HTTP API admits holders of a JWT signed with RASA_JWT_SECRET (the gateway signs short-lived
    ones: gateway/engine.py). The secret comes from the environment, never the command line (which `ps`
    shows to everyone on the machine); it is handed to Rasa's own parser inside this process."""
    secret = env.get("RASA_JWT_SECRET", "")
    if argv[:1] == ["run"] and secret and "--jwt-secret" not in argv:
        return [*argv, "--jwt-secret", secret, "--jwt-method", "HS256"]
    return argv


# What a cluster must hand every Rasa replica (service/environment.py); the channel checks its own token.
CLUSTER_SECRETS = ("RASA_JWT_SECRET", "GATEWAY_CHANNEL_TOKEN", "ACTIONS_TOKEN", "BACKEND_DATA_KEY")


def main() -> None:
    try:
        require_secrets(os.environ, CLUSTER_SECRETS, "rasa")
    except SettingError as exc:
        sys.exit(str(exc))
    _cache_event_type_lookup()
    _compile_action_response_schema()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *secret_arguments(sys.argv[1:], dict(os.environ))]
    rasa_main()


if __name__ == "__main__":
    main()
