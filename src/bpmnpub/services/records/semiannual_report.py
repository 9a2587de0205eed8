"""The six-monthly report of one `semiannual_report` request: the period's figures (`semiannual.py`),
each group's commentary and stated figure (beside the system's, never instead of it), the compiler's
summary and the director's acknowledgement; shown on the staff pages, and filed as PDF, CSV and XLSX
by the request's `file_semiannual_report` step (which the publish step then attaches)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from ... import thaidate
from ...engine import OperatorCall
from ...errors import NotFoundError, ValidationError
from ...models import Group, HumanTask, ItaItem, ProcessInstance, User
from ...permissions import Actor
from ..files import file_access
from ..files.storage import CheckedUpload, store_upload
from ..kernel import membership, office_settings
from ..kernel.context import Registry, ServiceContext, StepScope
from ..procedures.versions import spec_for
from . import semiannual
from .report_document import FORMATS, GroupReport, ReportFile, ReportView, render, report_charts
from .semiannual import Figures, Period

PROCESS = semiannual.REPORT_PROCESS
GROUP_STEPS = ("Task_GroupReport", "Task_DeputyGroupReport")
# Data keys the report shows in its own shape: pages leave them out of the raw request details.
RAW_KEYS = frozenset(
    {
        "published_summary",
        "group_code",
        "system_items_published",
        "published_counts",
        "report_group_codes",
        "deputy_group_codes",
        "group_reports",
        "deputy_group_reports",
        "report_period",
        "report_files",
        "published_item",
        "summary",
        "title",
    }
)


def is_report(process_id: str) -> bool:
    return process_id == PROCESS


def hidden_keys(process_id: str) -> tuple[str, ...]:
    """Request data a page leaves out of its details: a report's figures and group answers are shown by
    the report itself."""
    return tuple(sorted(RAW_KEYS)) if is_report(process_id) else ()


def get_report(ctx: ServiceContext, instance_id: int, actor: Actor) -> ReportView:
    """A `semiannual_report` request's report as it stands. Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        instance = membership.readable_instance(session, actor, instance_id)
        if not is_report(instance.process_id):
            raise NotFoundError(f"request {instance_id} is not a six-monthly report")
        return report_in(ctx, session, instance)


def report_in(ctx: ServiceContext, session: Session, instance: ProcessInstance) -> ReportView:
    """The report of a `semiannual_report` request already read for a reader checked."""
    return _assemble(ctx, session, instance, _data(ctx, session, instance), ctx.now())


def report_file(ctx: ServiceContext, instance_id: int, actor: Actor, kind: str) -> ReportFile:
    """The report as it stands, as PDF, CSV or XLSX. Raises NotFoundError, PermissionDeniedError,
    ValidationError (unknown kind)."""
    if kind not in FORMATS:
        raise ValidationError("unknown report format", [])
    with ctx.db.read() as session:
        settings = office_settings.load(session)
    view = get_report(ctx, instance_id, actor)
    return render(view, settings, kind)


def file_report(
    ctx: ServiceContext, session: Session, instance: ProcessInstance, data: Mapping[str, Any], now: datetime
) -> dict[str, str]:
    """The `file_semiannual_report` step: render the report as PDF, CSV and XLSX and keep the three
    files with the request (in the step's transaction). Returns {"pdf": id, "csv": id, "xlsx": id}."""
    view = _assemble(ctx, session, instance, dict(data), now)
    settings = office_settings.load(session)
    filed = {}
    for kind, content_type in FORMATS.items():
        rendered = render(view, settings, kind)
        upload = CheckedUpload(rendered.filename, content_type, rendered.content, None)
        filed[kind] = store_upload(ctx, session, upload, actor_id=None).id
    file_access.record_request_files(session, instance.id, [("report_files", i) for i in filed.values()], now)
    return filed


def file_semiannual_report(scope: StepScope, call: OperatorCall) -> dict[str, str]:
    """The operator `file_semiannual_report`: the report filed with its request (see `file_report`)."""
    return file_report(scope.ctx, scope.session, scope.instance, call.data, scope.now)


def count_published_items(scope: StepScope, call: OperatorCall) -> dict[str, Any]:
    """The operator `count_published_items`: the six-monthly figures so far (`semiannual.summary`)."""
    return semiannual.summary(scope.session, call.now)


OPERATORS: Registry = {
    "count_published_items": count_published_items,
    "file_semiannual_report": file_semiannual_report,
}


def ita_item_choices(ctx: ServiceContext) -> list[tuple[str, str]]:
    """The O items of the current fiscal year, for the director's choice of where the report is filed."""
    with ctx.db.read() as session:
        return ita_item_choices_in(session, ctx.now())


def ita_item_choices_in(session: Session, now: datetime) -> list[tuple[str, str]]:
    rows = session.execute(
        select(ItaItem.code, ItaItem.title)
        .where(ItaItem.fiscal_year == thaidate.fiscal_year(now))
        .order_by(ItaItem.sort_order, ItaItem.id)
    ).all()
    return [(code, f"{code} {title}") for code, title in rows]


