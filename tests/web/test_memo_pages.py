"""The memo (บันทึกข้อความ) of a request, downloaded from the request page, the task page and the API."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from .. import pdftools
from .conftest import Api, error_of
from .pages import signed_in

MEMO = {
    "office_unit": "สพป. กลุ่มนโยบายและแผน",
    "memo_date": "2026-11-16",
    "title": "ขออนุญาตเผยแพร่ข้อมูลบนเว็บไซต์",
    "requester_name": "นางสาวสมใจ ใจดี",
    "requester_position": "นักวิเคราะห์นโยบายและแผน",
    "requester_group": "plan",
    "topic": "รายงานผลการดำเนินงานประจำปี",
    "category": "1.3",
    "description": "ผลการดำเนินงาน 12 เดือน",
    "purpose": "เพื่อเผยแพร่ประชาสัมพันธ์งานที่ดำเนินการ",
    "file_formats": ["pdf"],
    "delivery_channel": "amss",
}


@pytest.fixture
def memo_request(api: Api) -> int:
    """A memo_publication request filed by owner1 and given the legal officer's opinion."""
    owner = api.as_user("owner1")
    started = owner.start("memo_publication")
    assert started.status_code == 201, started.get_json()
    instance_id = int(started.get_json()["id"])
    filed = owner.complete(owner.task_in(instance_id)["id"], {**MEMO, "attachments": [owner.upload_id()]})
    assert filed.status_code == 200, filed.get_json()
    legal = api.as_user("legal1")
    opinion = legal.complete(
        legal.task_in(instance_id)["id"], {"decision": "approve", "comment": "ไม่ขัดต่อกฎหมาย"}
    )
    assert opinion.status_code == 200, opinion.get_json()
    return instance_id


