"""The modeler marks a timer outside the window while drawing, as the server's check refuses it."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import sign_in, wait_until
from .test_modeler import lint_errors, open_modeler

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("literal", "words"),
    [
        ('"P10000000Y"', "10 ปี"),
        ('"PT0S"', "มากกว่าศูนย์"),
        ('"1999-01-01T00:00:00+07:00"', "2000"),
    ],
)
def test_a_hostile_timer_is_marked_while_drawing(
    live_server: str, open_page: Any, literal: str, words: str
) -> None:
    page = open_page()
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "regulatory_publication")
    assert "Timer_EvaluationWait" not in lint_errors(page)
    kind = "timeDate" if literal.startswith('"1') else "timeDuration"
    page.evaluate(
        """([kind, literal]) => {
            const m = window.bpmnjs, registry = m.get('elementRegistry'), modeling = m.get('modeling');
            const moddle = m.get('moddle');
            const timer = registry.get('Timer_EvaluationWait');
            const definition = timer.businessObject.eventDefinitions[0];
            const expression = moddle.create('bpmn:FormalExpression', {body: literal});
            modeling.updateModdleProperties(timer, definition, {timeDuration: undefined, [kind]: expression});
        }""",
        [kind, literal],
    )
    wait_until(page, "'Timer_EvaluationWait' in window.bpmnpubModeler.lintIssues")
    [message] = lint_errors(page)["Timer_EvaluationWait"]
    assert words in message and literal.strip('"') in message


def test_a_cycle_without_a_count_is_marked_on_a_catch_event(live_server: str, open_page: Any) -> None:
    page = open_page()
    sign_in(page, live_server, "procowner1")
    open_modeler(page, live_server, "regulatory_publication")
    page.evaluate(
        """() => {
            const m = window.bpmnjs, registry = m.get('elementRegistry'), modeling = m.get('modeling');
            const timer = registry.get('Timer_EvaluationWait');
            const definition = timer.businessObject.eventDefinitions[0];
            const cycle = m.get('moddle').create('bpmn:FormalExpression', {body: '"R/PT1H"'});
            modeling.updateModdleProperties(timer, definition, {timeDuration: undefined, timeCycle: cycle});
        }"""
    )
    wait_until(page, "'Timer_EvaluationWait' in window.bpmnpubModeler.lintIssues")
    [message] = lint_errors(page)["Timer_EvaluationWait"]
    assert "R3/" in message
