"""A memo made through the real chain, as the public checks it: its number on the request page, one
signed PDF for every download, and the verification page (/v/<code>) that tells an original from a
copy changed by one byte."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bpmnpub.documents.signing import check_signature

from .. import pdftools
from .conftest import Api, error_of, multipart
from .pages import csrf, signed_in
from .test_memo_pages import MEMO

OK = "ตรงกับต้นฉบับ ลายมือชื่ออิเล็กทรอนิกส์ถูกต้อง"
NOT_ORIGINAL = "ไม่ตรงกับต้นฉบับ"


def walk(api: Api, instance_id: int, steps: list[tuple[str, dict[str, object]]]) -> None:
    for username, data in steps:
        person = api.as_user(username)
        done = person.complete(person.task_in(instance_id)["id"], data)
        assert done.status_code == 200, (username, done.get_json())


@pytest.fixture
def filed_memo(api: Api) -> int:
    """A memo_publication request filed by owner1 and seen by every reviewer but the director."""
    owner = api.as_user("owner1")
    instance_id = int(owner.start("memo_publication").get_json()["id"])
    walk(
        api,
        instance_id,
        [
            ("owner1", {**MEMO, "attachments": [owner.upload_id()]}),
            ("legal1", {"decision": "approve"}),
            ("gdir_plan", {"decision": "approve"}),
            ("publisher1", {"decision": "approve", "certified": True}),
            ("deputy1", {"decision": "recommend_allow"}),
        ],
    )
    return instance_id


@pytest.fixture
def decided(api: Api, filed_memo: int) -> int:
    walk(api, filed_memo, [("director1", {"decision": "approve"})])
    return filed_memo


def code_of(page: str) -> str:
    match = re.search(r'href="/v/([A-Z0-9]{8})"', page)
    assert match, "the request page links the verification page"
    return match.group(1)


def upload(client: FlaskClient, code: str, content: bytes, name: str = "memo.pdf") -> tuple[int, str]:
    token = csrf(client.get(f"/v/{code}").get_data(as_text=True))
    response = client.post(f"/v/{code}", **multipart({"file": (content, name)}, {"csrf_token": token}))
    return response.status_code, response.get_data(as_text=True)


def test_before_the_decision_the_memo_is_a_draft_without_a_number(app: Flask, filed_memo: int) -> None:
    owner = signed_in(app, "owner1")
    page = owner.get(f"/requests/{filed_memo}").get_data(as_text=True)
    assert "เลขที่หนังสือ" not in page and "/v/" not in page
    text = pdftools.text(owner.get(f"/requests/{filed_memo}/memo.pdf").data)
    assert "ฉบับร่าง" in text
    assert check_signature(owner.get(f"/requests/{filed_memo}/memo.pdf").data).status == "unsigned"


def test_the_decided_memo_is_numbered_signed_and_verifies(app: Flask, decided: int) -> None:
    owner = signed_in(app, "owner1")
    page = owner.get(f"/requests/{decided}").get_data(as_text=True)
    assert "ที่ ศธ ๐๔๐๘๘/๑" in page  # the demo office's prefix, the year's first number
    code = code_of(page)
    pdf = owner.get(f"/requests/{decided}/memo.pdf").data
    assert signed_in(app, "director1").get(f"/requests/{decided}/memo.pdf?digits=arabic").data == pdf
    text = pdftools.text(pdf)
    assert pdftools.same("ศธ ๐๔๐๘๘/๑") in text
    assert f"http://localhost/v/{code}" in text  # under the QR code
    assert "ฉบับร่าง" not in text
    assert check_signature(pdf).status == "valid"

    public = app.test_client()  # nobody signed in
    facts = public.get(f"/v/{code}")
    assert facts.status_code == 200
    html = facts.get_data(as_text=True)
    for expected in (
        "ศธ ๐๔๐๘๘/๑",
        MEMO["topic"],  # the request is named by its topic,
        "นายบุญสม โพธิ์เงิน",  # the director
        "ผอ.สพป. พิจารณา อนุญาต</strong> · อนุญาต",
        "นายนิติ ยุติธรรม",  # the legal officer
        hashlib.sha256(pdf).hexdigest(),
    ):
        assert expected in html, expected
    assert OK not in html  # nothing checked yet

    status, answer = upload(public, code, pdf)
    assert status == 200 and OK in answer and NOT_ORIGINAL not in answer

    altered = bytearray(pdf)
    altered[len(pdf) // 3] ^= 0x20  # one byte, inside the signed content
    status, answer = upload(public, code, bytes(altered))
    assert status == 200 and NOT_ORIGINAL in answer and OK not in answer
    assert "ลายมือชื่ออิเล็กทรอนิกส์ไม่ถูกต้อง" in answer or "ไม่ใช่ไฟล์ PDF ที่อ่านได้" in answer


def test_garbage_never_breaks_the_page(app: Flask, decided: int) -> None:
    code = code_of(signed_in(app, "owner1").get(f"/requests/{decided}").get_data(as_text=True))
    public = app.test_client()
    for content in (b"not a pdf", b"%PDF-1.7\n garbage \x00\xff", b"%PDF-" + bytes(range(256)) * 50):
        status, answer = upload(public, code, content)
        assert status == 200 and NOT_ORIGINAL in answer, content[:20]
    token = csrf(public.get(f"/v/{code}").get_data(as_text=True))
    empty = public.post(f"/v/{code}", data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "กรุณาเลือกไฟล์ PDF" in empty.get_data(as_text=True)
    big = b"%PDF-" + b"0" * (1024 * 1024 + 512 * 1024)  # over the 1 MB limit of the tests
    huge = public.post(f"/v/{code}", **multipart({"file": (big, "big.pdf")}, {"csrf_token": token}))
    assert huge.status_code == 413 and "ไฟล์ใหญ่เกิน 1 MB" in huge.get_data(as_text=True)
    assert public.get("/v/NOSUCH23").status_code == 404
    assert public.get("/v/" + "x" * 500).status_code == 404


def test_the_page_speaks_english_on_request(app: Flask, decided: int) -> None:
    code = code_of(signed_in(app, "owner1").get(f"/requests/{decided}").get_data(as_text=True))
    pdf = signed_in(app, "owner1").get(f"/requests/{decided}/memo.pdf").data
    public = app.test_client()
    public.get("/lang/en")
    status, answer = upload(public, code, pdf)
    assert status == 200
    assert "Matches the original; the electronic signature is valid" in answer


def test_the_api_verifies_too(api: Api, decided: int) -> None:
    owner = api.as_user("owner1")
    pdf = owner.get(f"/instances/{decided}/memo.pdf").data
    code = code_of(signed_in(api.app, "owner1").get(f"/requests/{decided}").get_data(as_text=True))
    anonymous = api.app.test_client()
    facts = anonymous.get(f"/api/v1/public/verify/{code.lower()}")
    assert facts.status_code == 200
    body = facts.get_json()
    assert (body["number_text"], body["printed_number"]) == ("ศธ 04088/1", "ศธ ๐๔๐๘๘/๑")
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert [d["decision"] for d in body["decisions"]][-1] == "approve"
    good = anonymous.post(
        f"/api/v1/public/verify/{code}",
        data={"file": (io.BytesIO(pdf), "m.pdf")},
        content_type="multipart/form-data",
    )
    assert good.get_json() == {
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "matches": True,
        "signature": "valid",
        "original": True,
    }
    altered = bytearray(pdf)
    altered[len(pdf) // 3] ^= 0x20
    bad = anonymous.post(
        f"/api/v1/public/verify/{code}",
        data={"file": (io.BytesIO(bytes(altered)), "m.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and bad.get_json()["original"] is False
    missing = anonymous.post(f"/api/v1/public/verify/{code}", data={}, content_type="multipart/form-data")
    assert error_of(missing)["code"] == "validation_failed"
    assert error_of(anonymous.get("/api/v1/public/verify/NOSUCH23"))["code"] == "not_found"
