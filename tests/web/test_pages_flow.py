"""The general publication request through the HTML pages, as three people do it."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient

from .pages import csrf, signed_in

PDF = b"%PDF-1.4\n%%EOF\n"


def task_link(client: FlaskClient) -> str:
    html = client.get("/inbox").get_data(as_text=True)
    match = re.search(r'href="(/tasks/\d+)"', html)
    assert match, "a task in the inbox"
    return match.group(1)


def test_file_revise_approve_publish_through_the_pages(app: Flask) -> None:
    owner, gdir, director, publisher = (
        signed_in(app, u) for u in ("owner1", "gdir_plan", "director1", "publisher1")
    )
    new_page = owner.get("/requests/new").get_data(as_text=True)
    assert "ขออนุญาตเผยแพร่ข้อมูลข่าวสารผ่านเว็บไซต์" in new_page
    started = owner.post("/requests/new/general_publication", data={"csrf_token": csrf(new_page)})
    assert started.status_code == 302
    form_url = started.headers["Location"]
    form_page = owner.get(form_url).get_data(as_text=True)
    token = csrf(form_page)

    # an incomplete form comes back with field errors, the typed title and the uploaded file kept
    response = owner.post(
        form_url,
        data={
            "csrf_token": token,
            "title": "ประกาศรับสมัครครูผู้ช่วย",
            "attachments": (io.BytesIO(PDF), "ประกาศ.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="ประกาศรับสมัครครูผู้ช่วย"' in html
    assert "ประกาศ.pdf" in html
    assert "กรุณากรอกข้อมูลนี้" in html
    kept = re.search(r'name="attachments" value="([0-9a-f]{32})"', html)
    assert kept, "the uploaded file comes back as a kept file"

    data = {
        "csrf_token": token,
        "title": "ประกาศรับสมัครครูผู้ช่วย",
        "category": "1.3",
        "description": "รายละเอียด",
        "purpose": "เผยแพร่ต่อสาธารณะ",
        "channels": "website",
        "attachments": kept.group(1),
    }
    assert owner.post(form_url, data=data).status_code == 302

    # the group director sends it back; without a reason the form says so
    review = task_link(gdir)
    review_page = gdir.get(review).get_data(as_text=True)
    assert "ประกาศรับสมัครครูผู้ช่วย" in review_page and "ประกาศ.pdf" in review_page
    no_reason = gdir.post(review, data={"csrf_token": csrf(review_page), "decision": "revise"})
    assert no_reason.status_code == 422
    sent_back = gdir.post(
        review, data={"csrf_token": csrf(review_page), "decision": "revise", "comment": "โปรดระบุวันปิดรับสมัคร"}
    )
    assert sent_back.status_code == 302

    # the requester sees the reason and round, fixes the request
    revise = task_link(owner)
    revise_page = owner.get(revise).get_data(as_text=True)
    assert "โปรดระบุวันปิดรับสมัคร" in revise_page
    assert 'value="ประกาศรับสมัครครูผู้ช่วย"' in revise_page  # the form comes back filled
    assert (
        owner.post(
            revise, data={**data, "csrf_token": csrf(revise_page), "description": "ปิดรับสมัคร 30 พ.ย. 2569"}
        ).status_code
        == 302
    )

    inbox = gdir.get("/inbox").get_data(as_text=True)
    assert "รอบที่ 2" in inbox
    review = task_link(gdir)
    gdir.post(
        review, data={"csrf_token": csrf(gdir.get(review).get_data(as_text=True)), "decision": "approve"}
    )
    decision = task_link(director)
    director.post(
        decision,
        data={"csrf_token": csrf(director.get(decision).get_data(as_text=True)), "decision": "approve"},
    )
    check = task_link(publisher)
    check_page = publisher.get(check).get_data(as_text=True)
    assert (
        publisher.post(check, data={"csrf_token": csrf(check_page), "certified": "true"}).status_code == 302
    )

    # a second click on the finished task: a clear message, no error page, nothing moves
    again = publisher.post(
        check, data={"csrf_token": csrf(check_page), "certified": "true"}, follow_redirects=True
    )
    assert again.status_code == 200
    assert "ดำเนินการเสร็จแล้ว" in again.get_data(as_text=True)

    mine = owner.get("/requests").get_data(as_text=True)
    assert "เสร็จสิ้น" in mine and "เผยแพร่แล้ว" in mine


def test_another_groups_director_neither_sees_nor_opens_the_task(app: Flask) -> None:
    owner = signed_in(app, "owner1")
    page = owner.get("/requests/new").get_data(as_text=True)
    form_url = owner.post("/requests/new/general_publication", data={"csrf_token": csrf(page)}).headers[
        "Location"
    ]
    # not sent yet: a draft is its requester's alone, as if it did not exist (docs/drafts.md)
    assert signed_in(app, "gdir_hr").get(form_url).status_code == 404
    assert "/tasks/" not in signed_in(app, "gdir_hr").get("/inbox").get_data(as_text=True)


def test_my_request_opens_with_its_timeline_and_files(app: Flask) -> None:
    owner = signed_in(app, "owner1")
    page = owner.get("/requests/new").get_data(as_text=True)
    form_url = owner.post("/requests/new/general_publication", data={"csrf_token": csrf(page)}).headers[
        "Location"
    ]
    form_page = owner.get(form_url).get_data(as_text=True)
    owner.post(
        form_url,
        data={
            "csrf_token": csrf(form_page),
            "title": "รายงานผลการดำเนินงาน",
            "category": "1.12",
            "description": "สรุปผล",
            "purpose": "เผยแพร่",
            "channels": "website",
            "attachments": (io.BytesIO(PDF), "รายงาน.pdf"),
        },
        content_type="multipart/form-data",
    )
    gdir = signed_in(app, "gdir_plan")
    review = task_link(gdir)
    gdir.post(
        review,
        data={
            "csrf_token": csrf(gdir.get(review).get_data(as_text=True)),
            "decision": "revise",
            "comment": "เพิ่มตัวเลขไตรมาส",
        },
    )
    mine = owner.get("/requests").get_data(as_text=True)
    link = re.search(r'href="(/requests/\d+)"', mine)
    assert link
    html = owner.get(link.group(1)).get_data(as_text=True)
    assert "รายงานผลการดำเนินงาน" in html and "เพิ่มตัวเลขไตรมาส" in html and "ส่งกลับแก้ไข" in html
    file_link = re.search(r'href="(/requests/\d+/files/[0-9a-f]{32})"', html)
    assert file_link
    with owner.get(file_link.group(1)) as response:
        assert response.status_code == 200 and response.data == PDF
    assert signed_in(app, "gdir_hr").get(link.group(1)).status_code == 403
