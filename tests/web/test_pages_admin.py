"""Admins manage users, their roles and groups; nobody else can."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from .pages import csrf, signed_in


@pytest.mark.parametrize("username", ["owner1", "gdir_plan", "director1", "procowner1"])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/groups"])
def test_only_admins(app: Flask, username: str, path: str) -> None:
    assert signed_in(app, username).get(path).status_code == 403


def test_anonymous_is_sent_to_sign_in(app: Flask) -> None:
    assert app.test_client().get("/admin/users").status_code == 302


def test_create_a_group_director_who_can_then_sign_in(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    groups = admin.get("/admin/groups").get_data(as_text=True)
    assert (
        admin.post(
            "/admin/groups",
            data={
                "csrf_token": csrf(groups),
                "code": "finance",
                "name": "กลุ่มบริหารงานการเงินและสินทรัพย์",
                "name_en": "Finance",
            },
        ).status_code
        == 302
    )
    page = admin.get("/admin/users/new").get_data(as_text=True)
    assert "ผู้อำนวยการกลุ่ม/หน่วย" in page
    bad = admin.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf(page),
            "username": "gdir fin",
            "full_name": "",
            "password": "short",
            "roles": ["group_director"],
        },
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'value="gdir fin"' in html and "รหัสผ่านอย่างน้อย" in html and "short" not in html
    good = admin.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf(page),
            "username": "gdir_fin",
            "full_name": "นางการเงิน มั่นคง",
            "position": "ผู้อำนวยการกลุ่ม",
            "group": "finance",
            "roles": ["group_director"],
            "is_active": "true",
            "password": "ยาวพอแล้ว2569",
        },
    )
    assert good.status_code == 302
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "gdir_fin" in listing and "กลุ่มบริหารงานการเงินและสินทรัพย์" in listing
    signed_in(app, "gdir_fin", "ยาวพอแล้ว2569")


def test_an_admin_cannot_lock_themselves_out(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    users = admin.get("/admin/users").get_data(as_text=True)
    own = re.search(r'href="(/admin/users/\d+)">admin1<', users)
    assert own
    page = admin.get(own.group(1)).get_data(as_text=True)
    response = admin.post(
        own.group(1),
        data={
            "csrf_token": csrf(page),
            "username": "admin1",
            "full_name": "ผู้ดูแลระบบ",
            "roles": [],
            "is_active": "true",
        },
    )
    assert response.status_code == 422
    assert "ผู้ดูแลระบบ" in admin.get("/admin/users").get_data(as_text=True)


def test_field_messages_are_said_in_the_pages_language(app: Flask) -> None:
    """The services write their field messages in Thai and keep them translatable; an English page says
    them in English (with their numbers), a Thai page in Thai (#14)."""
    admin = signed_in(app, "admin1")
    said = {}
    for lang in ("en", "th"):
        admin.get(f"/lang/{lang}")
        page = admin.get("/admin/users/new").get_data(as_text=True)
        data = {"csrf_token": csrf(page), "username": "x y", "full_name": "", "password": "short"}
        bad = admin.post("/admin/users/new", data={**data, "roles": ["no_such_role"]})
        assert bad.status_code == 422
        said[lang] = bad.get_data(as_text=True)
    english, thai = said["en"], said["th"]
    assert "Please enter the full name" in english and "กรุณากรอกชื่อ-นามสกุล" not in english
    assert "A password of at least 8 characters" in english and "Unknown roles: no_such_role" in english
    assert "กรุณากรอกชื่อ-นามสกุล" in thai and "รหัสผ่านอย่างน้อย 8 ตัวอักษร" in thai
    assert "ไม่รู้จักบทบาท: no_such_role" in thai
