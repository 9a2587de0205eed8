"""The catalogue's admin pages and API, and what staff see of it: the category select of a request form,
its server-side check, and the inbox's category filter."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.thaidate import fiscal_year

from .conftest import Api, request_data
from .pages import csrf, signed_in

PROCUREMENT = "1.9 ข้อมูลการจัดซื้อจัดจ้าง"
UNVERIFIED = "ยังไม่ได้ตรวจสอบกับคู่มือการประเมิน ITA ฉบับทางการ"
PAGES = [
    "/admin/catalogue/categories",
    "/admin/catalogue/categories/new",
    "/admin/catalogue/categories/1.9",
    "/admin/catalogue/ita",
    "/admin/catalogue/ita/2566",
    "/admin/catalogue/ita/2566/items/O1",
]
WRITES = [
    "/admin/catalogue/categories/1.9",
    "/admin/catalogue/categories/preset",
    "/admin/catalogue/ita",
    "/admin/catalogue/ita/2566/clone",
    "/admin/catalogue/ita/2566/verified",
    "/admin/catalogue/ita/2566/items/O1",
]


@pytest.fixture
def this_year(ctx: ServiceContext) -> int:
    return fiscal_year(ctx.now())


@pytest.mark.parametrize("username", ["owner1", "gdir_plan", "publisher1"])
def test_staff_get_403_on_every_page_and_write(app: Flask, api: Api, username: str) -> None:
    client = signed_in(app, username)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    token = csrf(client.get("/inbox").get_data(as_text=True))
    for path in WRITES:
        data = {"csrf_token": token, "name": "x", "to": "2567", "verified": "true", "title": "x"}
        assert client.post(path, data=data).status_code == 403, path
    who = api.as_user(username)
    assert who.open("PUT", "/catalogue/categories/1.9", json={"name": "x"}).status_code == 403
    assert who.post("/catalogue/ita/2566/clone", json={"to": 2567}).status_code == 403
    assert who.get("/catalogue/categories").status_code == 200  # reading is for everyone signed in


def test_anonymous_is_sent_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/admin/catalogue/categories").status_code == 302
    assert client.get("/api/v1/catalogue/categories").status_code == 401


def test_edit_and_add_categories(app: Flask) -> None:
    owner = signed_in(app, "procowner1")  # process owners edit the catalogue too
    listing = owner.get("/admin/catalogue/categories").get_data(as_text=True)
    assert listing.count('href="/admin/catalogue/categories/1.') == 17
    page = owner.get("/admin/catalogue/categories/1.9").get_data(as_text=True)
    assert "ข้อมูลการจัดซื้อจัดจ้าง" in page
    data = {"csrf_token": csrf(page), "name": " ", "name_en": "Procurement notices", "group": "plan"}
    bad = owner.post("/admin/catalogue/categories/1.9", data=data)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "กรุณากรอกชื่อหมวดหมู่" in html and 'value="Procurement notices"' in html
    fixed = {**data, "name": "การจัดซื้อจัดจ้าง"}
    assert owner.post("/admin/catalogue/categories/1.9", data=fixed).status_code == 302
    assert "การจัดซื้อจัดจ้าง" in owner.get("/admin/catalogue/categories").get_data(as_text=True)

    new = owner.get("/admin/catalogue/categories/new").get_data(as_text=True)
    added = {"csrf_token": csrf(new), "code": "1.18", "name": "ข้อมูลงานวิจัย", "active": "true"}
    assert owner.post("/admin/catalogue/categories/new", data=added).status_code == 302
    again = owner.post("/admin/catalogue/categories/new", data=added)
    assert again.status_code == 422 and "รหัสนี้มีอยู่แล้ว" in again.get_data(as_text=True)
    # unticking "active" deactivates it: listed as such, gone from the request forms' select
    off = {"csrf_token": csrf(new), "name": "ข้อมูลงานวิจัย"}
    assert owner.post("/admin/catalogue/categories/1.18", data=off).status_code == 302
    assert "ปิดใช้งาน" in owner.get("/admin/catalogue/categories").get_data(as_text=True)


def test_loading_a_category_preset(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/catalogue/categories").get_data(as_text=True)
    assert "categories-chachoengsao1" in page
    loaded = admin.post(
        "/admin/catalogue/categories/preset",
        data={"csrf_token": csrf(page), "preset": "categories-chachoengsao1"},
        follow_redirects=True,
    )
    html = loaded.get_data(as_text=True)
    assert "ปรับชื่อ 9 รายการ" in html and "ภาพถ่ายหรือภาพที่แสดงถึงบุคคล" in html


def test_a_fiscal_year_is_marked_unverified_until_checked(app: Flask, this_year: int) -> None:
    admin = signed_in(app, "admin1")
    years = admin.get("/admin/catalogue/ita").get_data(as_text=True)
    assert f'href="/admin/catalogue/ita/{this_year}"' in years and "ยังไม่ได้ตรวจสอบ" in years
    page = admin.get(f"/admin/catalogue/ita/{this_year}").get_data(as_text=True)
    assert UNVERIFIED in page and "official ITA manual" in page
    assert re.search(r'<td class="code"><a [^>]*>O1</a>', page)
    checked = admin.post(
        f"/admin/catalogue/ita/{this_year}/verified",
        data={"csrf_token": csrf(page), "verified": "true"},
        follow_redirects=True,
    )
    assert UNVERIFIED not in checked.get_data(as_text=True)


def test_clone_a_year_to_the_next_and_not_over_an_existing_one(app: Flask, this_year: int) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get(f"/admin/catalogue/ita/{this_year}").get_data(as_text=True)
    assert f'name="to" inputmode="numeric" value="{this_year + 1}"' in page
    cloned = admin.post(
        f"/admin/catalogue/ita/{this_year}/clone", data={"csrf_token": csrf(page), "to": str(this_year + 1)}
    )
    assert cloned.headers["Location"] == f"/admin/catalogue/ita/{this_year + 1}"
    copy = admin.get(cloned.headers["Location"]).get_data(as_text=True)
    assert UNVERIFIED in copy and f"คัดลอกจากปีงบประมาณ {this_year}" in copy
    url = f"/admin/catalogue/ita/{this_year}/clone"
    refused = admin.post(url, data={"csrf_token": csrf(page), "to": "2566"})
    assert refused.status_code == 409
    assert "ปีงบประมาณนี้มีรายการแล้ว" in refused.get_data(as_text=True)
    typo = admin.post(url, data={"csrf_token": csrf(page), "to": "25x"})
    assert typo.status_code == 422 and 'value="25x"' in typo.get_data(as_text=True)


def test_create_a_year_from_a_preset(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/catalogue/ita").get_data(as_text=True)
    form = {"csrf_token": csrf(page), "fiscal_year": "2567"}
    made = admin.post("/admin/catalogue/ita", data={**form, "preset": "ita-2566-oit"})
    assert made.status_code == 302
    assert ">O43</a>" in admin.get("/admin/catalogue/ita/2567").get_data(as_text=True)
    again = admin.post("/admin/catalogue/ita", data={**form, "preset": "ita-2568-oit"})
    assert again.status_code == 409 and "ปีงบประมาณนี้มีรายการแล้ว" in again.get_data(as_text=True)


def test_edit_an_item_with_its_categories_as_checkboxes(app: Flask, this_year: int) -> None:
    admin = signed_in(app, "admin1")
    url = f"/admin/catalogue/ita/{this_year}/items/O1"
    page = admin.get(url).get_data(as_text=True)
    assert re.search(r'name="categories" value="1.4" checked', page)
    data = {
        "csrf_token": csrf(page),
        "title": "",
        "guidance": "แผนผังโครงสร้าง",
        "group": "admin",
        "period_rule": "first_half",
        "categories": ["1.4", "1.8"],
    }
    bad = admin.post(url, data=data)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "กรุณากรอกชื่อข้อ" in html and re.search(r'value="1.8" checked', html)
    assert re.search(r'value="first_half" checked', html)
    assert admin.post(url, data={**data, "title": "ข้อมูลพื้นฐาน"}).status_code == 302
    row = admin.get(f"/admin/catalogue/ita/{this_year}").get_data(as_text=True).split('id="item-O1"')[1]
    row = row.split("</tr>")[0]
    assert "ข้อมูลพื้นฐาน" in row and "กลุ่มอำนวยการ" in row and ">1.8</abbr>" in row


def test_the_catalogue_api(api: Api) -> None:
    owner = api.as_user("owner1")
    categories = owner.get("/catalogue/categories").get_json()
    assert len(categories) == 17 and {"code", "name", "name_en", "active", "group_code"} <= set(categories[0])
    year = owner.get("/catalogue/ita/2566").get_json()
    assert (year["fiscal_year"], year["verified"], len(year["items"])) == (2566, False, 43)
    assert next(i for i in year["items"] if i["code"] == "O21")["categories"] == ["1.9"]
    assert owner.get("/catalogue/ita/2501").status_code == 404

    admin = api.as_user("admin1")
    made = admin.open("PUT", "/catalogue/categories/1.18", json={"name": "ข้อมูลงานวิจัย", "group": "plan"})
    assert made.status_code == 201 and made.get_json()["group_code"] == "plan"
    changed = admin.open("PUT", "/catalogue/categories/1.18", json={"name": "งานวิจัย", "active": False})
    assert changed.status_code == 200 and changed.get_json()["active"] is False
    bad = admin.open("PUT", "/catalogue/categories/1.18", json={"name": 5})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"][0]["field"] == "name"

    cloned = admin.post("/catalogue/ita/2566/clone", json={"to": 2567})
    assert cloned.status_code == 201 and cloned.get_json()["item_count"] == 43
    assert admin.post("/catalogue/ita/2566/clone", json={"to": 2567}).status_code == 409
    assert admin.post("/catalogue/ita/2566/clone", json={}).status_code == 422
    assert admin.post("/catalogue/ita/2501/clone", json={"to": 2502}).status_code == 404
    years = [y["fiscal_year"] for y in admin.get("/catalogue/ita").get_json()]
    assert 2567 in years and 2566 in years


def test_the_request_form_offers_the_active_categories_by_thai_name(app: Flask, api: Api) -> None:
    owner = signed_in(app, "owner1")
    new_page = owner.get("/requests/new").get_data(as_text=True)
    form_url = owner.post("/requests/new/general_publication", data={"csrf_token": csrf(new_page)}).headers[
        "Location"
    ]
    page = owner.get(form_url).get_data(as_text=True)
    select = page.split('<select class="f-select" id="f-category" name="category"')[1].split("</select>")[0]
    assert '<option value="1.3">1.3 การขยายและพัฒนาเนื้อหาสาระ' in select
    assert f'<option value="1.9">{PROCUREMENT}</option>' not in select  # procurement: 3.3 only
    assert select.count("<option value=") == 10  # "choose" and the 9 categories 3.1 files into
    data = {
        "csrf_token": csrf(page),
        "title": "ประกาศผลการจัดซื้อ",
        "category": "9.9",
        "description": "รายละเอียด",
        "purpose": "เปิดเผยข้อมูล",
        "channels": "website",
        "attachments": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "ประกาศ.pdf"),
    }
    refused = owner.post(form_url, data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    error = refused.get_data(as_text=True).split('id="f-category-error"')[1][:200]
    assert "กรุณาเลือกหมวดหมู่ข้อมูลจากรายการของสำนักงาน" in error

    client = api.as_user("owner2")
    started = client.start().get_json()["id"]
    done = client.complete(client.task_in(started)["id"], request_data(client.upload_id(), category="1.99"))
    assert done.status_code == 422
    assert [d["field"] for d in done.get_json()["error"]["details"]] == ["category"]


def test_the_inbox_filter_names_the_categories(app: Flask, filed: int) -> None:
    html = signed_in(app, "gdir_plan").get("/inbox").get_data(as_text=True)
    assert re.search(r'<option value="1.3" >1.3 การขยายและพัฒนาเนื้อหาสาระ', html)
