"""The six-monthly report of one `semiannual_report` request: the period's figures (`semiannual.py`),
each group's commentary and stated figure (beside the system's, never instead of it), the compiler's
summary and the director's acknowledgement; shown on the staff pages, and filed as PDF, CSV and XLSX
by the request's `file_semiannual_report` step (which the publish step then attaches)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from .. import thaidate
from ..documents import charts
from ..documents.report import (
    EvaluationNote,
    GroupNote,
    ReportDocument,
    Table,
    render_csv,
    render_pdf,
    render_xlsx,
)
from ..errors import NotFoundError, ValidationError
from ..models import Group, HumanTask, ItaItem, ProcessInstance, User
from ..permissions import Actor
from . import access, office, semiannual
from .context import ServiceContext
from .files import CheckedUpload, store_upload
from .semiannual import Figures, Period, PeriodFigures

PROCESS = semiannual.REPORT_PROCESS
GROUP_STEPS = ("Task_GroupReport", "Task_DeputyGroupReport")
FORMATS = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
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
DEPUTY_NOTE = (
    "กลุ่มที่มีผลงานในรอบแต่ไม่มีผู้อำนวยการกลุ่มในระบบ ({groups}) ส่งให้รองผู้อำนวยการ สพป. รายงานแทน "
    "ระบบยังไม่ได้กำหนดว่ารองผู้อำนวยการคนใดกำกับดูแลกลุ่มใด จึงส่งถึงรองผู้อำนวยการทุกคน"
)


def is_report(process_id: str) -> bool:
    return process_id == PROCESS


def hidden_keys(process_id: str) -> tuple[str, ...]:
    """Request data a page leaves out of its details: a report's figures and group answers are shown by
    the report itself."""
    return tuple(sorted(RAW_KEYS)) if is_report(process_id) else ()


@dataclass(frozen=True)
class GroupReport:
    """A group's part of the report; `done` False while its director (or the deputy) has not reported."""

    code: str
    name: str
    via_deputy: bool
    done: bool
    reporter: str | None
    reporter_position: str | None
    reported_at: datetime | None
    system_published: int
    corrected_published: int | None
    correction_reason: str
    results: str
    problems: str
    suggestions: str


@dataclass(frozen=True)
class ReportView:
    """What the staff pages show of a report (the PDF is made from the same values)."""

    instance_id: int
    title: str
    period: Period
    figures: PeriodFigures
    groups: tuple[GroupReport, ...]
    deputy_groups: tuple[str, ...]  # names of the groups the deputy director reports for
    summary: str
    compiled_by: str | None
    compiler_position: str | None
    director_comment: str
    acknowledged_by: str | None
    charts: tuple[str, ...]  # inline SVG
    filed: dict[str, str]  # "pdf"/"csv"/"xlsx" -> stored file id, once the report is filed
    made_at: datetime


@dataclass(frozen=True)
class ReportFile:
    filename: str
    content_type: str
    content: bytes


