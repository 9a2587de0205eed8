"""English pages speak English for the dates and numbers people type wrong (Buddhist-era dates are read
by web/formdata.parse_date): the message is the reader's language, the typed value comes back as typed,
and Thai pages keep their Thai."""

from __future__ import annotations

from flask import Flask

from .conftest import Api
from .pages import csrf, signed_in


def test_a_date_not_in_the_calendar_is_said_in_english_and_kept(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    admin.get("/lang/en")
    page = admin.get("/admin/roles").get_data(as_text=True)
    form = {"csrf_token": csrf(page), "user": "owner2", "unit": "hr", "valid_from": "31/02/2569"}
    refused = admin.post("/admin/roles/publisher", data=form)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "There is no 31/02/2569 in the calendar" in body and 'value="31/02/2569"' in body
    assert "ในปฏิทิน" not in body
    admin.get("/lang/th")
    thai = admin.post("/admin/roles/publisher", data=form).get_data(as_text=True)
    assert "ไม่มีวันที่ 31/02/2569 ในปฏิทิน" in thai


def test_an_unreadable_date_on_the_acting_for_page_is_said_in_english(app: Flask) -> None:
    director = signed_in(app, "director1")
    director.get("/lang/en")
    page = director.get("/account/acting-for").get_data(as_text=True)
    form = {
        "csrf_token": csrf(page),
        "substitute": "deputy1",
        "starts_on": "next tuesday",
        "ends_on": "1/1/2",
    }
    bad = director.post("/account/acting-for", data=form)
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "The date is not valid: type it as dd/mm/yyyy" in body and 'value="next tuesday"' in body
    assert "วันที่ไม่ถูกต้อง" not in body


def test_a_task_forms_bad_date_is_said_in_english_and_the_typed_value_stays(app: Flask, api: Api) -> None:
    owner = api.as_user("owner1")
    started = owner.start("memo_publication")
    assert started.status_code == 201, started.get_json()
    task = owner.task_in(started.get_json()["id"])
    browser = signed_in(app, "owner1")
    browser.get("/lang/en")
    page = browser.get(f"/tasks/{task['id']}").get_data(as_text=True)
    sent = browser.post(
        f"/tasks/{task['id']}", data={"csrf_token": csrf(page), "memo_date": "29/02/2568", "title": "x"}
    )
    assert sent.status_code == 422
    body = sent.get_data(as_text=True)
    assert "There is no 29/02/2568 in the calendar" in body and 'value="29/02/2568"' in body
    assert "ในปฏิทิน" not in body