def _data(ctx: ServiceContext, session: Session, instance: ProcessInstance) -> dict[str, Any]:
    state = session.scalar(select(ProcessInstance.state).where(ProcessInstance.id == instance.id)) or ""
    parsed = spec_for(ctx, session, instance.definition)
    return dict(ctx.engine.inspect_state(parsed, state, ctx.now()).data)


def _evaluation_texts(ctx: ServiceContext, session: Session, period: Period) -> dict[int, dict[str, Any]]:
    """The answers of each evaluation form done in the period (kept in its request's data)."""
    ids = [i for i, _ in semiannual.evaluated_requests(session, period)]
    if not ids:
        return {}
    texts = {}
    rows = session.scalars(
        select(ProcessInstance).where(ProcessInstance.id.in_(ids)).options(undefer(ProcessInstance.state))
    )
    for instance in rows:
        data = ctx.engine.inspect_state(
            spec_for(ctx, session, instance.definition), instance.state, ctx.now()
        ).data
        texts[instance.id] = {k: data.get(k) for k in ("evaluation_result", "lessons")}
    return texts


def _assemble(
    ctx: ServiceContext, session: Session, instance: ProcessInstance, data: dict[str, Any], now: datetime
) -> ReportView:
    period = semiannual.period_of(data, instance.created_at)
    summary = data.get("published_summary") if isinstance(data.get("published_summary"), dict) else {}
    assert isinstance(summary, dict)
    directed = [str(c) for c in summary.get("group_codes") or []]
    deputy = [str(c) for c in summary.get("deputy_group_codes") or []]
    figures = semiannual.compute_figures(
        session, period, now, _evaluation_texts(ctx, session, period), groups=directed + deputy
    )
    names = {g.code: g.name for g in session.scalars(select(Group))}
    said = {
        str(r.get("group_code")): r
        for key in ("group_reports", "deputy_group_reports")
        for r in (data.get(key) or [])
        if isinstance(r, dict)
    }
    who = _group_steps(session, instance.id)
    groups = tuple(
        _group_report(
            code, names.get(code, code), code in deputy, figures.group(code), said.get(code), who.get(code)
        )
        for code in sorted(directed + deputy, key=lambda c: (c in deputy, names.get(c, c)))
    )
    compiler = _completer(session, instance.id, "Task_CompileReport")
    director = _completer(session, instance.id, "Task_DirectorAcknowledge")
    files = data.get("report_files")
    return ReportView(
        instance_id=instance.id,
        title=str(data.get("title") or instance.title),
        period=period,
        figures=figures,
        groups=groups,
        deputy_groups=tuple(names.get(c, c) for c in deputy),
        summary=str(data.get("summary") or ""),
        compiled_by=compiler.full_name if compiler else None,
        compiler_position=compiler.position if compiler else None,
        director_comment=str(data.get("comment") or "") if director else "",
        acknowledged_by=director.full_name if director else None,
        charts=report_charts(figures, thai=False),
        filed={str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {},
        made_at=now,
    )


def _group_steps(session: Session, instance_id: int) -> dict[str, tuple[HumanTask, User | None]]:
    rows = session.execute(
        select(HumanTask, Group.code, User)
        .join(Group, Group.id == HumanTask.scope_group_id)
        .outerjoin(User, User.id == HumanTask.completed_by_id)
        .where(HumanTask.instance_id == instance_id, HumanTask.task_spec.in_(GROUP_STEPS))
        .order_by(HumanTask.id)
    ).all()
    return {code: (task, user) for task, code, user in rows if task.status != "cancelled"}


def _completer(session: Session, instance_id: int, step: str) -> User | None:
    return session.scalar(
        select(User)
        .join(HumanTask, HumanTask.completed_by_id == User.id)
        .where(
            HumanTask.instance_id == instance_id, HumanTask.task_spec == step, HumanTask.status == "completed"
        )
        .order_by(HumanTask.id.desc())
        .limit(1)
    )


def _group_report(
    code: str,
    name: str,
    via_deputy: bool,
    figures: Figures,
    said: dict[str, Any] | None,
    step: tuple[HumanTask, User | None] | None,
) -> GroupReport:
    said = said or {}
    task, user = step if step else (None, None)
    done = bool(said) and task is not None and task.status == "completed"
    corrected = said.get("corrected_items_published")
    if corrected is None and isinstance(said.get("items_published"), int):
        # A report from a diagram version before the corrected figure had its own field.
        stated = int(said["items_published"])
        corrected = stated if stated != figures.published else None
    return GroupReport(
        code=code,
        name=name,
        via_deputy=via_deputy,
        done=done,
        reporter=user.full_name if done and user else None,
        reporter_position=user.position if done and user else None,
        reported_at=task.completed_at if done and task else None,
        system_published=figures.published,
        corrected_published=int(corrected) if isinstance(corrected, int) else None,
        correction_reason=str(said.get("correction_reason") or ""),
        results=str(said.get("results") or ""),
        problems=str(said.get("problems") or ""),
        suggestions=str(said.get("suggestions") or ""),
    )
