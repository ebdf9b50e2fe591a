"""Stage 5: bank card for third-party depository, masked read-back, submission."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import backend_api
from actions.asking import AskAction
from actions.backend_api import BackendError
from actions.conversation import is_fresh, language
from actions.failures import refuse, reject
from actions.flow import done_events, next_form
from actions.parsing import find_card
from actions.senior import read_back
from actions.validation import StageValidation
from bot.replies import term

CARD_REASON_RESPONSES = {
    "luhn": "utter_invalid_card_luhn",
    "unknown_bin": "utter_invalid_card_unknown_bin",
}
# The bank's refusals, which the same card will meet again: another card is asked for, then a person helps.
CARD_REFUSALS = {
    "holder_mismatch": "utter_card_holder_mismatch",
    "card_rejected": "utter_card_rejected",
}


class AskBankCard(AskAction):
    slot = "bank_card"


class AskReviewConfirmed(AskAction):
    slot = "review_confirmed"

    async def template_values(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        app = await backend_api.get_application(tracker.get_slot("application_id"))
        fields = ("name", "id_masked", "phone_masked", "risk_level", "bank_name", "card_masked")
        values = {field: getattr(app, field) or "" for field in fields}
        for number in ("id_masked", "phone_masked", "card_masked"):
            values[number] = read_back(tracker, values[number])
        return values


class ValidateBankForm(StageValidation):
    def name(self) -> str:
        return "validate_bank_form"

    async def validate_bank_card(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not is_fresh(tracker, "bank_card") and value == tracker.get_slot("card_masked"):
            return {"bank_card": value}
        card = find_card(str(value))
        if card is None:
            return reject(dispatcher, tracker, "bank_card", "utter_invalid_card_format")
        try:
            bound = await backend_api.bind_bank_card(self.app_id(tracker), card)
        except BackendError as exc:
            if exc.code in CARD_REFUSALS:
                return await refuse(dispatcher, tracker, "bank_card", CARD_REFUSALS[exc.code], exc.code)
            response = CARD_REASON_RESPONSES.get(exc.data.get("reason", ""), "utter_invalid_card_format")
            return reject(dispatcher, tracker, "bank_card", response)
        dispatcher.utter_message(
            response="utter_card_bound",
            bank_name=bound.bank_name,
            card_masked=read_back(tracker, bound.card_masked),
        )
        return {
            "bank_card": bound.card_masked,
            "card_masked": bound.card_masked,
            "bank_name": bound.bank_name,
            "review_confirmed": None,
        }

    async def validate_review_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            return {"review_confirmed": True}
        # Not confirmed: stop here and let the user name what to change (correct_info).
        dispatcher.utter_message(response="utter_review_what_to_change")
        return {"review_confirmed": None, "requested_slot": None}


class ActionSubmitApplication(Action):
    def name(self) -> str:
        return "action_submit_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("review_confirmed") is not True:
            return []
        try:
            result = await backend_api.submit(tracker.get_slot("application_id"), language(tracker))
        except BackendError as exc:
            dispatcher.utter_message(response="utter_submit_incomplete")
            form = next_form(tracker) if exc.code == "incomplete" else None
            return [SlotSet("review_confirmed", None)] + ([FollowupAction(form)] if form else [])
        events: list[EventType] = [
            SlotSet("application_status", result.status),
            SlotSet("account_number", result.account_number),
        ]
        if result.status == "approved":
            account_number = read_back(tracker, result.account_number)  # seniors: digit by digit too
            dispatcher.utter_message(response="utter_approved", account_number=account_number)
        else:
            separator = term(language(tracker), "list_separator")
            reasons = separator.join(result.review_reasons)
            dispatcher.utter_message(response="utter_manual_review", reasons=reasons)
        return events + await done_events()
