"""The form macros (templates/_macros/form.html), rendered with a plain Jinja environment (no Flask) for
every form in processes/forms and read back with lxml: labels, values, errors, files, rows, decision
buttons, and a round trip through what a browser would post and bpmnpub.web.formdata."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from jinja2 import Environment, FileSystemLoader
from werkzeug.datastructures import MultiDict

from bpmnpub.forms import FormSpec, describe, validate
from bpmnpub.thaidate import input_date
from bpmnpub.web.formdata import parse_submission

from .test_formdata import FORMS, KEPT, KEPT2, Store, valid_data

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
CSS = ROOT / "src" / "bpmnpub" / "static" / "form.css"
JS = ROOT / "src" / "bpmnpub" / "static" / "form.js"
PAGE = """{% from "_macros/form.html" import render_fields, decision_buttons %}
<form method="post" enctype="multipart/form-data" novalidate>
{{ render_fields(schema, values, errors, files, decision_buttons=buttons, sources=sources) }}
{% if buttons %}{{ decision_buttons(schema, errors) }}{% endif %}
</form>"""
FILES = {
    KEPT: {"filename": "ประกาศผลการคัดเลือก.pdf", "content_type": "application/pdf", "size": 12_600},
    KEPT2: {"filename": "ภาพหมู่.jpg", "content_type": "image/jpeg", "size": 2_400_000, "url": "/files/bbb"},
}
Html = Any  # lxml.html.HtmlElement


@pytest.fixture(scope="module")
def env() -> Environment:
    environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    environment.filters["be_date_input"] = input_date
    return environment


# What the task page passes for `x-source` lists (the year's O items, web/tasks.py).
SOURCES = {"ita_items": [("O1", "O1 โครงสร้าง"), ("O2", "O2 ข้อมูลผู้บริหาร (แนะนำตามหมวดหมู่)")]}


def render(
    env: Environment,
    schema: dict[str, Any],
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    files: dict[str, Any] | None = None,
    *,
    buttons: bool | None = None,
    sources: dict[str, Any] | None = None,
) -> Html:
    if buttons is None:
        buttons = "decision" in schema["properties"]
    html = env.from_string(PAGE).render(
        schema=describe(schema),
        values=values,
        errors=errors,
        files=files,
        buttons=buttons,
        sources=SOURCES if sources is None else sources,
    )
    return lxml.html.fromstring(html)


def outside_template(elements: list[Html]) -> list[Html]:
    return [e for e in elements if not any(a.tag == "template" for a in e.iterancestors())]


def controls(doc: Html) -> list[Html]:
    return outside_template(doc.xpath("//input[not(@type='hidden')] | //select | //textarea"))


def field_of(doc: Html, element: Html) -> Html:
    return next(a for a in element.iterancestors() if "f-field" in (a.get("class") or "").split())


def by_id(doc: Html, id_: str) -> Html:
    found = doc.xpath("//*[@id=$id]", id=id_)
    assert len(found) == 1, id_
    return found[0]


def submitted(doc: Html) -> MultiDict[str, str]:
    """The name/value pairs a browser sends for this form (no file chosen, no button clicked)."""
    pairs: list[tuple[str, str]] = []
    for el in outside_template(doc.xpath("//input[@name] | //select[@name] | //textarea[@name]")):
        name = el.get("name")
        if el.tag == "textarea":
            pairs.append((name, el.text or ""))
        elif el.tag == "select":
            chosen = el.xpath("option[@selected]") or el.xpath("option[1]")
            pairs.append((name, chosen[0].get("value", "")))
        elif el.get("type") in ("checkbox", "radio"):
            if el.get("checked") is not None:
                pairs.append((name, el.get("value", "on")))
        elif el.get("type") != "file":
            pairs.append((name, el.get("value", "")))
    return MultiDict(pairs)


# --- every form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(FORMS))
def test_every_property_has_a_labelled_control(env: Environment, key: str) -> None:
    schema = FORMS[key]
    doc = render(env, schema, valid_data(key), files=FILES, sources=SOURCES)
    labels = {label.get("for") for label in doc.xpath("//label[@for]")}
    for control in controls(doc):
        assert control.get("id") in labels, lxml.html.tostring(control)
    names = [c.get("name") for c in controls(doc)]
    for name, prop in schema["properties"].items():
        if prop.get("readOnly"):
            output = by_id(doc, f"f-{name}")
            assert output.tag == "output"
            assert f"f-{name}" in labels
            assert name not in names and not doc.xpath("//input[@name=$n]", n=name)
            continue
        if name == "decision":
            assert not [n for n in names if n == "decision"]
            continue
        mine = [n for n in names if n == name or n.startswith(f"{name}.")]
        assert mine, name
        title = prop["title"]
        texts = [t.text_content() for t in doc.xpath("//label | //legend")]
        assert any(title in text for text in texts), title


@pytest.mark.parametrize("key", sorted(FORMS))
def test_clean_markup(env: Environment, key: str) -> None:
    schema = FORMS[key]
    doc = render(env, schema, valid_data(key), dict.fromkeys(schema["properties"], "ผิด"), FILES)
    assert not doc.xpath("//*[@style]")
    assert not doc.xpath("//script")
    assert not doc.xpath("//input[@name='csrf_token']")
    ids = [e.get("id") for e in outside_template(doc.xpath("//*[@id]"))]
    assert len(ids) == len(set(ids))
    for el in doc.xpath("//*[@class]"):
        for cls in el.get("class").split():
            assert cls.startswith("f-"), cls
    for ref in outside_template(doc.xpath("//*[@aria-describedby]")):
        for id_ in ref.get("aria-describedby").split():
            assert id_ in ids, id_
    for link in doc.xpath("//a[starts-with(@href, '#')]"):
        assert link.get("href")[1:] in ids


@pytest.mark.parametrize("key", sorted(FORMS))
def test_what_is_shown_posts_back_as_the_same_data(env: Environment, key: str) -> None:
    schema = FORMS[key]
    data = valid_data(key)
    doc = render(env, schema, data, files=FILES)
    form = submitted(doc)
    if "decision" in schema["properties"]:
        form.add("decision", data["decision"])  # the button clicked
    parsed = parse_submission(schema, form, MultiDict(), Store())
    assert parsed.problems == []
    assert parsed.data == data
    validate(FormSpec(key, schema), parsed.data)


@pytest.mark.parametrize("key", sorted(FORMS))
def test_every_field_shows_its_error(env: Environment, key: str) -> None:
    schema = FORMS[key]
    errors = {name: f"ผิดที่ {name}" for name in schema["properties"]}
    doc = render(env, schema, {}, errors)
    summary = doc.xpath("//*[@role='alert']")
    assert len(summary) == 1
    assert len(summary[0].xpath(".//li")) == len(errors)
    for name, prop in schema["properties"].items():
        if prop.get("readOnly"):
            continue
        error = by_id(doc, f"f-{name}-error")
        assert error.text_content().endswith(errors[name])
        box = field_of(doc, error)
        invalid = box.xpath("descendant-or-self::*[@aria-invalid='true']")
        if name == "decision":  # the buttons: the group is described by the error
            assert "f-decision-error" in box.get("aria-describedby")
            continue
        assert invalid, name
        assert summary[0].xpath(".//a[@href=$h]", h=f"#f-{name}")


# --- values -------------------------------------------------------------------------------------------


def test_values_are_filled_back(env: Environment) -> None:
    schema = FORMS["memo_request_form"]
    values = {
        "office_unit": "สพป.ฉะเชิงเทรา เขต 1",
        "memo_date": "2026-01-15",
        "title": "<b>ขอเผยแพร่</b>",
        "description": "บรรทัด 1\nบรรทัด 2",
        "file_formats": ["pdf", "word"],
        "delivery_channel": "amss",
    }
    doc = render(env, schema, values)
    assert by_id(doc, "f-office_unit").get("value") == "สพป.ฉะเชิงเทรา เขต 1"
    date = by_id(doc, "f-memo_date")
    assert date.get("value") == "15/01/2569" == input_date("2026-01-15")
    assert date.get("placeholder") == "วว/ดด/ปปปป (พ.ศ.)"
    assert date.get("inputmode") == "numeric"
    assert by_id(doc, "f-title").get("value") == "<b>ขอเผยแพร่</b>"  # escaped in the HTML, not markup
    assert not doc.xpath("//b")
    assert by_id(doc, "f-description").text == "บรรทัด 1\nบรรทัด 2"
    checked = [i.get("value") for i in doc.xpath("//input[@name='file_formats'][@checked]")]
    assert checked == ["pdf", "word"]
    assert [i.get("value") for i in doc.xpath("//input[@name='delivery_channel'][@checked]")] == ["amss"]
    # defaults fill empty fields, but not fields the user emptied
    assert by_id(doc, "f-purpose").text.startswith("เพื่อเผยแพร่")
    doc = render(env, schema, {"title": ""})
    assert by_id(doc, "f-title").get("value") == ""


def test_a_date_the_user_typed_wrongly_is_shown_as_typed(env: Environment) -> None:
    schema = FORMS["photo_plan_form"]
    parsed = parse_submission(schema, MultiDict({"activity_date": "31/02/2569"}), MultiDict(), Store())
    doc = render(env, schema, parsed.form_values, parsed.errors)
    date = by_id(doc, "f-activity_date")
    assert date.get("value") == "31/02/2569"
    assert date.get("aria-invalid") == "true"
    assert "ไม่มีวันที่" in by_id(doc, "f-activity_date-error").text_content()


def test_integers_booleans_and_read_only(env: Environment) -> None:
    schema = FORMS["evaluation_form"]
    doc = render(env, schema, {"views": 1234, "views_since": "2026-01-15", "evaluation_result": "ดี"})
    assert by_id(doc, "f-views").text_content().strip() == "1234"
    assert not doc.xpath("//*[@name='views' or @name='views_since']")
    schema = FORMS["group_report_form"]
    doc = render(
        env,
        schema,
        {"group_code": "policy", "system_items_published": 0},
        sources={"groups": [("policy", "กลุ่มนโยบายและแผน")]},
    )
    assert by_id(doc, "f-group_code").text_content().strip() == "กลุ่มนโยบายและแผน"
    number = by_id(doc, "f-corrected_items_published")  # the group's own figure, beside the system's
    assert number.get("value") in (None, "")
    assert number.get("inputmode") == "numeric"
    schema = FORMS["pdpa_check_form"]
    doc = render(env, schema, {"people_identifiable": True, "children_present": False})
    assert by_id(doc, "f-people_identifiable").get("checked") is not None
    assert by_id(doc, "f-children_present").get("checked") is None
    assert by_id(doc, "f-people_identifiable").get("type") == "checkbox"


def test_const_true_is_a_confirmation(env: Environment) -> None:
    doc = render(env, FORMS["publish_confirm_form"], {})
    box = by_id(doc, "f-confirmed")
    assert box.get("type") == "checkbox"
    assert box.get("aria-required") == "true"
    assert "f-confirm" in field_of(doc, box).get("class").split()
    assert box.get("checked") is None


def test_long_enums_are_a_select_short_ones_radios(env: Environment) -> None:
    doc = render(env, FORMS["define_topics_form"], {"topics": [{"topic": "ก", "frequency": "yearly"}]})
    select = by_id(doc, "f-topics-0-frequency")
    assert select.tag == "select"
    assert select.xpath("option[@selected]")[0].get("value") == "yearly"
    doc = render(env, FORMS["review_form"], {}, buttons=False)
    radios = doc.xpath("//input[@name='decision']")
    assert [r.get("type") for r in radios] == ["radio"] * 3
    assert by_id(doc, "f-decision").tag == "fieldset"


def test_sources_make_a_select_and_keep_unknown_values(env: Environment) -> None:
    sources = {"categories": [("1.1", "โครงสร้างองค์กร"), ("1.2", "ผู้บริหาร")]}
    doc = render(env, FORMS["objective_form"], {"category": "9.9"}, sources=sources)
    select = by_id(doc, "f-category")
    assert select.tag == "select"
    assert [o.get("value") for o in select.xpath("option")] == ["", "1.1", "1.2", "9.9"]
    assert select.xpath("option[@selected]")[0].get("value") == "9.9"


def test_conditional_rules_become_hints(env: Environment) -> None:
    doc = render(env, FORMS["memo_request_form"], {})
    assert "e-mail" in by_id(doc, "f-delivery_email-hint").text_content()
    assert "จำเป็นเมื่อ" in by_id(doc, "f-delivery_other-hint").text_content()


# --- files and rows -----------------------------------------------------------------------------------


def test_kept_files_show_their_names_and_hidden_ids(env: Environment) -> None:
    schema = FORMS["general_request_form"]
    doc = render(env, schema, {"attachments": [KEPT, KEPT2, "c" * 32]}, files=FILES)
    hidden = [i.get("value") for i in doc.xpath("//input[@type='hidden'][@name='attachments']")]
    assert hidden == [KEPT, KEPT2, "c" * 32]
    kept = doc.xpath("//li[contains(@class, 'f-kept-file')]")
    assert "ประกาศผลการคัดเลือก.pdf" in kept[0].text_content()
    assert "12.3 KB" in kept[0].text_content()
    assert kept[1].xpath(".//a/@href") == ["/files/bbb"]
    assert kept[1].xpath(".//img/@src") == ["/files/bbb"]
    assert "ไฟล์ที่แนบไว้" in kept[2].text_content()
    removes = doc.xpath("//input[@name='attachments._remove']")
    assert [r.get("value") for r in removes] == [KEPT, KEPT2, "c" * 32]
    upload = by_id(doc, "f-attachments")
    assert upload.get("type") == "file"
    assert upload.get("multiple") is not None
    # ticking "remove" drops the file
    form = submitted(doc)
    form.add("attachments._remove", KEPT2)
    assert parse_submission(schema, form, MultiDict(), Store()).data["attachments"] == [KEPT, "c" * 32]


def test_rows_render_one_fieldset_each(env: Environment) -> None:
    schema = FORMS["photo_caption_form"]
    values = {
        "photos": [
            {"file": KEPT2, "caption": "ภาพหมู่", "alt_text": "ครู", "publish": True},
            {"file": KEPT, "publish": False},
        ]
    }
    doc = render(env, schema, values, {"photos.1.caption": "กรุณากรอก"}, FILES)
    rows = outside_template(doc.xpath("//fieldset[contains(@class, 'f-row')]"))
    assert len(rows) == 2
    assert [r.get("id") for r in rows] == ["f-photos-0", "f-photos-1"]
    assert rows[0].xpath(".//input[@type='hidden'][@name='photos.0.file']/@value") == [KEPT2]
    assert rows[0].xpath(".//input[@type='file'][@name='photos.0.file']")
    assert by_id(doc, "f-photos-0-caption").get("value") == "ภาพหมู่"
    assert by_id(doc, "f-photos-0-publish").get("checked") is not None
    assert by_id(doc, "f-photos-1-publish").get("checked") is None
    assert by_id(doc, "f-photos-1-caption").get("aria-invalid") == "true"
    assert "ภาพกิจกรรม รายการที่ 2" in doc.xpath("//*[@role='alert']//a")[0].text_content()
    # the add button and the row template for form.js; rows stay usable without it
    assert doc.xpath("//button[@data-f-add]")[0].text_content() == "เพิ่มรายการ"
    assert len(doc.xpath("//button[@data-f-remove]")) == 3  # two rows + the template
    template = doc.xpath("//template")[0]
    assert template.xpath(".//input[@name='photos.__i__.caption']")
    # photos can also be added several at once
    assert by_id(doc, "f-photos-bulk").get("name") == "photos"


def test_an_empty_array_of_objects_starts_with_one_row(env: Environment) -> None:
    doc = render(env, FORMS["appoint_responsible_form"], {})
    rows = outside_template(doc.xpath("//fieldset[contains(@class, 'f-row')]"))
    assert len(rows) == 1
    assert by_id(doc, "f-appointees-0-user").get("name") == "appointees.0.user"


# --- decision buttons ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(k for k, s in FORMS.items() if "decision" in s["properties"]))
def test_decision_buttons(env: Environment, key: str) -> None:
    schema = FORMS[key]
    doc = render(env, schema, {})
    buttons = doc.xpath("//button[@name='decision']")
    options = schema["properties"]["decision"]["oneOf"]
    assert [b.get("value") for b in buttons] == [o["const"] for o in options]
    assert [b.text_content() for b in buttons] == [o["title"] for o in options]
    assert all(b.get("type") == "submit" for b in buttons)
    primary = [b.get("value") for b in buttons if "f-btn-primary" in b.get("class").split()]
    assert primary == [options[0]["const"]]
    assert {"approve", "recommend_allow"} & set(primary)
    hint = by_id(doc, "f-decision-hint").text_content()
    assert "เหตุผล" in hint
    assert schema["properties"]["comment"]["title"] in hint
    assert not doc.xpath("//input[@name='decision']")


# --- static files ---------------------------------------------------------------------------------------


def test_css_styles_the_classes_the_macros_use(env: Environment) -> None:
    css = CSS.read_text(encoding="utf-8")
    styled = set(re.findall(r"\.(f-[\w-]+)", css))
    used: set[str] = set()
    for key in FORMS:
        doc = render(env, FORMS[key], valid_data(key), dict.fromkeys(FORMS[key]["properties"], "ผิด"), FILES)
        used |= {c for el in doc.xpath("//*[@class]") for c in el.get("class").split()}
    modifiers = {c for c in used if c.startswith("f-field--")}
    assert used - modifiers - styled == set()
    assert "line-height: 1.6" in css or "line-height: 1.7" in css
    assert "max(1rem, 16px)" in css
    assert "min-width: 0" in css  # fieldsets do not push the page wider than a phone


def test_form_js_has_no_dependencies() -> None:
    js = JS.read_text(encoding="utf-8")
    assert "import " not in js and "require(" not in js
    for hook in ("data-f-add", "data-f-remove", "data-f-rows", "data-f-template", "__i__", "__n__"):
        assert hook in js


def test_form_level_errors_are_listed_without_a_link(env: Environment) -> None:
    doc = render(env, FORMS["review_form"], {}, {"_form": "ส่งไม่สำเร็จ", "": "ข้อมูลไม่ถูกต้อง"})
    items = doc.xpath("//*[@role='alert']//li")
    assert [li.text_content() for li in items] == ["ส่งไม่สำเร็จ", "ข้อมูลไม่ถูกต้อง"]
    assert not doc.xpath("//*[@role='alert']//a")


def test_a_list_from_a_source_is_a_checkbox_group_that_can_be_sent_empty(env: Environment) -> None:
    """The publisher's O items: one checkbox per O item of the year, ticked from the values, and a
    hidden empty value so that unticking every box still sends the field (an answer: none)."""
    schema = FORMS["publish_check_form"]
    doc = render(env, schema, {"ita_items": ["O2"]}, sources=SOURCES)
    boxes = doc.xpath("//fieldset[@id='f-ita_items']//input[@type='checkbox']")
    assert [(b.get("value"), b.get("checked") is not None) for b in boxes] == [("O1", False), ("O2", True)]
    labels = [doc.xpath(f"//label[@for='{b.get('id')}']")[0].text_content() for b in boxes]
    assert labels == ["O1 โครงสร้าง", "O2 ข้อมูลผู้บริหาร (แนะนำตามหมวดหมู่)"]
    [hidden] = doc.xpath("//fieldset[@id='f-ita_items']//input[@type='hidden']")
    assert (hidden.get("name"), hidden.get("value")) == ("ita_items", "")
