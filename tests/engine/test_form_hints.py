"""Form hints for the requester's convenience: `x-profile` fills a field from their profile, `x-title`
names the request by one of the form's fields."""

from __future__ import annotations

import json

from bpmnpub.form_files import check_schema
from bpmnpub.forms import FormSpec

from ..conftest import PROCESSES

MEMO_FORM = json.loads((PROCESSES / "forms" / "memo_request_form.json").read_text(encoding="utf-8"))


def test_the_memo_form_opens_with_the_profile_and_keeps_its_schema() -> None:
    form = FormSpec("memo_request_form", MEMO_FORM)
    profile = {"full_name": "นางสาวสมใจ ใจดี", "position": "นักวิเคราะห์นโยบายและแผน", "group": "plan"}
    filled = form.with_profile(profile)["properties"]
    assert [
        filled[n].get("default") for n in ("requester_name", "requester_position", "requester_group")
    ] == [
        "นางสาวสมใจ ใจดี",
        "นักวิเคราะห์นโยบายและแผน",
        "plan",
    ]
    assert "default" not in MEMO_FORM["properties"]["requester_name"]  # the deployed form is not changed
    assert "default" not in form.with_profile({**profile, "position": ""})["properties"]["requester_position"]
    assert form.title_field == "topic"
    assert (
        FormSpec("other", {"type": "object", "properties": {"title": {"title": "เรื่อง"}}}).title_field
        == "title"
    )
    assert check_schema("memo_request_form", MEMO_FORM) == []


def test_unknown_hints_are_refused_when_a_form_is_checked() -> None:
    schema = {
        "type": "object",
        "x-title": "subject",
        "properties": {"name": {"type": "string", "title": "ชื่อ", "x-profile": "salary"}},
    }
    assert check_schema("bad", schema) == [
        "form 'bad': field 'name' has x-profile not one of full_name, position, group",
        "form 'bad': x-title 'subject' is not one of its fields",
    ]
