"""Stage 4: agreement summary, then an explicit yes, recorded with the user's exact words."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import backend_api
from actions.asking import AskAction
from actions.conversation import answer_record, is_fresh, language, latest_intent
from actions.failures import reject
from actions.validation import StageValidation

# "Anything but a clear yes is not a signature": the yes must be understood with confidence.
MIN_YES_CONFIDENCE = 0.8
# A clear no to the agreements, said this many times, ends the application (cancelled, agreement_declined).
DECLINES_BEFORE_CLOSING = 2


class AskAgreementSigned(AskAction):
    slot = "agreement_signed"

    async def template_values(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        documents = (await backend_api.agreements(language(tracker))).documents
        summary = "\n".join(f"《{doc.title}》{doc.summary}" for doc in documents)
        return {"summary": summary}


class ValidateAgreementForm(StageValidation):
    def name(self) -> str:
        return "validate_agreement_form"

    async def validate_agreement_signed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True and not is_fresh(tracker, "agreement_signed"):
            return {"agreement_signed": True}
        confidence = (tracker.latest_message.get("intent") or {}).get("confidence", 0.0)
        if value is False:
            return await self._declined(dispatcher, tracker)
        if value is not True or latest_intent(tracker) != "affirm" or confidence < MIN_YES_CONFIDENCE:
            return reject(dispatcher, tracker, "agreement_signed", "utter_agreement_needs_yes")
        await backend_api.sign_agreements(self.app_id(tracker), answer_record(tracker))
        dispatcher.utter_message(response="utter_agreement_signed")
        return {"agreement_signed": True}

    async def _declined(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """A first no is explained (questions, a person, or a yes later); a second one ends the application,
        since no account can be opened without the agreements, instead of asking again and again."""
        counts = dict(tracker.get_slot("failed_attempts") or {})
        counts["declined:agreement_signed"] = counts.get("declined:agreement_signed", 0) + 1
        if counts["declined:agreement_signed"] < DECLINES_BEFORE_CLOSING:
            dispatcher.utter_message(response="utter_agreement_declined")
            return {"agreement_signed": None, "failed_attempts": counts}
        app = await backend_api.cancel(self.app_id(tracker), reason="agreement_declined")
        dispatcher.utter_message(response="utter_agreement_declined_closed")
        return {"agreement_signed": None, "requested_slot": None, "application_status": app.status}
