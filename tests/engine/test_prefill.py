"""What the model says each task's form may start from (engine/prefill.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.engine import Engine
from bpmnpub.errors import DiagramError

from .conftest import PROCESSES


def tasks_of(engine: Engine, forms: dict[str, Any], stem: str) -> dict[str, Any]:
    path = PROCESSES / f"{stem}.bpmn"
    model = engine.inspect(path.read_bytes(), path.name, frozenset(forms)).model
    assert model.declares_carry_over
    return {t.id: t for t in model.user_tasks}


def test_the_requesters_first_task_starts_and_revise_tasks_carry_everything(
    engine: Engine, forms: dict[str, Any]
) -> None:
    found = tasks_of(engine, forms, "general_publication")
    assert [t for t, info in found.items() if info.starts] == ["Task_PrepareRequest"]
    assert found["Task_ReviseForDirector"].carries("attachments")
    publisher = found["Task_CheckAndPublish"]
    assert not publisher.carries("certified") and not publisher.carries("publish_note")
    review = found["Task_GroupDirectorReview"]
    assert review.script_fields == ("decision", "comment") and not review.carries("title")


def test_named_fields_and_prescript_values_carry_over_and_nothing_else(
    engine: Engine, forms: dict[str, Any]
) -> None:
    report = tasks_of(engine, forms, "semiannual_report")["Task_GroupReport"]
    assert report.carry_over == ("group_code",)
    assert report.carries("group_code") and report.carries(
        "system_items_published"
    )  # the preScript computes it
    assert not report.carries("results") and not report.starts  # the first step is not the requester's


@pytest.mark.parametrize("value", ["", "title;comment", "*,title", "bad name"])
def test_a_carry_over_that_is_not_a_list_of_names_is_refused_with_its_element(
    engine: Engine, forms: dict[str, Any], value: str
) -> None:
    xml = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('name="carryOver" value="*"', f'name="carryOver" value="{value}"', 1)
    with pytest.raises(DiagramError) as refused:
        engine.inspect(xml.encode(), "general_publication.bpmn", frozenset(forms))
    assert [p.element_id for p in refused.value.problems] == ["Task_ReviseForLegalOfficer"]
    assert "carryOver" in refused.value.problems[0].message
