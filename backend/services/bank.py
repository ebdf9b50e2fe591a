"""Stage 5a: binding the bank card for third-party depository (三方存管)."""

from __future__ import annotations

from backend.content import DEFAULT_LANG
from backend.db import to_db
from backend.errors import ApiError
from backend.models import BankBinding
from backend.providers.base import ProviderError
from backend.schemas import CardOut
from backend.services.application_state import (
    load,
    log,
    provider_failed,
    require_in_progress,
    snapshot,
    touch,
)
from backend.services.context import Services
from backend.validation.bank_card import validate_card


def bind_card(ctx: Services, application_id: str, raw_card: str, lang: str = DEFAULT_LANG) -> CardOut:
    with ctx.db.transaction() as tx:
        application = load(tx.session, application_id, for_update=True)
        require_in_progress(application)
        if application.agreement_signed_at is None:
            raise ApiError(409, "agreement_required", "The agreements must be signed first.")
        check = validate_card(raw_card)
        if not check.valid:
            raise ApiError(
                422, "invalid_card", f"The card number is not valid ({check.reason}).", reason=check.reason
            )
        card, bank, masked = check.card_number, check.bank, check.masked
        id_number = ctx.vault.decrypt(application.id_number_enc)
        phone = ctx.vault.decrypt(application.phone_enc)
        try:
            result = ctx.providers.bank.bind(application.name, id_number, card, phone)
        except ProviderError as exc:
            log.warning("bank binding failed for %s (%s): %s", application.id, masked, exc)
            raise provider_failed("bank") from exc
        if not result.ok:
            tx.audit("bank.rejected", application.id, card=masked, reason=result.reason)
            if result.reason == "holder_mismatch":
                raise ApiError(
                    422, "holder_mismatch", "The card does not belong to the applicant.", commit=True
                )
            raise ApiError(422, "card_rejected", "The bank did not accept the card.", commit=True)
        binding = application.bank_binding
        if binding is None:
            binding = BankBinding(application_id=application.id)
            tx.session.add(binding)
            application.bank_binding = binding
        binding.card_enc = ctx.vault.encrypt(card)
        binding.card_hmac = ctx.vault.digest("card", card)
        binding.card_masked = masked
        binding.card_last4 = card[-4:]
        binding.bank_code = bank.code
        binding.bank_name = bank.name
        binding.provider_ref = result.reference
        binding.bound_at = to_db(tx.now)
        touch(application, tx.now)
        tx.audit("bank.bound", application.id, card=masked, bank=bank.code)
        log.info("card %s bound for %s", masked, application.id)
        return CardOut(
            bank_name=bank.name,
            card_masked=masked,
            card_last4=card[-4:],
            application=snapshot(application, lang),
        )
