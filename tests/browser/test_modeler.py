"""The modeler in Chromium: round-trip fidelity of the shipped diagrams, a legal-officer step added through
bpmn-js's own API and deployed, bad diagrams refused with the element marked, a deployed form edited for
the next version, and bpmn-js's own menus in the page's language."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from bpmnpub.models import HumanTask, ProcessDefinition
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import library, modeler
from bpmnpub.services.requests import instances, tasks

from ..conftest import PROCESSES
from ..services.conftest import file_request, task_id
from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok, wait_until

pytestmark = pytest.mark.browser

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SIX = sorted(p.stem for p in PROCESSES.glob("*.bpmn"))
LEGAL_FORM = """{
  "title": "ความเห็นนิติกร",
  "type": "object",
  "properties": {
    "legal_opinion": {"type": "string", "title": "ความเห็นทางกฎหมาย", "x-widget": "textarea"}
  },
  "required": ["legal_opinion"]
}"""


def _content(xml: str) -> dict[str, Any]:
    """What must survive a round trip: every id, every spiffworkflow element and attribute, the
    multi-instance data references, conditions and scripts."""
    root = etree.fromstring(xml.encode())
    ids = sorted(e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id"))
    spiff = sorted(
        (
            next((a.get("id") for a in e.iterancestors() if a.get("id")), ""),  # the element it belongs to
            etree.QName(e).localname,
            tuple(sorted(e.attrib.items())),
            (e.text or "").strip(),
        )
        for e in root.iter()
        if isinstance(e.tag, str) and e.tag.startswith(f"{{{SPIFF}}}")
    )
    spiff_attrs = sorted(
        (e.get("id") or etree.QName(e).localname, k, v)
        for e in root.iter()
        if isinstance(e.tag, str)
        for k, v in e.attrib.items()
        if k.startswith(f"{{{SPIFF}}}")
    )
    texts = sorted(
        (etree.QName(e).localname, (e.text or "").strip())
        for e in root.iter()
        if isinstance(e.tag, str)
        and etree.QName(e).localname
        in (
            "loopDataInputRef",
            "loopDataOutputRef",
            "conditionExpression",
            "script",
            "timeCycle",
            "timeDuration",
        )
    )
    return {"ids": ids, "spiff": spiff, "spiff_attrs": spiff_attrs, "texts": texts}


def open_modeler(page: Any, base: str, process_id: str) -> None:
    page.goto(f"{base}/processes/{process_id}/edit")
    wait_until(page, "document.body.dataset.modelerReady === 'true'")
    wait_until(page, "window.bpmnpubModeler.lintIssues !== null")


def lint_errors(page: Any) -> dict[str, list[str]]:
    return dict(
        page.evaluate(
            """() => Object.fromEntries(Object.entries(window.bpmnpubModeler.lintIssues)
                .map(([id, list]) => [id, list.filter(i => i.category === 'error').map(i => i.message)])
                .filter(([, list]) => list.length))"""
        )
    )


def latest_version(ctx: ServiceContext, process_id: str = "general_publication") -> int:
    with ctx.db.read() as session:
        return int(
            session.scalar(
                select(func.max(ProcessDefinition.version)).where(ProcessDefinition.process_id == process_id)
            )
            or 0
        )


def test_round_trip_keeps_every_element_and_extension(live_server: str, open_page: Any) -> None:
    page = open_page()
    sign_in(page, live_server, "procowner1")
    for process_id in SIX:
        open_modeler(page, live_server, process_id)
        original = (PROCESSES / f"{process_id}.bpmn").read_text(encoding="utf-8")
        saved = page.evaluate("async () => (await window.bpmnjs.saveXML({format: true})).xml")
        before, after = _content(original), _content(saved)
        for key in before:
            assert before[key] == after[key], f"{process_id}: {key} changed by import -> saveXML"
        assert lint_errors(page) == {}, f"{process_id}: the shipped diagram must lint clean"
        assert page.locator("#lint-status").get_attribute("data-count") == "0"
    semiannual = _content((PROCESSES / "semiannual_report.bpmn").read_text(encoding="utf-8"))
    assert ("loopDataInputRef", "report_group_codes") in semiannual["texts"]  # the case the moddle fix is for


ADD_LEGAL_STEP = """() => {
    const m = window.bpmnjs;
    const registry = m.get('elementRegistry'), modeling = m.get('modeling');
    const lane = modeling.addLane(registry.get('Lane_publisher'), 'bottom');
    const check = registry.get('Gateway_PublisherResult'), publish = registry.get('Task_PublishItem');
    const x = (check.x + check.width + publish.x) / 2;
    const task = modeling.createShape({type: 'bpmn:UserTask'}, {x, y: lane.y + lane.height / 2},
                                      registry.get('Participant_general_publication'));
    const flow = registry.get('Flow_PublisherResult_To_PublishItem');
    modeling.reconnectEnd(flow, task, {x: task.x, y: task.y + task.height / 2});
    modeling.connect(task, publish);
    return {lane: lane.id, task: task.id};
}"""


def select_element(page: Any, element_id: str) -> None:
    page.evaluate(
        "id => window.bpmnjs.get('selection').select(window.bpmnjs.get('elementRegistry').get(id))",
        element_id,
    )


def walk_to_publisher(ctx: ServiceContext, actor: Any, instance_id: int) -> None:
    for who in ("gdir_plan", "director1"):
        reviewer = actor(who)
        tasks.complete_task(
            ctx, task_id(ctx, reviewer, instance_id), {"decision": "approve", "comment": ""}, reviewer
        )
    publisher = actor("publisher1")
    tasks.complete_task(ctx, task_id(ctx, publisher, instance_id), {"certified": True}, publisher)


def test_add_a_legal_officer_step_and_deploy(
    ctx: ServiceContext, actor: Any, live_server: str, open_page: Any
) -> None:
    old_request = file_request(ctx, actor("owner1"))  # waits for the group director on version 1
    page = open_page()
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "general_publication")
    thai_font_ok(page)
    added = page.evaluate(ADD_LEGAL_STEP)
    wait_until(page, "document.getElementById('lint-status').dataset.count !== '0'")
    assert set(lint_errors(page)) >= {
        added["lane"],
        added["task"],
    }  # no role on the lane, no form on the task

    select_element(page, added["lane"])
    page.select_option("#mp-role", "legal_officer")
    select_element(page, added["task"])
    page.fill("#mp-name", "นิติกรตรวจสอบข้อกฎหมาย")
    page.press("#mp-name", "Tab")
    page.click("#mp-new-form")
    page.fill("#fe-key", "legal_check_form")
    page.check("#fe-advanced")  # the JSON behind the switch; the visual editor follows it
    page.fill("#fe-schema", LEGAL_FORM)
    wait_until(page, "document.querySelector('#fe-f-legal_opinion-title') !== null")
    wait_until(page, "document.getElementById('fe-preview').textContent.includes('ความเห็นทางกฎหมาย')")
    assert page.locator("#fe-preview textarea[name=legal_opinion]").count() == 1  # drawn by the inbox's macro
    screenshot(page, "modeler-form-editor")
    page.click("#fe-use")
    wait_until(page, "!document.getElementById('form-editor').open")
    assert page.locator("#mp-form").input_value() == "legal_check_form"
    page.fill("#mp-instructions", "ตรวจสอบว่าข้อมูลที่จะเผยแพร่ไม่ขัดต่อกฎหมาย")
    page.press("#mp-instructions", "Tab")
    page.select_option("#mp-due-unit", "days")
    page.fill("#mp-due-amount", "3")
    page.press("#mp-due-amount", "Tab")
    page.fill("#mp-carry", "legal_opinion")  # a second round shows the first round's opinion
    page.press("#mp-carry", "Tab")
    wait_until(page, "document.getElementById('lint-status').dataset.count === '0'")
    assert lint_errors(page) == {}
    screenshot(page, "modeler")

    page.click("#btn-deploy")
    wait_until(page, "document.getElementById('modeler-status').dataset.kind === 'ok'")
    assert "รุ่นที่ 2" in page.locator("#modeler-status").inner_text()
    assert latest_version(ctx) == 2
    deployed = library.version_xml(ctx, actor("procowner1"), "general_publication", 2)[0]
    assert 'name="carryOver" value="legal_opinion"' in deployed  # the panel's field, in the diagram
    assert 'name="dueIn" value="P3D"' in deployed  # "3 วัน" chosen, written as ISO 8601

    new_request = file_request(ctx, actor("owner1"))
    walk_to_publisher(ctx, actor, new_request)
    with ctx.db.read() as session:
        waiting = session.scalars(
            select(HumanTask).where(HumanTask.instance_id == new_request, HumanTask.status == "ready")
        ).all()
    assert [(t.task_spec, t.lane, t.form_key, t.name) for t in waiting] == [
        (added["task"], "legal_officer", "legal_check_form", "นิติกรตรวจสอบข้อกฎหมาย")
    ]
    legal = actor("legal1")
    done = tasks.complete_task(
        ctx, task_id(ctx, legal, new_request), {"legal_opinion": "ไม่ขัดต่อกฎหมาย"}, legal
    )
    assert (done.status, done.process_version) == ("completed", 2)

    walk_to_publisher(ctx, actor, old_request)  # the running request stays on version 1: no legal step
    old = instances.get_instance(ctx, old_request, actor("owner1"))
    assert (old.status, old.process_version) == ("completed", 1)
    assert added["task"] not in {t.task_spec for t in old.tasks}


def test_bad_diagram_is_refused_with_the_elements_marked(
    ctx: ServiceContext, live_server: str, open_page: Any
) -> None:
    page = open_page()
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "general_publication")
    select_element(page, "Flow_GroupDirectorResult_To_DirectorDecision")
    page.fill("#mp-condition", '__import__("os").system("id")')
    wait_until(page, "document.getElementById('mp-condition-result').textContent.includes('ไม่ได้')")
    page.press("#mp-condition", "Tab")
    page.evaluate(
        """() => {
            const m = window.bpmnjs, registry = m.get('elementRegistry'), modeling = m.get('modeling');
            const lane = registry.get('Lane_requester');
            modeling.updateModdleProperties(lane, lane.businessObject, {
                flowNodeRef: lane.businessObject.flowNodeRef.filter(n => n.id !== 'Task_PrepareRequest')});
            const task = registry.get('Task_CheckAndPublish');
            const values = task.businessObject.extensionElements.values;
            const props = values.find(v => v.$type === 'spiffworkflow:Properties');
            const key = props.properties.find(p => p.name === 'formKey');
            modeling.updateModdleProperties(task, key, {value: 'no_such_form'});
        }"""
    )
    wait_until(page, "Number(document.getElementById('lint-status').dataset.count) >= 2")
    assert {"Task_PrepareRequest", "Task_CheckAndPublish"} <= set(lint_errors(page))
    page.click("#btn-deploy")
    wait_until(page, "document.getElementById('modeler-status').dataset.kind === 'error'")
    listed = page.eval_on_selector_all(
        "#modeler-problems li", "items => items.map(li => li.dataset.elementId)"
    )
    expected = {"Flow_GroupDirectorResult_To_DirectorDecision", "Task_PrepareRequest", "Task_CheckAndPublish"}
    assert expected <= set(listed)
    for element_id in expected:
        marked = page.evaluate(
            "id => document.querySelector(`.djs-element[data-element-id='${id}']`)"
            ".classList.contains('has-problem')",
            element_id,
        )
        assert marked, element_id
    assert latest_version(ctx) == 1
    screenshot(page, "modeler-refused")
    small = open_page(390, 844)
    sign_in(small, live_server, "procowner1")
    open_modeler(small, live_server, "general_publication")
    no_horizontal_overflow(small)
    screenshot(small, "modeler")


def test_library_and_diff_pages(ctx: ServiceContext, actor: Any, live_server: str, open_page: Any) -> None:
    original = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")
    changed = original.replace('name="ผอ.กลุ่ม/หน่วย พิจารณา"', 'name="ผอ.กลุ่ม ตรวจและพิจารณา"', 1)
    changed = changed.replace("Flow_PublishItem_To_Published", "Flow_Check_To_Publish")
    modeler.deploy_draft(ctx, actor("procowner1"), "general_publication", changed, {}, 1)
    file_request(ctx, actor("owner1"))
    for width, height in ((1280, 800), (390, 844)):
        page = open_page(width, height)
        sign_in(page, live_server, "procowner1")
        page.goto(f"{live_server}/processes/")
        thai_font_ok(page)
        no_horizontal_overflow(page)
        screenshot(page, "process-library")
        page.click("a[href='/processes/general_publication/diff?old=1&new=2']")
        page.wait_for_url("**/diff?old=1&new=2")
        wait_until(page, "document.body.dataset.diffReady === 'true'")
        no_horizontal_overflow(page)
        screenshot(page, "process-diff")
    classes = page.evaluate(
        """() => Object.fromEntries(['diff-old', 'diff-new'].map(side => [side,
            Object.fromEntries([...document.querySelectorAll(`#${side} .djs-element`)]
                .filter(el => [...el.classList].some(c => c.startsWith('diff-')))
                .map(el => [el.dataset.elementId,
                            [...el.classList].filter(c => c.startsWith('diff-'))]))]))"""
    )
    assert classes["diff-new"] == {
        "Task_GroupDirectorReview": ["diff-changed"],
        "Flow_Check_To_Publish": ["diff-added"],
        # the tasks whose outgoing/incoming flow was renamed are not changed: flows are compared by id
    }
    assert classes["diff-old"] == {
        "Task_GroupDirectorReview": ["diff-changed"],
        "Flow_PublishItem_To_Published": ["diff-removed"],
    }


def form_of(ctx: ServiceContext, process_id: str, version: int, key: str) -> dict[str, Any]:
    with ctx.db.read() as session:
        forms = session.scalar(
            select(ProcessDefinition.forms).where(
                ProcessDefinition.process_id == process_id, ProcessDefinition.version == version
            )
        )
    return dict(forms[key])


def test_edit_a_deployed_form_for_the_next_version(
    ctx: ServiceContext, actor: Any, live_server: str, open_page: Any
) -> None:
    key, old_title = "publish_check_form", "ตรวจสอบข้อมูลก่อนเผยแพร่"
    new_title = "ตรวจสอบและรับรองข้อมูลก่อนเผยแพร่ (ฉบับปรับปรุง)"
    old_request = file_request(ctx, actor("owner1"))  # runs on version 1 with its snapshot of the form
    page = open_page()
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "general_publication")
    select_element(page, "Task_CheckAndPublish")
    assert page.locator("#mp-form-changed").count() == 0

    def edit_title(title: str) -> None:
        page.click("#mp-edit-form")
        assert page.locator("#fe-key").input_value() == key
        assert page.locator("#fe-key").get_attribute("readonly") is not None
        note = page.locator("#fe-note")
        assert note.is_visible()
        assert "รุ่นถัดไป" in note.inner_text()
        assert "regulatory_publication" in note.inner_text()  # the other process using this form is named
        schema = json.loads(page.locator("#fe-schema").input_value())  # pre-filled with the deployed schema
        assert schema["title"] == old_title
        schema["title"] = title
        page.check("#fe-advanced")
        page.fill("#fe-schema", json.dumps(schema, ensure_ascii=False, indent=2))
        wait_until(page, f"document.getElementById('fe-form-title').value === {json.dumps(title)}")
        wait_until(page, "document.querySelector('#fe-preview input, #fe-preview textarea') !== null")
        page.click("#fe-use")
        wait_until(page, "!document.getElementById('form-editor').open")

    edit_title("ชั่วคราว")
    assert page.locator("#mp-form-changed").is_visible()
    page.click("#mp-form-revert")  # back to the deployed schema: nothing left to deploy for the form
    assert page.locator("#mp-form-changed").count() == 0
    assert page.evaluate("() => Object.keys(window.bpmnpubModeler.draftForms)") == []

    edit_title(new_title)
    page.click("#mp-edit-form")  # opens the draft's edit now, still with the note
    assert json.loads(page.locator("#fe-schema").input_value())["title"] == new_title
    screenshot(page, "modeler-form-editor-deployed")
    page.click("#fe-cancel")
    changed = page.locator("#mp-form-changed")
    assert "รุ่นถัดไป" in changed.inner_text()
    assert new_title in page.locator("#mp-form option:checked").inner_text()
    screenshot(page, "modeler-form-changed")

    page.click("#btn-deploy")
    wait_until(page, "document.getElementById('modeler-status').dataset.kind === 'ok'")
    assert latest_version(ctx) == 2
    assert form_of(ctx, "general_publication", 2, key)["title"] == new_title
    assert form_of(ctx, "general_publication", 1, key)["title"] == old_title  # the old snapshot is kept
    assert latest_version(ctx, "regulatory_publication") == 1
    assert form_of(ctx, "regulatory_publication", 1, key)["title"] == old_title
    old = instances.get_instance(ctx, old_request, actor("owner1"))
    assert old.process_version == 1


ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def test_bpmn_js_menus_speak_the_page_language(live_server: str, open_page: Any) -> None:
    page = open_page()
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "general_publication")
    palette = page.eval_on_selector_all(
        ".djs-palette .entry[aria-label]", "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert "สร้างงาน" in palette
    assert "เครื่องมือมือจับ (เลื่อนแผนภาพ)" in palette
    assert [t for t in palette if ENGLISH_WORD.search(t)] == []
    page.hover(".djs-palette .entry[data-action='create.task']")
    tooltip = page.wait_for_selector(".djs-palette-tooltip-label")
    assert tooltip.inner_text() == "สร้างงาน"
    screenshot(page, "modeler-palette-tooltip")
    select_element(page, "Task_CheckAndPublish")
    pad = page.eval_on_selector_all(".djs-context-pad .entry[title]", "els => els.map(e => e.title)")
    assert "ต่อด้วยงาน" in pad
    assert [t for t in pad if ENGLISH_WORD.search(t)] == []
    page.click(".djs-context-pad .entry[data-action='replace']")
    page.wait_for_selector(".djs-popup .entry")
    menu = page.eval_on_selector_all(
        ".djs-popup .entry", "els => els.map(e => (e.title || '') + ' ' + e.textContent.trim())"
    )
    assert any("งานบริการ (อัตโนมัติ)" in m for m in menu), menu  # a user task: the others are offered
    assert [m for m in menu if ENGLISH_WORD.search(m)] == []
    screenshot(page, "modeler-replace-menu")
    page.keyboard.press("Escape")

    page.goto(f"{live_server}/lang/en?next=/processes/general_publication/edit")
    wait_until(page, "document.body.dataset.modelerReady === 'true'")
    assert page.evaluate("document.documentElement.lang") == "en"
    palette = page.eval_on_selector_all(
        ".djs-palette .entry[aria-label]", "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert "Create task" in palette
    page.goto(f"{live_server}/lang/th")
