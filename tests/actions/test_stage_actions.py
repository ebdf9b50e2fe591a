"""The stage actions against the real backend: what each step says and which slots it sets."""

from __future__ import annotations

import httpx
from rasa_sdk.executor import CollectingDispatcher

from actions.navigation import ActionCorrectInfo, ActionDeleteMyData, ActionGoBack, ActionNextStep
from actions.stage1_phone import ValidatePhoneForm
from actions.stage2_identity import ValidateIdentityForm
from actions.stage3_risk import ValidateRiskForm
from actions.stage4_agreement import ValidateAgreementForm
from actions.stage5_bank import ValidateBankForm
from tests.actions.conftest import AS_GATEWAY, make_tracker, responses, run, slot_events

ADULT_ID = "310104198506123455"  # 1985, valid check digit
MINOR_ID = "440305201803150020"  # born 2018
CARD = "6222021234567890128"  # ICBC, Luhn-valid
OTHER_HOLDERS_CARD = "6222029876543210987"  # sandbox: belongs to someone else


async def new_application(backend: httpx.AsyncClient, upto: str = "created") -> str:
    """Walk an application through the backend up to a step, the way the actions would."""
    app_id = (await backend.post("/applications", json={"sender_id": "t", "channel": "app"})).json()["id"]
    steps = ["consent", "phone", "identity", "liveness", "risk", "agreement"]
    for step in steps[: steps.index(upto) + 1] if upto in steps else []:
        if step == "consent":
            notice = (await backend.get("/notices/current")).json()
            body = {
                "accepted": True,
                "notice_version": notice["version"],
                "utterance": "同意",
                "channel": "app",
            }
            await backend.post(f"/applications/{app_id}/consent", json=body)
        elif step == "phone":
            await backend.post(f"/applications/{app_id}/phone", json={"phone": "13912345678"})
            code = (
                await backend.post("/sandbox/sms", json={"phone": "13912345678"}, headers=AS_GATEWAY)
            ).json()["code"]
            await backend.post(f"/applications/{app_id}/phone/verify", json={"code": code})
        elif step == "identity":
            await backend.post(
                f"/applications/{app_id}/identity", json={"name": "张伟", "id_number": ADULT_ID}
            )
        elif step == "liveness":
            await backend.post(f"/applications/{app_id}/liveness/start")
            await backend.post(f"/applications/{app_id}/liveness/check")
        elif step == "risk":
            await backend.post(f"/applications/{app_id}/risk", json={"answers": [2, 2, 2, 2, 2]})
        elif step == "agreement":
            await backend.post(f"/applications/{app_id}/agreements/sign", json={"utterance": "我同意"})
    return app_id


def test_phone_stage(backend: httpx.AsyncClient, domain: dict) -> None:
    async def scenario() -> None:
        app_id = await new_application(backend)
        form = ValidatePhoneForm()
        base = {"application_id": app_id, "requested_slot": "consent"}

        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text="同意",
                intent="affirm",
                slots=base,
                new_slots={"consent": True},
                active_loop="phone_form",
            ),
        )
        assert slots["consent"] is True and said == []
        assert (await backend.get(f"/applications/{app_id}")).json()["consent"] is True

        base.update(consent=True, requested_slot="phone_number")
        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text="12345", slots=base, new_slots={"phone_number": "12345"}, active_loop="phone_form"
            ),
        )
        assert slots["phone_number"] is None and said == ["utter_invalid_phone"]

        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text="幺三九 幺二三四 五六七八",
                slots=base,
                new_slots={"phone_number": "幺三九 幺二三四 五六七八"},
                active_loop="phone_form",
            ),
        )
        assert slots["phone_number"] == "139****5678" and said == ["utter_sms_sent"]

        base.update(phone_number="139****5678", phone_masked="139****5678", requested_slot="sms_code")
        code = (await backend.post("/sandbox/sms", json={"phone": "13912345678"}, headers=AS_GATEWAY)).json()[
            "code"
        ]
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        slots, said = await _validate(
            form,
            domain,
            make_tracker(text=wrong, slots=base, new_slots={"sms_code": wrong}, active_loop="phone_form"),
        )
        assert slots["sms_code"] is None and said == ["utter_sms_wrong_code"]

        slots, said = await _validate(
            form,
            domain,
            make_tracker(text=code, slots=base, new_slots={"sms_code": code}, active_loop="phone_form"),
        )
        assert slots["sms_code"] == "verified" and said == ["utter_phone_verified"]

    run(scenario())


