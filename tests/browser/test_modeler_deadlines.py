"""The shipped photo diagram's reminder and escalation are drawn: non-interrupting boundary timers on the
photo shoot, each leading to its operator, shown by the modeler without a lint mark. The screenshot
(test-artifacts/screenshots/modeler-deadlines-*.png) is for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import screenshot, sign_in
from .test_modeler import lint_errors, open_modeler

pytestmark = pytest.mark.browser


def test_the_photo_shoot_shows_its_boundary_timers(live_server: str, open_page: Any) -> None:
    page = open_page(width=1600, height=900)
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "photo_publication")
    timers = page.evaluate(
        """() => window.bpmnjs.get('elementRegistry')
            .filter(e => e.type === 'bpmn:BoundaryEvent')
            .map(e => ({id: e.id, host: e.host && e.host.id,
                        interrupting: e.businessObject.cancelActivity !== false,
                        next: e.outgoing.map(f => f.target.id),
                        when: e.businessObject.eventDefinitions[0].timeDate.body}))"""
    )
    assert sorted(timers, key=lambda t: t["id"]) == [
        {
            "id": "Timer_ShootOverdue",
            "host": "Task_ShootAndSelect",
            "interrupting": False,
            "next": ["Task_EscalateShoot"],
            "when": "working_days(3, activity_date)",
        },
        {
            "id": "Timer_ShootReminder",
            "host": "Task_ShootAndSelect",
            "interrupting": False,
            "next": ["Task_RemindShoot"],
            "when": "working_days(2, activity_date)",
        },
    ]
    marked = lint_errors(page)
    assert not {"Timer_ShootOverdue", "Timer_ShootReminder", "Task_RemindShoot", "Task_EscalateShoot"} & set(
        marked
    ), marked
    # The panel shows the shoot's due time in working days, counted from the activity date; a bad
    # number is said at once and not written into the diagram.
    page.evaluate(
        "id => window.bpmnjs.get('selection').select(window.bpmnjs.get('elementRegistry').get(id))",
        "Task_ShootAndSelect",
    )
    assert page.locator("#mp-due-amount").input_value() == "3"
    assert page.locator("#mp-due-unit").input_value() == "workdays"  # shown as "3 วันทำการ"
    assert page.locator("#mp-due-from").input_value() == "activity_date"
    page.fill("#mp-due-amount", "-2")
    page.press("#mp-due-amount", "Tab")
    assert page.locator("#mp-due-amount").get_attribute("aria-invalid") == "true"
    assert "ตัวเลข" in page.locator("#mp-due-help").inner_text()
    page.fill("#mp-due-amount", "5")
    page.press("#mp-due-amount", "Tab")
    stored = page.evaluate(
        """() => Object.fromEntries(window.bpmnjs.get('elementRegistry').get('Task_ShootAndSelect')
            .businessObject.extensionElements.values.find(v => v.$type === 'spiffworkflow:Properties')
            .properties.map(p => [p.name, p.value]))"""
    )
    assert stored["dueInWorkingDays"] == "5" and "dueIn" not in stored
    page.evaluate("() => window.bpmnjs.get('selection').select([])")
    # The dashed ring of a non-interrupting event is what a person sees.
    page.evaluate(
        """() => { const canvas = window.bpmnjs.get('canvas');
                   canvas.viewbox({x: 170, y: 110, width: 1000, height: 640}); }"""
    )
    page.wait_for_timeout(300)
    path = screenshot(page, "modeler-deadlines")
    assert path.exists() and path.stat().st_size > 10_000


def test_the_supervisor_review_of_3_3_escalates_by_reassigning(live_server: str, open_page: Any) -> None:
    page = open_page(width=1600, height=900)
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "regulatory_publication")
    found = page.evaluate(
        """() => { const r = window.bpmnjs.get('elementRegistry');
                   return ['Timer_ReviewReminder', 'Timer_ReviewOverdue'].map(id => {
                       const e = r.get(id);
                       return [e.host.id, e.businessObject.cancelActivity, e.outgoing[0].target.id]; }); }"""
    )
    assert found == [
        ["Task_SupervisorReview", False, "Task_RemindReview"],
        ["Task_SupervisorReview", False, "Task_EscalateReview"],
    ]
    assert not {"Timer_ReviewReminder", "Timer_ReviewOverdue"} & set(lint_errors(page))
    page.evaluate("() => window.bpmnjs.get('canvas').viewbox({x: 560, y: 70, width: 1000, height: 800})")
    page.wait_for_timeout(300)
    assert screenshot(page, "modeler-deadlines-3-3").stat().st_size > 10_000
