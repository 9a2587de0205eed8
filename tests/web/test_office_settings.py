"""The office's settings page: admins set the office's name, the memo's heading and digits, and upload
the emblem (an image, checked by its content, size-limited) that the memo prints."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from .conftest import PDF, multipart
from .pages import csrf, signed_in

VALUES = {
    "name": "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาฉะเชิงเทรา เขต 1",
    "short_name": "สพป.ฉะเชิงเทรา เขต 1",
    "name_en": "Chachoengsao Primary Educational Service Area Office 1",
    "address": "ถนนศรีโสธรตัดใหม่ อำเภอเมือง จังหวัดฉะเชิงเทรา",
    "phone": "038 511 000",
    "email": "saraban@ccs1.go.th",
    "memo_prefix": "ศธ 04032/",
}


def png(size: tuple[int, int] = (90, 100)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 150, 30)).save(out, "PNG")
    return out.getvalue()


def post(
    client: FlaskClient, fields: dict[str, str], emblem: tuple[bytes, str] | None = None
) -> TestResponse:
    """Submit the page's form, with `emblem` (content, filename) as its file."""
    token = csrf(client.get("/admin/office").get_data(as_text=True))
    files = {"emblem": emblem} if emblem is not None else {}
    return client.post("/admin/office", **multipart(files, {"csrf_token": token, **fields}))


def test_admins_only(app: Flask) -> None:
    assert signed_in(app, "owner1").get("/admin/office").status_code == 403
    director = signed_in(app, "director1")
    token = csrf(director.get("/requests/new").get_data(as_text=True))
    assert director.post("/admin/office", data={"csrf_token": token, **VALUES}).status_code == 403
    assert app.test_client().get("/admin/office").status_code == 302  # to sign in
    page = signed_in(app, "admin1").get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/office"' in page


def test_saving_the_settings_and_an_emblem(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/office").get_data(as_text=True)
    assert 'name="thai_digits" value="true" checked' in page  # Thai digits unless the office says otherwise
    saved = post(admin, VALUES, emblem=(png(), "ครุฑ.png"))
    assert saved.status_code == 302
    page = admin.get("/admin/office").get_data(as_text=True)
    for value in VALUES.values():
        assert f'value="{value}"' in page
    assert 'name="thai_digits" value="true" checked' not in page  # unticked on that submission
    preview = re.search(r'<img class="emblem-preview" src="([^"]+)"', page)
    assert preview, "the emblem in place is shown"
    picture = admin.get(preview.group(1))
    picture.close()  # a stored file is streamed from disk
    assert (picture.status_code, picture.mimetype) == (200, "image/png")
    assert admin.get("/admin/office/emblem/0123456789abcdef0123456789abcdef").status_code == 404
    portal = app.test_client().get("/public/").get_data(as_text=True)
    assert VALUES["name"] in portal  # the portal's header reads the same settings

    post(admin, {**VALUES, "thai_digits": "true", "remove_emblem": "true"})
    page = admin.get("/admin/office").get_data(as_text=True)
    assert "emblem-preview" not in page
    assert 'name="thai_digits" value="true" checked' in page


def test_mistakes_come_back_with_what_was_typed(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    response = post(admin, {**VALUES, "name": "  ", "email": "not-an-address", "memo_prefix": "ศ" * 51})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('aria-invalid="true"') == 3
    assert "กรุณากรอกข้อมูลนี้" in page and "กรุณากรอกอีเมลให้ถูกต้อง" in page and "ไม่เกิน 50 ตัวอักษร" in page
    assert f'value="{VALUES["short_name"]}"' in page and 'value="not-an-address"' in page
    assert VALUES["short_name"] not in signed_in(app, "admin1").get("/public/").get_data(as_text=True)


def test_the_emblem_must_be_a_small_real_image(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    for content, name, message in (
        (PDF, "ครุฑ.pdf", "ใช้ไฟล์ภาพ PNG, JPEG หรือ WebP"),
        (PDF, "ครุฑ.png", "ไฟล์นี้ไม่ใช่ภาพที่ใช้ได้"),  # the name says PNG, the content does not
        (png((3000, 3000)) + b"\0" * (1024 * 1024), "ครุฑ.png", "ไม่เกิน 1 MB"),
    ):
        response = post(admin, VALUES, emblem=(content, name))
        assert response.status_code == 422, name
        page = response.get_data(as_text=True)
        assert message in page
        assert 'id="emblem-error"' in page
    assert "emblem-preview" not in admin.get("/admin/office").get_data(as_text=True)


def test_a_form_without_its_token_is_refused(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    response = admin.post("/admin/office", data=VALUES)
    assert response.status_code == 400