def test_identity_stage(backend: httpx.AsyncClient, domain: dict) -> None:
    async def scenario() -> None:
        app_id = await new_application(backend, upto="phone")
        form = ValidateIdentityForm()
        base = {"application_id": app_id, "name": "张伟", "requested_slot": "id_number"}
        wrong_check = ADULT_ID[:-1] + ("6" if ADULT_ID[-1] != "6" else "7")

        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text=wrong_check,
                slots=base,
                new_slots={"id_number": wrong_check},
                active_loop="identity_form",
            ),
        )
        assert slots["id_number"] is None and said == ["utter_invalid_id_checksum"]

        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text=ADULT_ID, slots=base, new_slots={"id_number": ADULT_ID}, active_loop="identity_form"
            ),
        )
        assert slots["id_number"] == ADULT_ID and slots["id_details"]["birth_date"].startswith("1985")
        assert ADULT_ID not in slots["id_masked"]

        base.update(id_number=ADULT_ID, id_masked=slots["id_masked"], requested_slot="id_confirmed")
        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text="对",
                intent="affirm",
                slots=base,
                new_slots={"id_confirmed": True},
                active_loop="identity_form",
            ),
        )
        assert slots["id_confirmed"] is True and said == ["utter_identity_verified"]
        assert slots["id_number"] != ADULT_ID  # the raw number leaves the tracker once verified

    run(scenario())


def test_minor_is_refused(backend: httpx.AsyncClient, domain: dict) -> None:
    async def scenario() -> None:
        app_id = await new_application(backend, upto="phone")
        base = {"application_id": app_id, "name": "李小明", "requested_slot": "id_number"}
        slots, said = await _validate(
            ValidateIdentityForm(),
            domain,
            make_tracker(
                text=MINOR_ID, slots=base, new_slots={"id_number": MINOR_ID}, active_loop="identity_form"
            ),
        )
        assert said == ["utter_underage"]
        assert slots["requested_slot"] is None and slots["application_status"] == "refused"
        assert (await backend.get(f"/applications/{app_id}")).json()["status"] == "refused"

    run(scenario())


def test_risk_questionnaire_scores_after_the_last_answer(backend: httpx.AsyncClient, domain: dict) -> None:
    async def scenario() -> None:
        app_id = await new_application(backend, upto="liveness")
        form = ValidateRiskForm()
        base = {"application_id": app_id, "requested_slot": "risk_answer", "risk_answers": [1, 1, 1, 1]}
        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text="随便吧", slots=base, new_slots={"risk_answer": "随便吧"}, active_loop="risk_form"
            ),
        )
        assert said == ["utter_invalid_option"] and slots["risk_answer"] is None

        slots, said = await _validate(
            form,
            domain,
            make_tracker(text="A", slots=base, new_slots={"risk_answer": "A"}, active_loop="risk_form"),
        )
        assert slots["risk_level"] == "C1" and slots["risk_answers"] == [1, 1, 1, 1, 1]
        assert said == ["utter_risk_result", "utter_risk_notice"]  # C1 gets the lowest-category notice
        assert slots["requested_slot"] is None  # the questionnaire is done

    run(scenario())


