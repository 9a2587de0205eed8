"""What admins read: the request list with its filters, one request on its diagram, the statistics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bpmnpub.errors import PermissionDeniedError
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import admin_page, instances, monitoring, statistics, tasks
from bpmnpub.services.requests.monitoring import InstanceFilters
from bpmnpub.thaidate import local_date

from .conftest import file_request, request_data, task_id, upload_pdf

REVISE = {"decision": "revise", "comment": "แนบฉบับลงนาม"}


def ids(ctx: ServiceContext, admin: Any, **filters: Any) -> list[int]:
    return [row.id for row in monitoring.list_instances(ctx, admin, InstanceFilters(**filters)).items]


def test_list_filters_and_pages(ctx: ServiceContext, actor: Any, clock: Any) -> None:
    admin, owner1, owner2 = actor("admin1"), actor("owner1"), actor("owner2")
    first = file_request(ctx, owner1)
    clock.advance(days=4)
    second = file_request(ctx, owner2)
    third = instances.start_instance(ctx, "photo_publication", None, owner1).id
    # `third` is owner1's draft (its first form not sent): in no admin list, under any filter
    assert ids(ctx, admin) == [second, first]
    assert ids(ctx, admin, requester="owner1") == [first]
    assert third not in ids(ctx, admin, process_id="photo_publication") + ids(ctx, admin, status="running")
    assert ids(ctx, admin, group="hr") == [second] or ids(ctx, admin, requester="owner2") == [second]
    assert ids(ctx, admin, process_id="general_publication", version=1) == [second, first]
    assert ids(ctx, admin, process_id="general_publication", version=9) == []
    assert ids(ctx, admin, status="completed") == []
    today = local_date(clock.current)
    assert ids(ctx, admin, created_from=today) == [second]
    assert ids(ctx, admin, created_to=today - timedelta(days=1)) == [first]
    assert ids(ctx, admin, overdue=True) == [first]  # the group director's review is due in 3 days
    assert ids(ctx, admin, waiting_days=3) == [first]
    assert ids(ctx, admin, q="คัดเลือก") == [second, first]
    page = monitoring.list_instances(ctx, admin, InstanceFilters(), page=2, per_page=1)
    assert [r.id for r in page.items] == [first] and page.total == 2 and page.pages == 2
    with pytest.raises(PermissionDeniedError):
        monitoring.list_instances(ctx, owner1, InstanceFilters())


def test_page_marks_a_revise_loop_and_counts_rounds(ctx: ServiceContext, actor: Any, clock: Any) -> None:
    admin, owner, gdir = actor("admin1"), actor("owner1"), actor("gdir_plan")
    instance_id = file_request(ctx, owner)
    for _ in range(2):
        clock.advance(hours=5)
        tasks.complete_task(ctx, task_id(ctx, gdir, instance_id), REVISE, gdir)
        clock.advance(hours=1)
        tasks.complete_task(
            ctx, task_id(ctx, owner, instance_id), request_data(upload_pdf(ctx, owner)), owner
        )
    clock.advance(hours=2)
    page = admin_page.get_instance_page(ctx, instance_id, admin)
    assert page.marks.active == ["Task_GroupDirectorReview"]
    assert page.marks.completed == [
        "Gateway_GroupDirectorResult",
        "Gateway_LegalScreen",  # every revision passes the legal screen again (issue 11)
        "StartEvent_Request",
        "Task_PrepareRequest",
        "Task_ReviseForGroupDirector",
    ]
    assert page.marks.failed == []
    assert sorted(page.marks.flows) == sorted(
        [
            "Flow_Request_To_PrepareRequest",
            "Flow_PrepareRequest_To_LegalScreen",
            "Flow_LegalScreen_To_GroupDirectorReview",
            "Flow_GroupDirectorReview_To_GroupDirectorResult",
            "Flow_GroupDirectorResult_To_ReviseForGroupDirector",
            "Flow_ReviseForGroupDirector_To_LegalScreen",
        ]
    )
    steps = {s.spec_id: s for s in page.steps}
    review = steps["Task_GroupDirectorReview"]
    assert (review.rounds, review.open, review.seconds) == (3, True, (5 + 5 + 2) * 3600)
    assert steps["Task_ReviseForGroupDirector"].rounds == 2
    assert page.data["title"] and "<bpmn:definitions" in page.diagram_xml
    assert [e.action for e in page.events][:2] == ["started", "task_completed"]


def test_statistics_per_element(ctx: ServiceContext, actor: Any, clock: Any) -> None:
    admin, owner, gdir, director = actor("admin1"), actor("owner1"), actor("gdir_plan"), actor("director1")
    for hours in (1, 2, 10):
        instance_id = file_request(ctx, owner)
        clock.advance(hours=hours)
        tasks.complete_task(ctx, task_id(ctx, gdir, instance_id), {"decision": "approve"}, gdir)
    tasks.complete_task(
        ctx, task_id(ctx, director, instance_id), {"decision": "reject", "comment": "ไม่"}, director
    )
    stats = statistics.process_stats(ctx, admin, "general_publication")
    by = {e.spec_id: e for e in stats.elements}
    assert stats.instances == 3 and by["StartEvent_Request"].count == 3
    assert by["Task_GroupDirectorReview"].count == 3
    assert (by["Task_GroupDirectorReview"].median, by["Task_GroupDirectorReview"].p90) == (7200.0, 36000.0)
    assert by["Task_DirectorDecision"].count == 3 and by["Task_DirectorDecision"].median == 0.0
    assert by["End_Rejected"].count == 1
    assert "Task_CheckAndPublish" in by and by["Task_CheckAndPublish"].count == 0
    later = statistics.process_stats(
        ctx, admin, "general_publication", date_from=local_date(clock.current) + timedelta(days=1)
    )
    assert all(e.count == 0 for e in later.elements)
    with pytest.raises(PermissionDeniedError):
        statistics.process_stats(ctx, owner, "general_publication")