def get_report(ctx: ServiceContext, instance_id: int, actor: Actor) -> ReportView:
    """A `semiannual_report` request's report as it stands. Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        instance = access.readable_instance(session, actor, instance_id)
        if not is_report(instance.process_id):
            raise NotFoundError(f"request {instance_id} is not a six-monthly report")
        return _assemble(ctx, session, instance, _data(ctx, session, instance), ctx.now())


def report_file(ctx: ServiceContext, instance_id: int, actor: Actor, kind: str) -> ReportFile:
    """The report as it stands, as PDF, CSV or XLSX. Raises NotFoundError, PermissionDeniedError,
    ValidationError (unknown kind)."""
    if kind not in FORMATS:
        raise ValidationError("unknown report format", [])
    with ctx.db.read() as session:
        settings = office.load(session)
    view = get_report(ctx, instance_id, actor)
    return _render(view, settings, kind)


def file_report(
    ctx: ServiceContext, session: Session, instance: ProcessInstance, data: Mapping[str, Any], now: datetime
) -> dict[str, str]:
    """The `file_semiannual_report` step: render the report as PDF, CSV and XLSX and keep the three
    files with the request (in the step's transaction). Returns {"pdf": id, "csv": id, "xlsx": id}."""
    view = _assemble(ctx, session, instance, dict(data), now)
    settings = office.load(session)
    filed = {}
    for kind, content_type in FORMATS.items():
        rendered = _render(view, settings, kind)
        upload = CheckedUpload(rendered.filename, content_type, rendered.content, None)
        filed[kind] = store_upload(ctx, session, upload, actor_id=None).id
    return filed


def ita_item_choices(ctx: ServiceContext) -> list[tuple[str, str]]:
    """The O items of the current fiscal year, for the director's choice of where the report is filed."""
    year = thaidate.fiscal_year(ctx.now())
    with ctx.db.read() as session:
        rows = session.execute(
            select(ItaItem.code, ItaItem.title)
            .where(ItaItem.fiscal_year == year)
            .order_by(ItaItem.sort_order, ItaItem.id)
        ).all()
    return [(code, f"{code} {title}") for code, title in rows]


def _data(ctx: ServiceContext, session: Session, instance: ProcessInstance) -> dict[str, Any]:
    # Imported here: progress imports publishing, whose operator imports this module.
    from .progress import spec_for

    state = session.scalar(select(ProcessInstance.state).where(ProcessInstance.id == instance.id)) or ""
    parsed = spec_for(ctx, session, instance.definition)
    return dict(ctx.engine.inspect_state(parsed, state, ctx.now()).data)


def _evaluation_texts(ctx: ServiceContext, session: Session, period: Period) -> dict[int, dict[str, Any]]:
    """The answers of each evaluation form done in the period (kept in its request's data)."""
    from .progress import spec_for

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
        charts=_charts(figures, thai=False),
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


def _charts(figures: PeriodFigures, *, thai: bool) -> tuple[str, ...]:
    series = ("เผยแพร่", "ถอนออก")
    by_category = [
        charts.BarRow(_short(f"{row.code} {row.name}".strip()), (row.published, row.withdrawn))
        for row in figures.by_category
        if row.published or row.withdrawn
    ]
    by_group = [
        charts.BarRow(row.name, (row.published, row.withdrawn)) for row in figures.by_group if row.code
    ]
    views = [charts.BarRow(row.name, (row.views,)) for row in figures.by_group if row.code]
    return (
        charts.bar_chart("รายการที่เผยแพร่และถอนออก รายหมวดข้อมูล", series, by_category, thai=thai),
        charts.bar_chart("รายการที่เผยแพร่และถอนออก รายกลุ่ม/หน่วย", series, by_group, thai=thai),
        charts.bar_chart("จำนวนการเข้าชม รายกลุ่ม/หน่วย", ("เข้าชม",), views, thai=thai),
    )


def _short(label: str, limit: int = 40) -> str:
    """A chart's row label: the catalogue's category names run to several lines."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


HEADERS = ("เผยแพร่", "ถอนออก", "เข้าชม", "เวลาเฉลี่ย (วัน)", "รอบแก้ไข", "เกินกำหนด", "ประเมินผล")


def _cells(row: Figures) -> tuple[int | float | None, ...]:
    return (
        row.published,
        row.withdrawn,
        row.views,
        row.median_days,
        row.revise_rounds,
        row.overdue_steps,
        row.evaluations,
    )


def tables(view: ReportView) -> tuple[Table, ...]:
    """The report's tables: per category, per group (with the figure each group states beside the
    system's), and the groups' corrections with their reasons."""
    figures = view.figures
    stated = {g.code: g.corrected_published for g in view.groups}
    by_category = Table(
        "ตารางที่ 1 ผลการเผยแพร่ รายหมวดข้อมูล",
        ("หมวดข้อมูล", *HEADERS),
        tuple((f"{r.code} {r.name}".strip(), *_cells(r)) for r in figures.by_category),
        ("รวม", *_cells(figures.total)),
        sheet="รายหมวด",
    )
    by_group = Table(
        "ตารางที่ 2 ผลการเผยแพร่ รายกลุ่ม/หน่วย",
        ("กลุ่ม/หน่วย", "เผยแพร่ (ระบบ)", "เผยแพร่ (กลุ่มรายงาน)", *HEADERS[1:]),
        tuple((r.name, r.published, stated.get(r.code), *_cells(r)[1:]) for r in figures.by_group),
        ("รวม", figures.total.published, None, *_cells(figures.total)[1:]),
        sheet="รายกลุ่ม",
    )
    corrections = Table(
        "ตารางที่ 3 ตัวเลขที่กลุ่ม/หน่วยรายงานต่างจากระบบ",
        ("กลุ่ม/หน่วย", "ตามระบบ", "ตามที่กลุ่มรายงาน", "เหตุผล"),
        tuple(
            (g.name, g.system_published, g.corrected_published, g.correction_reason)
            for g in view.groups
            if g.corrected_published is not None
        ),
        sheet="ตัวเลขที่กลุ่มรายงาน",
    )
    return (by_category, by_group, corrections) if corrections.rows else (by_category, by_group)


def document(view: ReportView, settings: office.OfficeSettings) -> ReportDocument:
    """The report as the office's memo to the director."""
    total = view.figures.total
    period = view.period.label()
    names = {g.code: g.name for g in view.groups}
    notes = []
    if view.deputy_groups:
        notes.append(DEPUTY_NOTE.format(groups=", ".join(view.deputy_groups)))
    missing = [g.name for g in view.groups if not g.done]
    if missing:
        notes.append(f"ยังไม่ได้รายงาน: {', '.join(missing)}")
    return ReportDocument(
        title=view.title,
        office_unit=settings.name,
        date=thaidate.format_date(view.made_at, long=True),
        subject=f"รายงานผลการเผยแพร่ข้อมูลข่าวสารต่อสาธารณะ รอบ 6 เดือน {period}",
        to=f"ผู้อำนวยการ{settings.name}",
        period=period,
        paragraphs=(
            f"ตามมาตรการการเผยแพร่ข้อมูลข่าวสารต่อสาธารณะของ{settings.name} ข้อ 4 การติดตามและรายงานผล "
            "กำหนดให้ผู้อำนวยการกลุ่ม/หน่วย รายงานผลการเผยแพร่ข้อมูลข่าวสารทุก 6 เดือน นั้น",
            f"บัดนี้ ได้รวบรวมผลการดำเนินงาน{period} เสร็จแล้ว ในรอบนี้มีการเผยแพร่ข้อมูลบนเว็บไซต์ "
            f"{total.published} รายการ ถอนออก {total.withdrawn} รายการ มีผู้เข้าชม {total.views} ครั้ง "
            f"ผู้พิจารณาส่งกลับให้แก้ไข {total.revise_rounds} ครั้ง ขั้นตอนที่เกินกำหนด {total.overdue_steps} "
            f"ขั้นตอน และประเมินผลการเผยแพร่ {total.evaluations} เรื่อง รายละเอียดดังนี้",
        ),
        tables=tables(view),
        charts=_charts(view.figures, thai=settings.thai_digits),
        groups=tuple(
            GroupNote(
                group=g.name,
                reporter=(
                    f"รายงานโดย {g.reporter} {g.reporter_position or ''}".strip()
                    if g.done
                    else "ยังไม่ได้รายงาน"
                ),
                via_deputy=g.via_deputy,
                system_published=g.system_published,
                corrected_published=g.corrected_published,
                correction_reason=g.correction_reason,
                results=g.results,
                problems=g.problems,
                suggestions=g.suggestions,
            )
            for g in view.groups
        ),
        evaluations=tuple(
            EvaluationNote(
                measure=e.measure,
                title=e.title,
                group=names.get(e.group_code) or _group_name(view, e.group_code),
                date=thaidate.format_date(e.at),
                result=e.result,
                lessons=e.lessons,
            )
            for e in view.figures.evaluations
        ),
        summary=view.summary,
        closing="จึงเรียนมาเพื่อโปรดทราบ และพิจารณาเผยแพร่รายงานนี้บนเว็บไซต์ของสำนักงาน",
        signer_name=view.compiled_by or "",
        signer_position=view.compiler_position or "",
        footer=f"คำขอเลขที่ {view.instance_id} · พิมพ์จากระบบเมื่อ {thaidate.format_datetime(view.made_at)}",
        notes=tuple(notes),
        thai_digits=settings.thai_digits,
    )


def _group_name(view: ReportView, code: str) -> str:
    return next((r.name for r in view.figures.by_group if r.code == code), code)


def _render(view: ReportView, settings: office.OfficeSettings, kind: str) -> ReportFile:
    doc = document(view, settings)
    stem = f"รายงานผลการเผยแพร่-6เดือน-ปีงบ{view.period.fiscal_year}-{'1' if view.period.first_half else '2'}"
    if kind == "pdf":
        return ReportFile(f"{stem}.pdf", FORMATS[kind], render_pdf(doc))
    if kind == "csv":
        return ReportFile(f"{stem}.csv", FORMATS[kind], render_csv(doc))
    return ReportFile(f"{stem}.xlsx", FORMATS[kind], render_xlsx(doc))
