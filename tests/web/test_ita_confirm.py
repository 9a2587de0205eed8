"""Which O items an item answers: the category suggests, the publisher confirms, only that counts.

The demo office's category 1.3 (press releases, where the request these tests file goes) is mapped to
O4, O18 and O24 of the current fiscal year (2570, the ita-2568 preset). A press release about a
recruitment answers O4 (news) but neither O18 (participation) nor O24 (integrity measures); before, it
counted for all three.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from .conftest import TITLE, Api
from .pages import csrf, signed_in

FY = 2570
SUGGESTED = ["O4", "O18", "O24"]  # category 1.3 in the demo's catalogue


def ticked(html: str) -> list[str]:
    return re.findall(
        r'type="checkbox" id="f-ita_items--\d+" name="ita_items" value="([^"]+)" checked',
        html,
    )


def o_item_row(html: str, code: str) -> str:
    return html.split(f'<tr id="{code}" ')[1].split("</tr>")[0]


def certify(app: Flask, api: Api, instance_id: int, codes: list[str]) -> FlaskClient:
    """The publisher opens the task page, looks at the O items, ticks `codes` and certifies."""
    publisher = signed_in(app, "publisher1")
    task_id = api.as_user("publisher1").task_in(instance_id)["id"]
    html = publisher.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert ticked(html) == SUGGESTED  # pre-ticked with the category's suggestions
    form = {"csrf_token": csrf(html), "certified": "true", "ita_items": ["", *codes], "action": "complete"}
    response = publisher.post(f"/tasks/{task_id}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return publisher


def test_the_publisher_sees_every_o_item_of_the_year_in_thai_the_suggested_ones_ticked(
    app: Flask, api: Api, at_publisher: int
) -> None:
    publisher = signed_in(app, "publisher1")
    task_id = api.as_user("publisher1").task_in(at_publisher)["id"]
    html = publisher.get(f"/tasks/{task_id}").get_data(as_text=True)
    group = html.split('id="f-ita_items"')[1].split("</fieldset>")[0]
    assert "ข้อการประเมิน ITA/OIT ที่รายการนี้ตอบ" in group
    codes = re.findall(r'name="ita_items" value="([^"]+)"', group)
    assert codes[:3] == SUGGESTED  # the suggestions first, where the publisher looks
    assert len(codes) > 20 and codes[3:6] == ["O1", "O2", "O3"]  # then the rest of the year's list
    assert ticked(html) == SUGGESTED
    label = re.search(r'<label class="f-option-label" for="f-ita_items--\d+">(O18 [^<]+)</label>', group)
    assert label and label.group(1) == "O18 การเปิดโอกาสให้เกิดการมีส่วนร่วม (แนะนำตามหมวดหมู่)"


def test_a_recruitment_news_no_longer_counts_for_o18(
    app: Flask, api: Api, client: FlaskClient, at_publisher: int
) -> None:
    certify(app, api, at_publisher, ["O4"])  # the publisher unticks O18 and O24
    html = client.get(f"/public/ita/{FY}").get_data(as_text=True)
    assert TITLE in o_item_row(html, "O4")
    for code in ("O18", "O24"):
        assert TITLE not in o_item_row(html, code), code
    assert 'class="ita-missing"' in html.split('<tr id="O18"')[1].split(">")[0]
    rows = client.get(f"/public/ita/{FY}.csv").get_data(as_text=True)
    o18 = next(line for line in rows.splitlines() if line.startswith("O18,"))
    assert "/public/items/" not in o18
    board = signed_in(app, "director1").get(f"/reports/ita/{FY}").get_data(as_text=True)
    total = board.split("<tfoot>")[1]
    assert re.search(r'data-label="มีข้อมูล">1</td>', total)  # O4 only, not three


def test_a_publisher_who_unticks_everything_confirms_it_answers_none(
    app: Flask, api: Api, client: FlaskClient, at_publisher: int
) -> None:
    publisher = certify(app, api, at_publisher, [])
    html = client.get(f"/public/ita/{FY}").get_data(as_text=True)
    assert TITLE not in html
    [item] = client.get("/api/v1/public/items").get_json()
    assert item["ita_item"] is None
    page = publisher.get(f"/publishing/items/{item['id']}").get_data(as_text=True)
    assert "ไม่ตอบข้อ ITA/OIT" in page and "ยังไม่มีผู้ยืนยัน" not in page


def test_publishers_change_it_later_and_the_change_is_audited(
    app: Flask, api: Api, client: FlaskClient, at_publisher: int
) -> None:
    certify(app, api, at_publisher, ["O4"])
    [item] = client.get("/api/v1/public/items").get_json()
    pr = signed_in(app, "pr1")  # another publisher
    page = pr.get(f"/publishing/items/{item['id']}").get_data(as_text=True)
    assert re.findall(r'name="ita_items" value="([^"]+)" checked', page) == ["O4"]
    response = pr.post(
        f"/publishing/items/{item['id']}/ita",
        data={"csrf_token": csrf(page), "ita_items": ["O3", "O4"], "ita_reason": "ประกาศอ้างระเบียบ"},
    )
    assert response.status_code == 302
    html = client.get(f"/public/ita/{FY}").get_data(as_text=True)
    assert TITLE in o_item_row(html, "O3") and TITLE in o_item_row(html, "O4")
    history = pr.get(f"/publishing/items/{item['id']}").get_data(as_text=True)
    change = history.split('<li class="ev ev-ita_changed">')[1].split("</li>")[0]
    assert "ยืนยันข้อการประเมิน ITA/OIT" in change and "O4 → O3, O4" in change
    assert "ประกาศอ้างระเบียบ" in change and "16 พ.ย. 2569 09:00 น." in change  # why and when
    assert api.as_user("pr1").user["full_name"] in change


def test_only_publishers_change_it_and_only_to_o_items_of_the_year(
    app: Flask, api: Api, client: FlaskClient, at_publisher: int
) -> None:
    certify(app, api, at_publisher, ["O4"])
    [item] = client.get("/api/v1/public/items").get_json()
    owner = signed_in(app, "owner1")
    token = csrf(owner.get("/inbox").get_data(as_text=True))
    refused = owner.post(
        f"/publishing/items/{item['id']}/ita", data={"csrf_token": token, "ita_items": "O18"}
    )
    assert refused.status_code == 403
    publisher = signed_in(app, "publisher1")
    page = publisher.get(f"/publishing/items/{item['id']}").get_data(as_text=True)
    bad = publisher.post(
        f"/publishing/items/{item['id']}/ita", data={"csrf_token": csrf(page), "ita_items": ["O4", "O999"]}
    )
    assert bad.status_code == 422
    assert "ไม่ใช่ข้อการประเมิน ITA/OIT ของปีงบประมาณนี้" in bad.get_data(as_text=True)
    assert TITLE not in o_item_row(client.get(f"/public/ita/{FY}").get_data(as_text=True), "O18")


def test_a_forged_code_on_the_task_form_is_a_field_error_not_a_failed_step(
    app: Flask, api: Api, at_publisher: int
) -> None:
    publisher = signed_in(app, "publisher1")
    task_id = api.as_user("publisher1").task_in(at_publisher)["id"]
    html = publisher.get(f"/tasks/{task_id}").get_data(as_text=True)
    form: dict[str, Any] = {"csrf_token": csrf(html), "certified": "true", "ita_items": ["O4", "O999"]}
    response = publisher.post(f"/tasks/{task_id}", data=form)
    assert response.status_code == 422
    assert "ไม่ใช่ข้อการประเมิน ITA/OIT ของปีงบประมาณนี้" in response.get_data(as_text=True)
    assert api.as_user("publisher1").task_in(at_publisher)["id"] == task_id  # still to do