def test_only_a_clear_yes_signs(backend: httpx.AsyncClient, domain: dict) -> None:
    async def scenario() -> None:
        app_id = await new_application(backend, upto="risk")
        form = ValidateAgreementForm()
        base = {"application_id": app_id, "requested_slot": "agreement_signed"}
        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text="嗯",
                intent="affirm",
                confidence=0.5,
                slots=base,
                new_slots={"agreement_signed": True},
                active_loop="agreement_form",
            ),
        )
        assert slots["agreement_signed"] is None and said == ["utter_agreement_needs_yes"]
        assert (await backend.get(f"/applications/{app_id}")).json()["agreement_signed"] is False

        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text="我同意",
                intent="affirm",
                slots=base,
                new_slots={"agreement_signed": True},
                active_loop="agreement_form",
            ),
        )
        assert slots["agreement_signed"] is True and said == ["utter_agreement_signed"]
        assert (await backend.get(f"/applications/{app_id}")).json()["agreement_signed"] is True

    run(scenario())


def test_bank_card_checks(backend: httpx.AsyncClient, domain: dict) -> None:
    async def scenario() -> None:
        app_id = await new_application(backend, upto="agreement")
        form = ValidateBankForm()
        base = {"application_id": app_id, "requested_slot": "bank_card"}
        for card, response in [
            (CARD[:-1] + str((int(CARD[-1]) + 1) % 10), "utter_invalid_card_luhn"),
            (OTHER_HOLDERS_CARD, "utter_card_holder_mismatch"),
        ]:
            slots, said = await _validate(
                form,
                domain,
                make_tracker(text=card, slots=base, new_slots={"bank_card": card}, active_loop="bank_form"),
            )
            assert slots["bank_card"] is None and said == [response]
        slots, said = await _validate(
            form,
            domain,
            make_tracker(
                text=f"卡号{CARD}",
                slots=base,
                new_slots={"bank_card": f"卡号{CARD}"},
                active_loop="bank_form",
            ),
        )
        assert slots["bank_name"] == "中国工商银行" or "工商" in slots["bank_name"]
        assert CARD not in slots["bank_card"] and said == ["utter_card_bound"]

    run(scenario())


