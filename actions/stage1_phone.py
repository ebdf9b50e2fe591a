"""Stage 1: consent to the personal-information notice, mobile number, SMS code."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import backend_api
from actions.application import application_slots
from actions.asking import AskAction
from actions.backend_api import BackendError
from actions.conversation import answer_record, is_fresh, language, latest_intent
from actions.failures import refuse, reject
from actions.keywords import resend_code_words
from actions.parsing import find_phone, find_sms_code
from actions.senior import read_back
from actions.validation import StageValidation
from dialects.chinese import to_simplified


class AskConsent(AskAction):
    slot = "consent"

    async def template_values(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        notice = await backend_api.notice(language(tracker))
        return {"notice": notice.text, "notice_version": notice.version}


class AskPhoneNumber(AskAction):
    slot = "phone_number"


class AskSmsCode(AskAction):
    slot = "sms_code"


# The phone step's refusals that another try with the same number cannot change.
PHONE_REFUSALS = {
    "phone_blocked": "utter_phone_blocked",
    "sms_undeliverable": "utter_sms_undeliverable",
    "sms_daily_limit": "utter_sms_daily_limit",
}


async def resend_code(
    dispatcher: CollectingDispatcher, tracker: Tracker, response: str = "utter_sms_sent"
) -> dict[str, Any]:
    """Send a new SMS code (from the form and from the detour action), saying so with `response`; answers
    the slots that change."""
    try:
        sent = await backend_api.resend_code(tracker.get_slot("application_id"), language(tracker))
    except BackendError as exc:
        if exc.code == "sms_daily_limit":
            # No code can reach this number today: another number is asked for (a person, the second time).
            slots = await refuse(dispatcher, tracker, "phone_number", "utter_sms_daily_limit", exc.code)
            return {"sms_code": None, "phone_masked": None} | slots
        if exc.code != "resend_too_soon":
            raise
        dispatcher.utter_message(response="utter_sms_resend_too_soon")
        return {"sms_code": None}
    dispatcher.utter_message(response=response, phone_masked=read_back(tracker, sent.phone_masked))
    return {"sms_code": None}


class ValidatePhoneForm(StageValidation):
    def name(self) -> str:
        return "validate_phone_form"

    async def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not is_fresh(tracker, "consent") or latest_intent(tracker) not in ("affirm", "deny"):
            return {"consent": value}
        notice = await backend_api.notice(language(tracker))
        app = await backend_api.record_consent(
            self.app_id(tracker), bool(value), notice.version, answer_record(tracker)
        )
        if value:
            return {"consent": True}
        dispatcher.utter_message(response="utter_consent_refused")
        return {"consent": False, "requested_slot": None, "application_status": app.status}

    async def validate_phone_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("consent") is not True:
            return {"phone_number": None}  # nothing personal is used before consent
        if not is_fresh(tracker, "phone_number") and value == tracker.get_slot("phone_masked"):
            return {"phone_number": value}
        phone = find_phone(str(value))
        if phone is None:
            return reject(dispatcher, tracker, "phone_number", "utter_invalid_phone")
        try:
            sent = await backend_api.send_code(self.app_id(tracker), phone, language(tracker))
        except BackendError as exc:
            if exc.code == "resend_too_soon":
                dispatcher.utter_message(response="utter_sms_resend_too_soon")
                return {"phone_number": None}
            if exc.code in PHONE_REFUSALS:
                return await refuse(dispatcher, tracker, "phone_number", PHONE_REFUSALS[exc.code], exc.code)
            return reject(dispatcher, tracker, "phone_number", "utter_invalid_phone")
        masked = sent.phone_masked
        # A code sent to this number moments ago (another conversation of the same person) is still valid.
        response = "utter_sms_already_sent" if sent.already_sent else "utter_sms_sent"
        dispatcher.utter_message(response=response, phone_masked=read_back(tracker, masked))
        return {"phone_number": masked, "phone_masked": masked, "sms_code": None}

    async def validate_sms_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == "verified" and not is_fresh(tracker, "sms_code"):
            return {"sms_code": value}
        text = str(value)
        if resend_code_words().search(to_simplified(text)):
            return await resend_code(dispatcher, tracker)
        code = find_sms_code(text)
        if code is None:
            return reject(dispatcher, tracker, "sms_code", "utter_sms_code_format")
        try:
            result = await backend_api.verify_code(self.app_id(tracker), code)
        except BackendError as exc:
            return await self._code_refused(exc, dispatcher, tracker)
        dispatcher.utter_message(response="utter_phone_verified")
        slots = {"sms_code": "verified"}
        if result.resumed:
            dispatcher.utter_message(response="utter_resumed")
            slots.update(application_slots(result.application))
        return slots

    async def _code_refused(
        self, exc: BackendError, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if exc.code == "wrong_code":
            return reject(
                dispatcher,
                tracker,
                "sms_code",
                "utter_sms_wrong_code",
                tries_left=exc.data.get("tries_left", 0),
            )
        # Expired, too many tries or none sent: a fresh code goes out at once, so nobody is stuck.
        response = "utter_sms_expired" if exc.code == "code_expired" else "utter_sms_too_many_tries"
        return await resend_code(dispatcher, tracker, response)