def test_the_request_page_links_the_memo_which_opens_as_a_pdf(app: Flask, memo_request: int) -> None:
    owner = signed_in(app, "owner1")
    page = owner.get(f"/requests/{memo_request}").get_data(as_text=True)
    assert f'href="/requests/{memo_request}/memo.pdf"' in page
    response = owner.get(f"/requests/{memo_request}/memo.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and f"-{memo_request}.pdf" in disposition
    assert "filename*=UTF-8''%E0%B8%9A" in disposition  # บันทึกข้อความ-<id>.pdf
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdftools.text(response.data)
    for expected in (
        "บันทึกข้อความ",
        "ส่วนราชการ สพป. กลุ่มนโยบายและแผน",
        "วันที่ ๑๖ พฤศจิกายน ๒๕๖๙",
        "(นายนิติ ยุติธรรม)",
        "ไม่ขัดต่อกฎหมาย",
    ):
        assert pdftools.same(expected) in text, expected
    assert not pdftools.ASCII_DIGIT.search(text)
    arabic = pdftools.text(owner.get(f"/requests/{memo_request}/memo.pdf?digits=arabic").data)
    assert "วันที่ 16 พฤศจิกายน 2569" in arabic
    assert not pdftools.THAI_DIGIT.search(arabic)


def test_the_task_page_links_the_memo(app: Flask, api: Api, memo_request: int) -> None:
    task = api.as_user("gdir_plan").task_in(memo_request)
    page = signed_in(app, "gdir_plan").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert f'href="/requests/{memo_request}/memo.pdf"' in page


def test_the_api_serves_the_memo(api: Api, memo_request: int) -> None:
    response = api.as_user("director1").get(f"/instances/{memo_request}/memo.pdf?digits=thai")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert ("Laksaman", True) in pdftools.fonts(response.data)


@pytest.mark.parametrize(
    ("who", "path", "status", "code"),
    [
        ("owner2", "/instances/{id}/memo.pdf", 403, "forbidden"),  # another group's request
        ("admin1", "/instances/999999/memo.pdf", 404, "not_found"),
        ("admin1", "/instances/{id}/memo.pdf?digits=roman", 422, "validation_failed"),
    ],
)
def test_who_may_not_have_the_memo(
    api: Api, memo_request: int, who: str, path: str, status: int, code: str
) -> None:
    response = api.as_user(who).get(path.format(id=memo_request))
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_procedures_without_a_memo_answer_404(app: Flask, api: Api) -> None:
    owner = api.as_user("owner1")
    photos = int(owner.start("photo_publication").get_json()["id"])
    assert error_of(owner.get(f"/instances/{photos}/memo.pdf"))["code"] == "not_found"
    browser = signed_in(app, "owner1")
    assert browser.get(f"/requests/{photos}/memo.pdf").status_code == 404
    assert "memo.pdf" not in browser.get(f"/requests/{photos}").get_data(as_text=True)


def test_a_general_publication_memo_from_the_request_page(app: Flask, at_publisher: int) -> None:
    response = signed_in(app, "owner1").get(f"/requests/{at_publisher}/memo.pdf")
    assert response.status_code == 200
    text = pdftools.text(response.data)
    assert pdftools.same("(นายบุญสม โพธิ์เงิน)") in text  # the director approved
    assert "ยังไม่ได้พิจารณา" in text  # the publisher has not certified yet


def test_strangers_are_sent_to_sign_in(app: Flask, memo_request: int) -> None:
    response = app.test_client().get(f"/requests/{memo_request}/memo.pdf")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def _field(page: str, name: str) -> str:
    """The HTML element of one form field (its input, select or textarea)."""
    found = re.search(rf'<(input|select|textarea)[^>]*name="{name}"[^>]*>(.*?</select>)?', page, re.S)
    assert found, f"no field {name}"
    return found[0]


def test_the_memo_form_opens_filled_in_from_the_profile_and_stays_editable(app: Flask, api: Api) -> None:
    owner = api.as_user("owner1")
    instance_id = int(owner.start("memo_publication").get_json()["id"])
    task_id = owner.task_in(instance_id)["id"]
    page = signed_in(app, "owner1").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'value="นางสาวสมใจ ใจดี"' in _field(page, "requester_name")
    assert 'value="นักวิเคราะห์นโยบายและแผน"' in _field(page, "requester_position")
    group = _field(page, "requester_group")
    assert re.search(r'<option value="plan"[^>]*selected[^>]*>กลุ่มนโยบายและแผน</option>', group), group
    defaults = owner.get(f"/tasks/{task_id}").get_json()["form"]["schema"]["properties"]
    assert (
        defaults["requester_position"]["default"] == "นักวิเคราะห์นโยบายและแผน"
    )  # the API's clients see it too

    typed = {
        **MEMO,
        "requester_position": "นักวิเคราะห์นโยบายและแผนชำนาญการ",
        "attachments": [owner.upload_id()],
    }
    assert owner.complete(task_id, typed).status_code == 200
    pdf = signed_in(app, "owner1").get(f"/requests/{instance_id}/memo.pdf").data
    assert pdftools.same("ตำแหน่ง นักวิเคราะห์นโยบายและแผนชำนาญการ") in pdftools.text(pdf)  # the typed one
    assert owner.instance(instance_id)["title"] == MEMO["topic"]


def test_each_memo_request_is_named_by_its_topic(app: Flask, api: Api) -> None:
    owner = api.as_user("owner1")
    ids = []
    for topic in ("รายงานผลการดำเนินงานประจำปี", "ประกาศรับสมัครลูกจ้างชั่วคราว"):
        instance_id = int(owner.start("memo_publication").get_json()["id"])
        data = {**MEMO, "topic": topic, "attachments": [owner.upload_id()]}
        assert owner.complete(owner.task_in(instance_id)["id"], data).status_code == 200
        ids.append(instance_id)
    titles = [owner.instance(i)["title"] for i in ids]
    assert titles == ["รายงานผลการดำเนินงานประจำปี", "ประกาศรับสมัครลูกจ้างชั่วคราว"]
    inbox = signed_in(app, "legal1").get("/inbox").get_data(as_text=True)
    assert all(title in inbox for title in titles)
