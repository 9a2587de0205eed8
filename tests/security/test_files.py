"""Probe: "Files are reachable through any id found in data: a request page lists every 32-hex string in
the request's data as one of its files, and an attachment is accepted when its id occurs anywhere in the
state: a user who knows an id (from a withdrawn item, a request they once reviewed) puts it in a
free-text field and reads or attaches another user's file. A photo caption holding a private file's id
made that file public." And: "file names keep right-to-left override characters." Each sentence is a
test below."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from ..photos import jpeg
from ..web.conftest import API, PDF, Api, ApiClient, error_of, multipart, request_data
from ..web.pages import signed_in

SECRET = b"%PDF-1.4\n% owner2's personnel file\n%%EOF\n"


def status(client: FlaskClient, path: str) -> int:
    """The status of a GET, its body (a file) closed."""
    response = client.get(path)
    response.close()
    return response.status_code


def filed_by(user: ApiClient, **data: object) -> int:
    """A general_publication request the user has filed, with `data` over a valid submission."""
    instance_id = int(user.start().get_json()["id"])
    done = user.complete(user.task_in(instance_id)["id"], request_data(user.upload_id(), **data))
    assert done.status_code == 200, done.get_json()
    return instance_id


def private_file(api: Api) -> str:
    """owner2's attachment on owner2's own request: nobody in owner1's requests may reach it."""
    owner2 = api.as_user("owner2")
    secret = owner2.upload_id(SECRET, "ประวัติบุคลากร.pdf")
    filed_by(owner2, attachments=[secret])
    return secret


def test_an_id_typed_into_a_free_text_field_is_not_one_of_the_requests_files(app: Flask, api: Api) -> None:
    secret = private_file(api)
    mine = filed_by(api.as_user("owner1"), description=f"ดูไฟล์ {secret}", purpose=secret)
    owner1 = signed_in(app, "owner1")
    page = owner1.get(f"/requests/{mine}").get_data(as_text=True)
    assert "ประวัติบุคลากร.pdf" not in page
    assert f"/files/{secret}" not in page
    assert status(owner1, f"/requests/{mine}/files/{secret}") == 404
    # the director reviewing owner1's request reads owner1's files, not the one named in its text
    director = signed_in(app, "gdir_plan")
    [task_id] = re.findall(r'href="/tasks/(\d+)"', director.get("/inbox").get_data(as_text=True))[:1]
    assert status(director, f"/tasks/{task_id}/files/{secret}") == 404
    assert "ประวัติบุคลากร.pdf" not in director.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_another_users_file_is_not_accepted_as_an_attachment(api: Api) -> None:
    secret = private_file(api)
    owner1 = api.as_user("owner1")
    instance_id = int(owner1.start().get_json()["id"])
    task_id = owner1.task_in(instance_id)["id"]
    # even with the id already written into this request's data (a free-text field, refused or kept)
    refused = owner1.complete(task_id, request_data(secret, description=secret))
    assert refused.status_code == 422
    assert "ไฟล์แนบไม่ได้อัปโหลดโดยคุณ" in str(error_of(refused)["details"])
    assert owner1.complete(task_id, request_data(owner1.upload_id(), description=secret)).status_code == 200
    director = api.as_user("gdir_plan")
    revise = {"decision": "revise", "comment": "แนบไฟล์ใหม่"}
    assert director.complete(director.task_in(instance_id)["id"], revise).status_code == 200
    again = owner1.complete(owner1.task_in(instance_id)["id"], request_data(secret, description=secret))
    assert again.status_code == 422


def test_a_caption_holding_a_private_files_id_does_not_make_it_public(app: Flask, api: Api) -> None:
    secret = private_file(api)
    owner1, pr1 = api.as_user("owner1"), api.as_user("pr1")
    album = int(owner1.start("photo_publication").get_json()["id"])
    plan = {
        "title": "ภาพกิจกรรมวันครู",
        "category": "1.13",
        "activity": "วันครู",
        "activity_date": "2026-11-20",
        "place": "หอประชุม สพป.",
        "photographer": "นายประชา สัมพันธ์",
    }
    assert owner1.complete(owner1.task_in(album)["id"], plan).status_code == 200
    photo = pr1.upload_id(jpeg("วันครู"), "วันครู.jpg")
    chosen = {"photos": [{"file": photo, "publish": True}]}
    assert pr1.complete(pr1.task_in(album)["id"], chosen).status_code == 200
    captioned = [{"file": photo, "caption": secret, "alt_text": secret, "publish": True}]
    written = {"album_description": f"กิจกรรมวันครู {secret}", "photos": captioned}
    assert pr1.complete(pr1.task_in(album)["id"], written).status_code == 200
    pdpa = {
        "people_identifiable": False,
        "children_present": False,
        "consent_on_file": True,
        "decision": "approve",
    }
    done = pr1.complete(pr1.task_in(album)["id"], pdpa)
    assert done.status_code == 200, done.get_json()
    public = app.test_client()
    assert status(public, f"/public/files/{photo}/วันครู.jpg") == 200
    assert status(public, f"/public/files/{secret}/x.pdf") == 404


def test_a_withdrawn_items_files_are_no_longer_public(app: Flask, api: Api) -> None:
    owner1 = api.as_user("owner1")
    attachment = owner1.upload_id(PDF, "ประกาศ.pdf")
    instance_id = filed_by(owner1, attachments=[attachment])
    for reviewer in ("gdir_plan", "director1"):
        who = api.as_user(reviewer)
        assert who.complete(who.task_in(instance_id)["id"], {"decision": "approve"}).status_code == 200
    publisher = api.as_user("publisher1")
    assert publisher.complete(publisher.task_in(instance_id)["id"], {"certified": True}).status_code == 200
    public = app.test_client()
    assert status(public, f"/public/files/{attachment}/ประกาศ.pdf") == 200
    [item] = publisher.get(f"{API}/public/items").get_json()
    withdrawn = publisher.post(f"{API}/public/items/{item['id']}/withdraw", json={"reason": "ข้อมูลผิด"})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert status(public, f"/public/files/{attachment}/ประกาศ.pdf") == 404


def test_a_right_to_left_override_in_a_file_name_is_not_kept(app: Flask, api: Api) -> None:
    """ "รายงาน\u202efdp.exe" would show as "รายงานexe.pdf"; the name is kept without the override."""
    owner1 = api.as_user("owner1")
    uploaded = owner1.post("/files", **multipart({"file": (PDF, "รายงาน\u202eexe.pdf\u2066\x07.pdf")}))
    assert uploaded.status_code == 201, uploaded.get_json()
    assert uploaded.get_json()["filename"] == "รายงานexe.pdf.pdf"
    instance_id = filed_by(owner1, attachments=[uploaded.get_json()["id"]])
    page = signed_in(app, "owner1").get(f"/requests/{instance_id}").get_data(as_text=True)
    assert "รายงานexe.pdf.pdf" in page
    assert not re.search("[\u202a-\u202e\u2066-\u2069\x00-\x08]", page)
