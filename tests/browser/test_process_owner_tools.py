"""Process owners' tools in Chromium (issue #12): the visual form editor (fields in order, a field added,
moved, saved and seen on a task; a refused form keeps the edit and names the field), the modeler with
nothing over the diagram and a silent console, "3 วันทำการ" as a due time, the phone's read-only view,
and a diagram from another tool opened as a draft with what to fix. Screenshots at 1280x800 and 390x844
(test-artifacts/screenshots/owner-*.png) are for a person to look at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import library
from bpmnpub.services.requests import instances

from ..services.conftest import task_id
from .conftest import no_horizontal_overflow, screenshot, sign_in, wait_until
from .test_modeler import form_of, latest_version, open_modeler, select_element
from .test_portal_a11y import axe_problems

pytestmark = pytest.mark.browser

FOREIGN = Path(__file__).resolve().parents[1] / "foreign"
PHONE = (390, 844)

# Every element's box against what bpmn-js draws over the canvas (palette, lint button, watermark).
OVERLAPS = """() => {
    const container = document.querySelector('#canvas');
    const frame = container.getBoundingClientRect();
    const covers = ['.djs-palette', '.bjsl-button', '.bjs-powered-by']
        .map(s => container.querySelector(s))
        .filter(e => e && e.offsetParent !== null && e.getBoundingClientRect().width > 0)
        .map(e => ({name: e.className.baseVal ?? e.className, box: e.getBoundingClientRect().toJSON()}));
    const registry = window.bpmnjs.get('elementRegistry');
    const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const hits = [], outside = [];
    let count = 0;
    for (const element of registry.getAll()) {
        if (!element.parent) continue;  // the root
        const box = registry.getGraphics(element).getBoundingClientRect();
        if (!box.width && !box.height) continue;
        count += 1;
        for (const cover of covers) if (overlap(box, cover.box)) hits.push([element.id, cover.name]);
        const inside = box.left >= frame.left && box.right <= frame.right
            && box.top >= frame.top && box.bottom <= frame.bottom;
        if (!inside) outside.push(element.id);
    }
    return {hits, outside, count, covers: covers.map(c => c.name)};
}"""


def console_problems(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console", lambda m: found.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
    )
    return found


@pytest.mark.parametrize("process_id", ["general_publication", "photo_publication", "memo_publication"])
def test_the_modeler_opens_with_nothing_over_the_diagram_and_a_silent_console(
    live_server: str, open_page: Any, process_id: str
) -> None:
    page = open_page()
    said = console_problems(page)
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, process_id)
    found = page.evaluate(OVERLAPS)
    assert found["count"] > 10 and "djs-palette" in " ".join(found["covers"])
    assert found["hits"] == [], found  # the start event, lane labels and every task are clear of them
    assert found["outside"] == [], found  # and the whole diagram is in view
    assert said == [], said  # no `unsupported configuration <keyboard.bindTo>` or anything else
    no_horizontal_overflow(page)
    if process_id == "general_publication":
        screenshot(page, "owner-modeler")


def test_on_a_phone_the_diagram_is_read_only(live_server: str, open_page: Any) -> None:
    page = open_page(*PHONE)
    said = console_problems(page)
    sign_in(page, live_server, "procowner1")
    page.goto(f"{live_server}/processes/general_publication/edit")
    wait_until(page, "document.body.dataset.modelerReady === 'true'")
    assert page.evaluate("document.body.dataset.modelerMode") == "view"
    assert page.locator("#canvas .djs-palette").count() == 0  # no palette over the canvas
    assert page.locator("#canvas .djs-context-pad").count() == 0
    assert not page.locator("#btn-deploy").is_visible() and not page.locator("#btn-save").is_visible()
    assert page.locator("#phone-note").is_visible()
    found = page.evaluate(OVERLAPS)
    assert found["hits"] == [] and found["count"] > 10, found
    assert page.evaluate("() => window.bpmnjs.get('modeling', false) == null")  # a viewer: nothing changes
    page.click("#btn-validate")  # checking still works
    wait_until(page, "document.getElementById('modeler-status').dataset.kind === 'ok'")
    no_horizontal_overflow(page)
    assert said == [], said
    screenshot(page, "owner-modeler")


def test_a_due_time_is_chosen_as_working_days(live_server: str, open_page: Any) -> None:
    page = open_page()
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "general_publication")
    select_element(page, "Task_GroupDirectorReview")
    units = page.locator("#mp-due-unit option").all_inner_texts()
    assert units[0] == "วันทำการ" and "กำหนดเอง (ISO 8601)" in units
    # the shipped "P3D" reads as "3 วัน"
    assert (page.locator("#mp-due-amount").input_value(), page.locator("#mp-due-unit").input_value()) == (
        "3",
        "days",
    )
    page.select_option("#mp-due-unit", "workdays")
    props = """() => Object.fromEntries((window.bpmnjs.get('elementRegistry').get('Task_GroupDirectorReview')
        .businessObject.extensionElements.values.find(v => v.$type === 'spiffworkflow:Properties')
        .properties || []).map(p => [p.name, p.value]))"""
    stored = page.evaluate(props)
    assert stored.get("dueInWorkingDays") == "3" and "dueIn" not in stored
    page.select_option("#mp-due-unit", "hours")
    stored = page.evaluate(props)
    assert stored.get("dueIn") == "PT3H" and "dueInWorkingDays" not in stored
    page.select_option("#mp-due-unit", "workdays")
    assert page.evaluate(props).get("dueInWorkingDays") == "3"
    select_element(page, "Task_GroupDirectorReview")  # shown back as it is stored
    assert page.locator("#mp-due-amount").input_value() == "3"
    assert page.locator("#mp-due-unit").input_value() == "workdays"
    assert "16.30" in page.locator("#mp-due-help").inner_text()
    screenshot(page, "owner-modeler-due")


def field_names(page: Any) -> list[str]:
    return list(
        page.locator("#fe-fields > ol > li.fe-field").evaluate_all("els => els.map(e => e.dataset.name)")
    )


def test_the_visual_form_editor_adds_and_orders_a_field_seen_on_the_task(
    ctx: ServiceContext, actor: Any, live_server: str, open_page: Any
) -> None:
    key = "general_request_form"
    deployed = form_of(ctx, "general_publication", 1, key)
    order = list(deployed["properties"])
    page = open_page()
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "general_publication")
    select_element(page, "Task_PrepareRequest")
    page.click("#mp-edit-form")
    wait_until(page, "document.getElementById('form-editor').open")
    assert field_names(page) == order  # the form's order, not alphabetical
    assert page.locator("#fe-f-category-kind").input_value() == "source"
    # the preview keeps the order and shows the category select with the office's categories
    wait_until(page, "document.querySelectorAll('#fe-preview select[name=category] option').length > 3")
    shown = page.locator("#fe-preview [name]").evaluate_all(
        "els => [...new Set(els.map(e => e.name).filter(n => !n.includes('.') && n !== 'csrf_token'))]"
    )
    assert shown == order
    # a proportional Thai font in every text box (Thai marks stay on their letters)
    for selector in ("#fe-f-title-title", "#fe-schema", "#fe-form-title"):
        family = page.eval_on_selector(selector, "e => getComputedStyle(e).fontFamily")
        assert family.startswith('"TH Sarabun New"') and "mono" not in family.lower(), (selector, family)

    page.click("#fe-add")
    added = field_names(page)[-1]
    page.fill(f"#fe-f-{added}-title", "เบอร์โทรศัพท์ติดต่อ")
    page.fill(f"#fe-f-{added}-name", "phone")
    page.press(f"#fe-f-{added}-name", "Tab")  # the name is taken when the box is left
    page.check("#fe-f-phone-required")
    for _ in range(len(order) - 1):
        page.click("#fe-f-phone .fe-up")
    assert field_names(page) == [order[0], "phone", *order[1:]]
    page.click("#fe-add")  # a choice with two options
    urgency = field_names(page)[-1]
    page.fill(f"#fe-f-{urgency}-title", "ความเร่งด่วน")
    page.select_option(f"#fe-f-{urgency}-kind", "choice")
    for title, code in (("ปกติ", "normal"), ("ด่วน", "urgent")):
        page.click(f"#fe-f-{urgency}-add-option")
        page.locator(f"#fe-f-{urgency} .fe-option-title").last.fill(title)
        page.locator(f"#fe-f-{urgency} .fe-option-code").last.fill(code)
    page.check("#fe-advanced")  # the JSON follows the fields, in their order
    schema = json.loads(page.locator("#fe-schema").input_value())
    assert list(schema["properties"]) == [order[0], "phone", *order[1:], urgency]
    assert "phone" in schema["required"]
    assert schema["properties"][urgency]["oneOf"] == [
        {"const": "normal", "title": "ปกติ"},
        {"const": "urgent", "title": "ด่วน"},
    ]
    # radios: the two options (and "not chosen", the field being optional)
    wait_until(page, f"document.querySelectorAll('#fe-preview input[name={urgency}]').length === 3")
    screenshot(page, "owner-form-editor")

    # a field without its label is refused, named, and the edit is kept
    page.fill("#fe-f-phone-title", "")
    page.click("#fe-use")
    wait_until(page, "!document.getElementById('fe-problems').hidden")
    assert page.locator("#form-editor").get_attribute("open") is not None
    assert "ใส่ชื่อที่แสดง" in page.locator("#fe-f-phone-problems").inner_text()
    assert "ใส่ชื่อที่แสดง" in page.locator("#fe-problems").inner_text()
    assert field_names(page)[1] == "phone" and page.locator("#fe-f-phone-required").is_checked()
    screenshot(page, "owner-form-editor-refused")
    page.fill("#fe-f-phone-title", "เบอร์โทรศัพท์ติดต่อ")
    page.click("#fe-use")
    wait_until(page, "!document.getElementById('form-editor').open")
    page.click("#btn-save")
    wait_until(page, "document.getElementById('modeler-status').dataset.kind === 'ok'")
    page.click("#btn-deploy")
    wait_until(page, "document.getElementById('modeler-status').textContent.includes('รุ่นที่ 2')")
    assert latest_version(ctx) == 2
    saved = form_of(ctx, "general_publication", 2, key)
    assert list(saved["properties"]) == [order[0], "phone", *order[1:], urgency]
    assert form_of(ctx, "general_publication", 1, key) == deployed  # the old version's form is kept

    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    assert started.process_version == 2
    task = open_page()
    sign_in(task, live_server, "owner1")
    task.goto(f"{live_server}/tasks/{task_id(ctx, owner, started.id)}")
    names = task.locator("main form [name]").evaluate_all(
        "els => [...new Set(els.map(e => e.name).filter(n => /^[a-z_]+$/.test(n) && n !== 'csrf_token'))]"
    )
    assert names[:3] == [order[0], "phone", order[1]], names
    assert "เบอร์โทรศัพท์ติดต่อ" in task.locator("main").inner_text()
    assert task.locator(f"main input[name={urgency}]").count() == 3
    screenshot(task, "owner-form-on-task")


def test_a_foreign_diagram_opens_as_a_draft_with_what_to_fix(
    ctx: ServiceContext, actor: Any, live_server: str, open_page: Any
) -> None:
    for width, height in ((1280, 800), PHONE):
        page = open_page(width, height)
        sign_in(page, live_server, "procowner1")
        page.goto(f"{live_server}/processes/")
        screenshot(page, "owner-library")
        if width != 1280:  # the draft imported on the desk, on a phone: read-only, with what to fix
            no_horizontal_overflow(page)
            page.goto(f"{live_server}/processes/process_0x8hvgd/edit?check=1")
            wait_until(page, "document.querySelectorAll('#modeler-problems li').length > 0")
            assert page.evaluate("document.body.dataset.modelerMode") == "view"
            no_horizontal_overflow(page)
            screenshot(page, "owner-imported-draft")
            continue
        page.set_input_files("#import-file", str(FOREIGN / "camunda7_request.bpmn"))
        page.click("#import button[type=submit]")
        page.wait_for_url("**/processes/process_0x8hvgd/edit?check=1")
        wait_until(page, "document.body.dataset.modelerReady === 'true'")
        wait_until(page, "document.querySelectorAll('#modeler-problems li').length > 0")
        items = page.locator("#modeler-problems li").all_inner_texts()
        text = "\n".join(items)
        assert "ยังไม่ได้ตั้งให้ใช้งานได้" in text and "ไม่มีช่องทำงาน" in text and "ยังไม่มีแบบฟอร์ม" in text, text
        assert all("บรรทัด" in item for item in items), items  # each names its line
        assert page.locator("#modeler-problems li[data-element-id=Activity_0req]").count() == 1
        page.click("#foreign-extensions summary")  # Camunda's own extensions: kept, listed, not read
        assert "camunda:formKey" in page.locator("#foreign-extensions").inner_text()
        page.click("body")
        page.evaluate("() => window.bpmnjs.get('selection').select([])")
        assert page.locator("#mp-executable").is_visible()  # the fix for the executable flag is at hand
        page.check("#mp-executable")
        screenshot(page, "owner-imported-draft")
        page.click("#btn-deploy")
        wait_until(page, "document.getElementById('modeler-status').dataset.kind === 'error'")
        assert latest_version(ctx, "process_0x8hvgd") == 0  # never deployed until it passes
        items = page.locator("#modeler-problems li").all_inner_texts()
        assert not any("ยังไม่ได้ตั้งให้ใช้งานได้" in i for i in items) and items, items

        # a hostile file: a clear refusal on the library page, not a server error
        page.goto(f"{live_server}/processes/")
        content = (
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
            b"&b;</bpmn:definitions>"
        )
        page.set_input_files(
            "#import-file", files=[{"name": "bomb.bpmn", "mimeType": "application/xml", "buffer": content}]
        )
        page.click("#import button[type=submit]")
        assert "XML entity" in page.locator("#import-errors").inner_text()
        screenshot(page, "owner-import-refused")
    listed = {e.process_id for e in library.list_processes(ctx, actor("procowner1"))}
    assert "process_0x8hvgd" in listed


@pytest.mark.parametrize("size", [(1280, 800), PHONE])
def test_the_library_and_the_modeler_pass_axe(
    live_server: str, open_page: Any, size: tuple[int, int]
) -> None:
    page = open_page(*size)
    sign_in(page, live_server, "procowner1")
    page.goto(f"{live_server}/processes/")
    assert axe_problems(page) == []
    open_modeler(page, live_server, "general_publication")
    if size == PHONE:
        assert axe_problems(page) == []
        return
    select_element(page, "Task_PrepareRequest")  # the panel with the due time and the form
    page.click("#mp-edit-form")
    wait_until(page, "document.querySelector('#fe-preview select[name=category]') !== null")
    assert axe_problems(page) == []
