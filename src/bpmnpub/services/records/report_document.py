"""The six-monthly report as the office prints it, from its assembled view: the tables, the bar charts,
the memo to the director, and the PDF, CSV and XLSX files (through `documents/report.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ... import thaidate
from ...documents import charts
from ...documents.report import (
    EvaluationNote,
    GroupNote,
    ReportDocument,
    Table,
    render_csv,
    render_pdf,
    render_xlsx,
)
from ..kernel import office_settings
from .semiannual import Figures, Period, PeriodFigures

FORMATS = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


DEPUTY_NOTE = (
    "กลุ่มที่มีผลงานในรอบแต่ไม่มีผู้อำนวยการกลุ่มในระบบ ({groups}) ส่งให้รองผู้อำนวยการ สพป. รายงานแทน "
    "ระบบยังไม่ได้กำหนดว่ารองผู้อำนวยการคนใดกำกับดูแลกลุ่มใด จึงส่งถึงรองผู้อำนวยการทุกคน"
)


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


def report_charts(figures: PeriodFigures, *, thai: bool) -> tuple[str, ...]:
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


def document(view: ReportView, settings: office_settings.OfficeSettings) -> ReportDocument:
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
        charts=report_charts(view.figures, thai=settings.thai_digits),
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


def render(view: ReportView, settings: office_settings.OfficeSettings, kind: str) -> ReportFile:
    doc = document(view, settings)
    stem = f"รายงานผลการเผยแพร่-6เดือน-ปีงบ{view.period.fiscal_year}-{'1' if view.period.first_half else '2'}"
    if kind == "pdf":
        return ReportFile(f"{stem}.pdf", FORMATS[kind], render_pdf(doc))
    if kind == "csv":
        return ReportFile(f"{stem}.csv", FORMATS[kind], render_csv(doc))
    return ReportFile(f"{stem}.xlsx", FORMATS[kind], render_xlsx(doc))
