"""Template helpers: Buddhist-era dates everywhere through one filter, and what the staff menu shows."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import thaidate
from ..permissions import Actor, may_manage_items, may_own_processes, may_view_ita_dashboard
from ..services import consistency, heartbeat, notify, office, tasks
from ..services.request_data import Check, Field, FileRef, Items, Text, Value, When
from . import diagram_text
from .auth import ctx
from .formdata import display_date


def file_size(size: int) -> str:
    """1 ไบต์ / 12.3 KB / 4.5 MB."""
    if size < 1024:
        return f"{size} ไบต์"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# Pages where administrators see the alert about requests nobody can move.
ADMIN_BLUEPRINTS = frozenset({"instances_admin", "admin", "office"})


def system_labels() -> dict[str, str]:
    """Keys the process writes itself (scripts, service steps), which no form names."""
    return {
        "published_item": _("รายการบนเว็บไซต์"),
        "published_summary": _("สรุปจำนวนรายการที่เผยแพร่"),
        "published_counts": _("จำนวนรายการที่เผยแพร่ตามกลุ่ม"),
        "report_group_codes": _("กลุ่มที่รายงาน"),
        "group_codes": _("กลุ่มที่รายงาน"),
        "group_reports": _("รายงานของกลุ่ม/หน่วย"),
        "group_report": _("รายงานของกลุ่ม/หน่วย"),
        "deputy_group_codes": _("กลุ่มที่รองผู้อำนวยการรายงานแทน"),
        "deputy_group_reports": _("รายงานที่รองผู้อำนวยการทำแทนกลุ่ม"),
        "report_period": _("รอบของรายงาน"),
        "report_files": _("ไฟล์รายงาน"),
        "system_items_published": _("จำนวนที่เผยแพร่ (ตัวเลขของระบบ)"),
        "by_group": _("ตามกลุ่ม"),
        "period_start": _("ตั้งแต่วันที่"),
        "period_end": _("ถึงวันที่"),
        "fiscal_year": _("ปีงบประมาณ"),
        "total": _("รวม"),
        "deputy_recommendation": _("ความเห็นของรองผู้อำนวยการ"),
        "view_stats": _("สถิติการเข้าชม"),
        "since": _("นับตั้งแต่"),
        "title": _("ชื่อเรื่อง"),
        "ita_item": _("ข้อการประเมิน ITA/OIT"),
        "ita_items": _("ข้อการประเมิน ITA/OIT"),
    }


def data_label(field: Field, admin: bool = False) -> str | None:
    """A described value's label: its form's title, else the name of a key the process writes; a key
    nobody named is left out of people's pages (admins see it under a general label)."""
    if field.label:
        return field.label
    known = system_labels().get(field.key)
    if known is not None:
        return known
    return str(_("ข้อมูลภายในของกระบวนงาน")) if admin else None


def data_label_of(key: str) -> str:
    """A data key as an admin reads it (the select of a correction, the timeline)."""
    known = system_labels().get(key)
    return known if known is not None else str(_("ข้อมูลภายในของกระบวนงาน (%(key)s)", key=key))


def value_text(value: Value) -> str:
    """A described value as one line of plain text (a read-only field of a form)."""
    if isinstance(value, Text):
        return value.text
    if isinstance(value, When):
        at = value.at
        return thaidate.format_datetime(at) if isinstance(at, datetime) else thaidate.format_date(at)
    if isinstance(value, Check):
        return "☑ " + str(_("ใช่")) if value.checked else "☐ " + str(_("ไม่ใช่"))
    if isinstance(value, FileRef):
        return value.filename
    if isinstance(value, Items):
        return ", ".join(value_text(v) for v in value.items)
    return ""


def init(app: Flask) -> None:
    app.jinja_env.filters["thai_date"] = thaidate.format_date
    app.jinja_env.filters["thai_datetime"] = thaidate.format_datetime
    app.jinja_env.filters["fiscal_year"] = thaidate.fiscal_year
    app.jinja_env.filters["thai_digits"] = thaidate.thai_digits
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["diagram_problem"] = diagram_text.say
    app.jinja_env.filters["be_date_input"] = display_date  # a date input's value: 16/11/2569
    app.jinja_env.globals["data_label"] = data_label
    app.jinja_env.globals["data_label_of"] = data_label_of

    @app.context_processor
    def _office() -> dict[str, object]:
        # Read lazily: only pages that print the office's name pay for the query.
        return {"office": _LazyOffice()}

    @app.context_processor
    def _inbox_count() -> dict[str, object]:
        if getattr(current_user, "is_authenticated", False):
            actor = current_user.actor
            known = g.get("inbox_count")  # the inbox page has just counted: do not count twice
            count = known if known is not None else tasks.count_tasks(ctx(), actor)
            return {"inbox_count": count, "unread_count": notify.unread_count(ctx(), actor)}
        return {}

    @app.context_processor
    def _admin_alerts() -> dict[str, object]:
        # Admin pages only: requests that no inbox holds and no timer will move (one indexed count).
        actor = current_user.actor if getattr(current_user, "is_authenticated", False) else None
        if actor is None or not actor.is_admin or request.blueprint not in ADMIN_BLUEPRINTS:
            return {}
        return {"stalled_count": consistency.suspect_count(ctx(), actor)}

    @app.context_processor
    def _staff_menu() -> dict[str, object]:
        if getattr(current_user, "is_authenticated", False):
            return {"may": _menu_rights(current_user.actor)}
        return {}

    @app.context_processor
    def _worker_health() -> dict[str, object]:
        # Admins are told on their own pages (and the request monitor) when timers have stopped.
        if request.path.startswith("/admin") and getattr(current_user, "is_authenticated", False):
            actor = current_user.actor
            if actor.is_admin:
                return {"worker_health": heartbeat.worker_health(ctx(), actor)}
        return {}


def _menu_rights(actor: Actor) -> dict[str, bool]:
    """Which areas the จัดการ menu offers (base.html); each page's service checks again."""
    return {
        "manage_items": may_manage_items(actor),
        "view_ita": may_view_ita_dashboard(actor),
        "own_processes": may_own_processes(actor),
        "administer": actor.is_admin,
    }


class _LazyOffice:
    """The office settings, read from the database on first use within one request."""

    def __getattr__(self, name: str) -> object:
        settings = g.get("office_settings")
        if settings is None:
            settings = g.office_settings = office.get_settings(ctx())
        return getattr(settings, name)
