"""Every text the backend serves exists in zh, yue, bo and ug, in the right script, and every call that
answers with customer-facing text honours `lang` (missing: zh; unknown: 422 unsupported_lang)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from string import Formatter
from typing import Any

import pytest
from backend_testkit import AS_GATEWAY, PHONE, Flow
from fastapi.testclient import TestClient

from backend import content, risk
from backend.compliance import localized_reasons
from backend.content import LANGS, load_yaml

DATA_FILES = ("notice.yml", "agreements.yml", "risk_questionnaire.yml", "compliance.yml", "sms.yml")
BLOCKED_ID, BLOCKED_NAME = "500103198008082223", "赵磊"
REGISTERED_ID = "370102198604201531"  # the sandbox accepts only 王建国 for it

TIBETAN = re.compile(r"[\u0f00-\u0fff]")
ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u0671-\u06d3\u06d5]")
UYGHUR_ONLY = set("ېۆۈۇڭھئ")  # letters of the Uyghur alphabet that Arabic and Persian lack
NOT_UYGHUR = set("ةثحذصضطظع")  # Arabic letters the Uyghur alphabet does not use
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Simplified forms (each has a different traditional form) of the characters these texts use.
SIMPLIFIED = set(
    "业东个为书买亏产仅们价会关内决况凭则删别办务动协单卖发变号吗员图场处复实对将属岁应开当录户护担损据数"
    "时显机权来极构标样没济满现监码确积稳签类约级终经结绩绪脸获营见观规视计认让议设证评识诉话询该说请诺谢"
    "谨败账货费资车较过还这进适钟钱银销长门问间险随项须额风验"
)
TRADITIONAL = set("開戶證資險號碼銀個們這說會請時將關帳賬")
CANTONESE_MARKERS = ("嘅", "咗", "哋", "唔", "嚟", "啲", "喺", "冇", "畀", "睇", "攞", "咩", "嗰", "係")


def texts(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    """Every language mapping (a dict with a zh string) in a data file, with where it is."""
    if isinstance(node, dict):
        if isinstance(node.get("zh"), str):
            yield where, node
            return
        for key, value in node.items():
            yield from texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from texts(value, f"{where}[{index}]")


ALL_TEXTS = [(f"{name}{where}", mapping) for name in DATA_FILES for where, mapping in texts(load_yaml(name))]


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def test_the_data_files_hold_the_texts() -> None:
    assert len(ALL_TEXTS) == 1 + 6 + (5 + 20 + 5 + 1) + (4 + 4) + 1


@pytest.mark.parametrize(("where", "mapping"), ALL_TEXTS, ids=[w for w, _ in ALL_TEXTS])
def test_every_text_has_every_language(where: str, mapping: dict[str, str]) -> None:
    assert set(mapping) == set(LANGS), where
    assert all(isinstance(text, str) and text.strip() for text in mapping.values()), where
    zh = mapping["zh"]
    for lang in LANGS:
        text = mapping[lang]
        # Placeholders, investor categories and percentages survive translation unchanged.
        assert fields(text) == fields(zh), (where, lang)
        assert re.findall(r"C[1-5]", text) == re.findall(r"C[1-5]", zh), (where, lang)
        assert sorted(re.findall(r"\d+%", text)) == sorted(re.findall(r"\d+%", zh)), (where, lang)


@pytest.mark.parametrize(("where", "mapping"), ALL_TEXTS, ids=[w for w, _ in ALL_TEXTS])
def test_scripts(where: str, mapping: dict[str, str]) -> None:
    bo, ug, yue = mapping["bo"], mapping["ug"], mapping["yue"]
    # Tibetan: Tibetan script (a Chinese legal name may follow in brackets), no Arabic script.
    assert len(TIBETAN.findall(bo)) > len(HAN.findall(bo)) and not ARABIC_LETTER.search(bo), where
    # Uyghur: Arabic script with Uyghur's letters only, no Tibetan; Arabic comma and question mark.
    assert len(ARABIC_LETTER.findall(ug)) > len(HAN.findall(ug)) and not TIBETAN.search(ug), where
    assert not NOT_UYGHUR & set(ug), (where, NOT_UYGHUR & set(ug))
    assert "?" not in ug and "," not in ug, where
    # Cantonese: Han characters, traditional forms only.
    assert HAN.search(yue) and not TIBETAN.search(yue) and not ARABIC_LETTER.search(yue), where
    assert not SIMPLIFIED & set(yue), (where, SIMPLIFIED & set(yue))


@pytest.mark.parametrize("name", DATA_FILES)
def test_each_file_reads_as_its_languages(name: str) -> None:
    mappings = [mapping for _, mapping in texts(load_yaml(name))]
    assert UYGHUR_ONLY & set("".join(m["ug"] for m in mappings))
    assert TRADITIONAL & set("".join(m["yue"] for m in mappings))


def test_cantonese_is_colloquial() -> None:
    notice = load_yaml("notice.yml")["text"]["yue"]
    assert [marker for marker in CANTONESE_MARKERS if marker in notice]
    # Every sentence-long text reads as spoken Cantonese, not Mandarin in traditional characters.
    for where, mapping in ALL_TEXTS:
        if len(mapping["yue"]) > 20:
            assert any(marker in mapping["yue"] for marker in CANTONESE_MARKERS), where


def test_legal_names_stay_recognisable() -> None:
    notice = load_yaml("risk_questionnaire.yml")["lowest_category"]["notice"]
    assert "《證券期貨投資者適當性管理辦法》" in notice["yue"]
    assert all("《证券期货投资者适当性管理办法》" in notice[lang] for lang in ("bo", "ug"))
    for document in load_yaml("agreements.yml")["documents"]:
        title = document["title"]
        assert all(
            f"{title['zh']})" in title[lang] or f"{title['zh']}）" in title[lang] for lang in ("bo", "ug")
        )


# --- the API -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_reference_texts_in_each_language(client: TestClient, lang: str) -> None:
    notice = client.get(f"/notices/current?lang={lang}").json()
    assert notice == {
        "version": "2025.1",
        "text": load_yaml("notice.yml")["text"][lang],
        "lang": lang,
    }
    agreements = client.get(f"/agreements?lang={lang}").json()
    assert agreements["lang"] == lang and agreements["version"] == "2025.1"
    data = load_yaml("agreements.yml")["documents"]
    assert [d["title"] for d in agreements["documents"]] == [d["title"][lang] for d in data]
    assert [d["summary"] for d in agreements["documents"]] == [d["summary"][lang] for d in data]
    questionnaire = client.get(f"/risk/questionnaire?lang={lang}").json()
    assert questionnaire["lang"] == lang
    first = load_yaml("risk_questionnaire.yml")["questions"][0]
    assert questionnaire["questions"][0]["text"] == first["text"][lang]
    assert questionnaire["questions"][0]["options"] == [o[lang] for o in first["options"]]


UNKNOWN = ["en", "zh-CN", "ZH", "yue-HK", "ti", "uig", ""]


@pytest.mark.parametrize("lang", UNKNOWN)
@pytest.mark.parametrize("path", ["/notices/current", "/agreements", "/risk/questionnaire"])
def test_unknown_language_is_refused(client: TestClient, path: str, lang: str) -> None:
    response = client.get(path, params={"lang": lang})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "unsupported_lang" and body["supported"] == list(LANGS) and body["message"]


def test_missing_language_is_mandarin(client: TestClient) -> None:
    assert client.get("/notices/current").json()["lang"] == "zh"
    assert client.get("/risk/questionnaire").json() == client.get("/risk/questionnaire?lang=zh").json()


@pytest.mark.parametrize("lang", LANGS)
def test_risk_result_in_each_language(flow: Flow, lang: str) -> None:
    app_id = flow.until_identity()
    flow.identity(app_id)
    result = flow.post(f"/applications/{app_id}/risk?lang={lang}", {"answers": [1, 1, 2, 1, 1]})
    data = load_yaml("risk_questionnaire.yml")
    assert result["level"] == "C1" and result["lang"] == lang
    assert result["level_name"] == data["levels"][0]["name"][lang]
    assert result["notice"] == data["lowest_category"]["notice"][lang] and "C1" in result["notice"]
    higher = flow.post(f"/applications/{app_id}/risk?lang={lang}", {"answers": [4, 4, 4, 4, 4]})
    assert higher["level_name"] == data["levels"][4]["name"][lang] and higher["notice"] is None


def test_risk_refuses_an_unknown_language_before_scoring(flow: Flow) -> None:
    app_id = flow.until_identity()
    flow.identity(app_id)
    response = flow.client.post(f"/applications/{app_id}/risk?lang=fr", json={"answers": [1, 1, 1, 1, 1]})
    assert response.status_code == 422 and response.json()["error"] == "unsupported_lang"
    assert flow.client.get(f"/applications/{app_id}").json()["risk_level"] is None
    assert flow.risk(app_id)["lang"] == "zh"  # no lang: zh, as before


@pytest.mark.parametrize("lang", ["yue", "bo", "ug"])
def test_review_reasons_in_each_language(flow: Flow, lang: str) -> None:
    app_id = flow.complete(BLOCKED_ID, BLOCKED_NAME)
    result = flow.post(f"/applications/{app_id}/submit?lang={lang}")
    expected = load_yaml("compliance.yml")["reasons"]["blocked_list"][lang]
    assert result["status"] == "manual_review" and result["lang"] == lang
    assert result["review_reasons"] == [expected]
    assert result["application"]["review_reasons"] == [expected]
    assert result["application"]["review_details"] == [{"code": "blocked_list", "text": expected}]
    # The record keeps the Mandarin text; each reader gets their language.
    stored = flow.client.get(f"/applications/{app_id}").json()
    assert stored["review_reasons"] == ["申请人命中风险名单，需人工复核。"]
    assert flow.client.get(f"/applications/{app_id}?lang={lang}").json()["review_reasons"] == [expected]
    cancelled = flow.post(f"/applications/{app_id}/cancel?lang={lang}")
    assert cancelled["status"] == "cancelled" and cancelled["review_reasons"] == [expected]


def test_submit_refuses_an_unknown_language_and_stays_in_progress(flow: Flow) -> None:
    app_id = flow.complete(BLOCKED_ID, BLOCKED_NAME)
    response = flow.client.post(f"/applications/{app_id}/submit?lang=english")
    assert response.status_code == 422 and response.json()["error"] == "unsupported_lang"
    assert flow.client.get(f"/applications/{app_id}").json()["status"] == "in_progress"
    assert flow.submit(app_id)["review_reasons"] == ["申请人命中风险名单，需人工复核。"]


def test_approved_submit_in_uyghur(flow: Flow) -> None:
    result = flow.post(f"/applications/{flow.complete()}/submit?lang=ug")
    assert result["status"] == "approved" and result["review_reasons"] == [] and result["lang"] == "ug"


def test_counted_reason_keeps_its_number_in_every_language(flow: Flow) -> None:
    app_id = flow.until_identity()
    url = f"/applications/{app_id}/identity?lang=bo"
    for _ in range(3):
        last = flow.client.post(url, json={"name": "王建军", "id_number": REGISTERED_ID})
    assert last.status_code == 429 and last.json()["error"] == "too_many_attempts"
    reasons = load_yaml("compliance.yml")["reasons"]["failed_attempts"]
    for lang in LANGS:
        snap = flow.client.get(f"/applications/{app_id}?lang={lang}").json()
        assert snap["status"] == "manual_review"
        assert snap["review_reasons"] == [reasons[lang].format(count=3)] and "3" in snap["review_reasons"][0]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/applications/{id}"),
        ("post", "/applications/{id}/pause"),
        ("post", "/applications/{id}/cancel"),
        ("delete", "/applications/{id}"),
        ("post", "/applications/{id}/phone/resend"),
        ("post", "/applications/{id}/liveness/check"),
        ("post", "/applications/{id}/submit"),
    ],
)
def test_every_call_with_texts_refuses_an_unknown_language(flow: Flow, method: str, path: str) -> None:
    app_id = flow.create()
    response = flow.client.request(method.upper(), path.format(id=app_id), params={"lang": "xx"})
    assert response.status_code == 422 and response.json()["error"] == "unsupported_lang"
    assert flow.client.get(f"/applications/{app_id}").json()["status"] == "in_progress"


def test_bodies_and_languages_together(flow: Flow) -> None:
    """Calls with a JSON body take lang as a query parameter too; a bad one is refused as a whole."""
    app_id = flow.create()
    version = flow.client.get("/notices/current").json()["version"]
    body = {"accepted": True, "notice_version": version, "utterance": "得，我同意", "channel": "app"}
    refused = flow.client.post(f"/applications/{app_id}/consent?lang=cantonese", json=body)
    assert refused.status_code == 422 and refused.json()["error"] == "unsupported_lang"
    assert flow.post(f"/applications/{app_id}/consent?lang=yue", body)["consent"] is True
    created = flow.client.post("/applications?lang=ug", json={"sender_id": "ug-user"})
    assert created.status_code == 201 and created.json()["review_reasons"] == []


@pytest.mark.parametrize("lang", LANGS)
def test_sms_text_in_the_conversation_language(flow: Flow, lang: str) -> None:
    app_id = flow.create()
    flow.consent(app_id)
    flow.post(f"/applications/{app_id}/phone?lang={lang}", {"phone": PHONE})
    message = flow.client.post("/sandbox/sms", json={"phone": PHONE}, headers=AS_GATEWAY).json()
    expected = load_yaml("sms.yml")["code_message"][lang].format(code=message["code"], minutes=5)
    assert message["lang"] == lang and message["text"] == expected and message["code"] in message["text"]
    flow.post(f"/applications/{app_id}/phone/resend?lang=bo")
    again = flow.client.post("/sandbox/sms", json={"phone": PHONE}, headers=AS_GATEWAY).json()
    assert again["lang"] == "bo" and TIBETAN.search(again["text"]) and again["code"] in again["text"]
    refused = flow.client.post(f"/applications/{app_id}/phone?lang=tibetan", json={"phone": PHONE})
    assert refused.status_code == 422 and refused.json()["error"] == "unsupported_lang"


def test_sms_text_defaults_to_mandarin(flow: Flow) -> None:
    app_id = flow.create()
    flow.consent(app_id)
    flow.send_code(app_id)
    message = flow.client.post("/sandbox/sms", json={"phone": PHONE}, headers=AS_GATEWAY).json()
    assert message["lang"] == "zh" and message["text"].startswith("您的开户验证码是" + message["code"])


def test_sms_minutes_never_overstate_the_code_lifetime() -> None:
    assert "5分钟" in content.sms_code_message("123456", 300, "zh")[0]
    assert "1分钟" in content.sms_code_message("123456", 119, "zh")[0]
    assert "1分钟" in content.sms_code_message("123456", 30, "zh")[0]  # never "0 minutes"
    assert content.sms_code_message("123456", 300, "xx")[1] == "zh"


# --- falling back to Mandarin when a translation is missing ---------------------------------------------


def _without(lang: str, node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without(lang, v) for k, v in node.items() if k != lang}
    if isinstance(node, list):
        return [_without(lang, v) for v in node]
    return node


def test_missing_translations_fall_back_to_mandarin(client: TestClient, monkeypatch) -> None:
    real = content.load_yaml
    monkeypatch.setattr(content, "load_yaml", lambda name: _without("ug", real(name)))
    assert client.get("/notices/current?lang=ug").json()["lang"] == "zh"
    agreements = client.get("/agreements?lang=ug").json()
    assert agreements["lang"] == "zh" and agreements["documents"][0]["title"] == "证券交易委托代理协议"
    assert client.get("/notices/current?lang=bo").json()["lang"] == "bo"
    assert content.sms_code_message("123456", 300, "ug")[1] == "zh"


def test_one_missing_agreement_summary_serves_the_bundle_in_mandarin(client: TestClient, monkeypatch) -> None:
    real = content.load_yaml

    def patched(name: str) -> Any:
        data = real(name)
        if name != "agreements.yml":
            return data
        documents = [dict(d) for d in data["documents"]]
        documents[2] = {**documents[2], "summary": _without("bo", documents[2]["summary"])}
        return {**data, "documents": documents}

    monkeypatch.setattr(content, "load_yaml", patched)
    body = client.get("/agreements?lang=bo").json()
    assert body["lang"] == "zh" and body["documents"][0]["title"] == "证券交易委托代理协议"


def test_questionnaire_and_score_fall_back_to_mandarin(monkeypatch) -> None:
    q = risk.questionnaire()
    questions = [dict(item) for item in q.questions]
    questions[1] = {**questions[1], "options": _without("yue", questions[1]["options"])}
    monkeypatch.setattr(risk, "questionnaire", lambda: replace(q, questions=questions))
    assert risk.questions_in("yue")["lang"] == "zh"  # one untranslated option: all of it in zh
    assert risk.questions_in("bo")["lang"] == "bo"
    monkeypatch.setattr(
        risk, "questionnaire", lambda: replace(q, lowest_notice={"zh": q.lowest_notice["zh"]})
    )
    c1 = risk.score([1, 1, 1, 1, 1], "ug")
    assert c1.lang == "zh" and c1.level_name == "保守型" and "C1（保守型）" in c1.notice
    assert risk.score([4, 4, 4, 4, 4], "ug").lang == "ug"  # C5 needs no notice


def test_reasons_fall_back_to_the_stored_mandarin() -> None:
    stored = [
        {"code": "failed_attempts", "text": "身份核验累计失败3次，需人工复核。", "params": {"count": 3}}
    ]
    texts, served = localized_reasons(stored, "ug")
    assert served == "ug" and "3" in texts[0]["text"] and ARABIC_LETTER.search(texts[0]["text"])
    # Stored before reasons kept their parameters: the number is unknown, so the record's text is served.
    old = [{"code": "failed_attempts", "text": "身份核验累计失败3次，需人工复核。"}]
    assert localized_reasons(old, "ug") == ([{"code": "failed_attempts", "text": old[0]["text"]}], "zh")
    unknown = [{"code": "retired_rule", "text": "旧规则。"}, *stored]
    assert localized_reasons(unknown, "bo")[1] == "zh"
    assert localized_reasons([], "bo") == ([], "zh")