def test_next_step_creates_an_application_and_starts_stage_one(
    backend: httpx.AsyncClient, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = run(
        ActionNextStep().run(dispatcher, make_tracker(text="我想开户", intent="open_account"), domain)
    )
    assert slot_events(events)["application_status"] == "in_progress"
    assert events[-1] == {"event": "followup", "name": "phone_form", "timestamp": None}


def test_next_step_stops_after_a_refusal(domain: dict) -> None:
    tracker = make_tracker(
        text="不同意",
        intent="deny",
        slots={"application_id": "app_x", "application_status": "refused"},
        latest_action="phone_form",
    )
    events = run(ActionNextStep().run(CollectingDispatcher(), tracker, domain))
    assert events[-1]["name"] == "action_listen"


def test_go_back_in_the_questionnaire_drops_the_last_answer(domain: dict) -> None:
    tracker = make_tracker(
        text="上一题",
        intent="go_back",
        slots={"risk_answers": [2, 3], "requested_slot": "risk_answer"},
        active_loop="risk_form",
    )
    events = run(ActionGoBack().run(CollectingDispatcher(), tracker, domain))
    assert slot_events(events)["risk_answers"] == [2]


def test_correcting_the_phone_with_a_new_number_restarts_stage_one(domain: dict) -> None:
    tracker = make_tracker(
        text="手机号改成13800001111",
        intent="correct_info",
        entities=[{"entity": "phone_number", "value": "13800001111"}],
        slots={
            "application_id": "app_x",
            "application_status": "in_progress",
            "phone_number": "139****5678",
            "sms_code": "verified",
            "requested_slot": "name",
        },
        active_loop="identity_form",
    )
    events = run(ActionCorrectInfo().run(CollectingDispatcher(), tracker, domain))
    assert slot_events(events)["sms_code"] is None
    assert slot_events(events)["phone_number"] == "13800001111"
    assert events[-1]["name"] == "phone_form"


async def _validate(action, domain, tracker) -> tuple[dict, list[str | None]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    return slot_events(events), responses(dispatcher)


def test_the_questionnaire_follows_the_conversation_language(
    backend: httpx.AsyncClient, domain: dict
) -> None:
    from actions.stage3_risk import AskRiskAnswer

    async def scenario() -> None:
        app_id = await new_application(backend, upto="liveness")
        slots = {"application_id": app_id, "requested_slot": "risk_answer", "language": "bo"}
        dispatcher = CollectingDispatcher()
        await AskRiskAnswer().run(dispatcher, make_tracker(slots=slots, active_loop="risk_form"), domain)
        [asked] = dispatcher.messages
        assert any("\u0f40" <= ch <= "\u0fbc" for ch in asked["question"])  # the question in Tibetan

        base = {**slots, "risk_answers": [2, 2, 2, 2]}
        answer = "འདེམས་ཀ་གཉིས་པ།"  # "the second option"
        slots_set, said = await _validate(
            ValidateRiskForm(),
            domain,
            make_tracker(text=answer, slots=base, new_slots={"risk_answer": answer}, active_loop="risk_form"),
        )
        assert slots_set["risk_answers"] == [2, 2, 2, 2, 2] and slots_set["risk_level"] == "C2"
        assert said == ["utter_risk_result"]

    run(scenario())


def test_confirmed_deletion_has_every_linked_conversation_erased(
    backend: httpx.AsyncClient, domain: dict
) -> None:
    app_id = run(new_application(backend, "phone"))  # created by the conversation "t"
    tracker = make_tracker(
        text="确定删除",
        intent="delete_my_data",
        slots={"application_id": app_id, "application_status": "in_progress", "delete_confirmed": True},
        latest_action="delete_form",
    )
    dispatcher = CollectingDispatcher()
    slots = slot_events(run(ActionDeleteMyData().run(dispatcher, tracker, domain)))
    assert slots["erase_conversations"] == sorted({"t", tracker.sender_id})
    assert slots["application_status"] == "deleted" and responses(dispatcher) == ["utter_deleted"]
    assert run(backend.get(f"/applications/{app_id}")).json()["status"] == "deleted"


def test_declined_deletion_erases_nothing(domain: dict) -> None:
    tracker = make_tracker(text="不删", intent="deny", slots={"delete_confirmed": False})
    events = run(ActionDeleteMyData().run(CollectingDispatcher(), tracker, domain))
    assert "erase_conversations" not in slot_events(events)


def test_a_refusal_asking_again_cannot_change_hands_over_the_second_time(
    backend: httpx.AsyncClient, domain: dict
) -> None:
    async def scenario() -> None:
        app_id = await new_application(backend, upto="agreement")
        form = ValidateBankForm()
        base = {"application_id": app_id, "requested_slot": "bank_card"}

        def someone_elses_card(slots: dict) -> object:
            new = {"bank_card": OTHER_HOLDERS_CARD}
            return make_tracker(text=OTHER_HOLDERS_CARD, slots=slots, new_slots=new, active_loop="bank_form")

        first, said = await _validate(form, domain, someone_elses_card(base))
        assert said == ["utter_card_holder_mismatch"] and first["bank_card"] is None
        assert "requested_slot" not in first, "the first time, another card is asked for"

        second, said = await _validate(form, domain, someone_elses_card({**base, **first}))
        assert said == ["utter_handed_over"]
        assert second["requested_slot"] is None and second["step"] == "handoff"
        assert second["handoff_ticket"].startswith("hof_") and second["expects"] is None

        # Once more (after "继续开户"): the same ticket, no new one.
        third, said = await _validate(
            form, domain, someone_elses_card({**base, **second, "requested_slot": "bank_card"})
        )
        assert said == ["utter_handed_over_already"] and third["handoff_ticket"] == second["handoff_ticket"]

    run(scenario())
