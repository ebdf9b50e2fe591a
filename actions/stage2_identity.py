"""Stage 2: name, resident ID number with a masked read-back, liveness hand-off."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import backend_api
from actions.asking import AskAction
from actions.backend_api import BackendError
from actions.conversation import is_fresh, latest_text, understood_text
from actions.failures import refuse, reject
from actions.parsing import digit_runs, find_id_number, name_from_message
from actions.senior import SENIOR_AGE, is_senior, opted_out, read_back, switch_on_events
from actions.validation import StageValidation


class AskName(AskAction):
    slot = "name"


class AskIdNumber(AskAction):
    slot = "id_number"


class AskIdConfirmed(AskAction):
    slot = "id_confirmed"

    async def template_values(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        details = tracker.get_slot("id_details") or {}
        return {
            "name": tracker.get_slot("name"),
            "id_masked": read_back(tracker, tracker.get_slot("id_masked")),
            "birth_date": details.get("birth_date", ""),
            "region": details.get("region", ""),
        }


class AskLivenessPassed(AskAction):
    slot = "liveness_passed"

    async def template_values(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        session = await backend_api.start_liveness(tracker.get_slot("application_id"))
        return {"url": session.url}


ID_REASON_RESPONSES = {
    "checksum": "utter_invalid_id_checksum",
    "birth_date": "utter_invalid_id_birth_date",
    "region": "utter_invalid_id_region",
}


class ValidateIdentityForm(StageValidation):
    def name(self) -> str:
        return "validate_identity_form"

    async def validate_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # DIET may tag stray tokens as names (Rasa keeps the last one): fall back to every name entity
        # in the message, then to the sentence itself ("我叫张三,身份证号…").
        tagged = [str(value)] + [
            str(e["value"]) for e in tracker.latest_message.get("entities", []) if e.get("entity") == "name"
        ]
        name = name_from_message(tagged, understood_text(tracker), latest_text(tracker))
        if name is None:
            return reject(dispatcher, tracker, "name", "utter_invalid_name")
        return {"name": name}

    async def validate_id_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not is_fresh(tracker, "id_number") and value == tracker.get_slot("id_masked"):
            return {"id_number": value}
        id_number = find_id_number(str(value))
        if id_number is None:
            return reject(dispatcher, tracker, "id_number", "utter_invalid_id_format")
        try:
            checked = await backend_api.validate_id_number(id_number)
        except BackendError as exc:
            response = ID_REASON_RESPONSES.get(exc.data.get("reason", ""), "utter_invalid_id_format")
            return reject(dispatcher, tracker, "id_number", response)
        if checked.age < 18:
            # The backend records the refusal; the conversation ends politely here.
            await self._submit_identity(tracker, id_number, dispatcher)
            return {"id_number": None, "requested_slot": None, "application_status": "refused"}
        slots = {
            "id_number": id_number,
            "id_confirmed": None,
            "id_masked": checked.id_masked,
            "id_details": {"birth_date": checked.birth_date, "region": checked.region, "age": checked.age},
        }
        if checked.age >= SENIOR_AGE and not is_senior(tracker) and not opted_out(tracker):
            # The birth date in the ID says 60+: slower, shorter, one question at a time from here on.
            dispatcher.utter_message(response="utter_senior_mode_on")
            slots.update({event["name"]: event["value"] for event in switch_on_events(tracker)})
        return slots

    async def validate_id_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not is_fresh(tracker, "id_confirmed"):
            return {"id_confirmed": value}
        if value is not True:
            dispatcher.utter_message(response="utter_id_reenter")
            return {"id_number": None, "id_confirmed": None}
        return await self._submit_identity(tracker, tracker.get_slot("id_number"), dispatcher)

    async def _submit_identity(
        self, tracker: Tracker, id_number: str, dispatcher: CollectingDispatcher
    ) -> dict[str, Any]:
        try:
            app = await backend_api.verify_identity(self.app_id(tracker), tracker.get_slot("name"), id_number)
        except BackendError as exc:
            return self._identity_refused(exc, dispatcher, tracker)
        dispatcher.utter_message(response="utter_identity_verified")
        return {"id_confirmed": True, "id_number": app.id_masked, "id_masked": app.id_masked}

    def _identity_refused(
        self, exc: BackendError, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        retry = {"name": None, "id_number": None, "id_confirmed": None}
        if exc.code == "underage":
            dispatcher.utter_message(response="utter_underage")
            return {"id_number": None, "requested_slot": None, "application_status": "refused"}
        if exc.code == "too_many_attempts":
            dispatcher.utter_message(response="utter_identity_too_many_attempts")
            return {"requested_slot": None, "application_status": "manual_review"}
        if exc.code == "existing_customer":
            if exc.data.get("manual_review"):
                # The same application met an existing customer's number again: a person checks it.
                dispatcher.utter_message(response="utter_existing_customer_review")
                return {"id_number": None, "requested_slot": None, "application_status": "manual_review"}
            # Perhaps mistyped: the number is asked again (the name stands); a person or finishing offered.
            dispatcher.utter_message(response="utter_existing_customer")
            return {"id_number": None, "id_confirmed": None}
        if exc.code == "identity_mismatch":
            dispatcher.utter_message(
                response="utter_identity_mismatch", attempts_left=exc.data.get("attempts_left", 0)
            )
            return retry
        response = ID_REASON_RESPONSES.get(exc.data.get("reason", ""), "utter_invalid_id_format")
        return reject(dispatcher, tracker, "id_number", response) | {"id_confirmed": None}

    async def validate_liveness_passed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True and not is_fresh(tracker, "liveness_passed"):
            return {"liveness_passed": True}
        if digit_runs(str(value)):
            return {"liveness_passed": None}  # digits are not an answer to "are you done?"
        result = await backend_api.check_liveness(self.app_id(tracker))
        if result.passed:
            dispatcher.utter_message(response="utter_liveness_passed")
            return {"liveness_passed": True}
        if result.status == "pending":
            return reject(dispatcher, tracker, "liveness_passed", "utter_liveness_pending")
        # A face that did not match twice will not match a third time: a person (or a video witness) helps.
        return await refuse(
            dispatcher, tracker, "liveness_passed", "utter_liveness_failed", "liveness_failed"
        )
