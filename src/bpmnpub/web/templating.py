"""Template helpers: Buddhist-era dates everywhere through one filter, and what the staff menu shows."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import thaidate
from ..permissions import (
    ROLES,
    SYSTEM_ROLES,
    Actor,
    may_manage_items,
    may_own_processes,
    may_view_ita_dashboard,
)
from ..services.kernel import office_settings
from ..services.operations import heartbeat
from ..services.requests import consistency, inbox, notify
from ..services.requests.request_data import Check, Field, FileRef, Items, Text, Value, When
from . import diagram_text
from .auth import ctx
from .i18n import current_language


def file_size(size: int) -> str:
    """1 ไบต์ (1 bytes on an English page) / 12.3 KB / 4.5 MB."""
    if size < 1024:
        return f"{size} bytes" if current_language() == "en" else f"{size} ไบต์"
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
        return page_datetime(at) if isinstance(at, datetime) else page_date(at)
    if isinstance(value, Check):
        return "☑ " + str(_("ใช่")) if value.checked else "☐ " + str(_("ไม่ใช่"))
    if isinstance(value, FileRef):
        return value.filename
    if isinstance(value, Items):
        return ", ".join(value_text(v) for v in value.items)
    return ""


def duty_period(frequency: str, start: date) -> str:
    """A duty's period as people say it (services/procedures/duty_periods.label, in the page's language)."""
    fiscal = start.year + thaidate.BE_OFFSET + (1 if start.month >= 10 else 0)
    if frequency == "monthly":
        return page_date(start, long=True).split(" ", 1)[1]  # "ธันวาคม 2569" / "December 2569"
    if frequency == "quarterly":
        return str(_("ไตรมาส %(n)s ปีงบประมาณ %(fy)s", n=(start.month - 10) % 12 // 3 + 1, fy=fiscal))
    if frequency == "semiannual":
        if start.month == 10:
            return str(_("ครึ่งปีแรก ปีงบประมาณ %(fy)s", fy=fiscal))
        return str(_("ครึ่งปีหลัง ปีงบประมาณ %(fy)s", fy=fiscal))
    return str(_("ปีงบประมาณ %(fy)s", fy=fiscal))


def role_name(code: str | None) -> str:
    """A role's name in the page's language (permissions.ROLES / SYSTEM_ROLES); an unknown code as is."""
    names = {**ROLES, **SYSTEM_ROLES}.get(code or "")
    if names is None:
        return code or ""
    return names[1] if current_language() == "en" else names[0]


def iso_date(value: object) -> str:
    """An ISO date kept in data or an event's details ("2026-10-05") as a Buddhist-era date."""
    try:
        return page_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value or "")


def page_date(value: datetime | date | None, *, long: bool = False, digits: str = "arabic") -> str:
    """A Buddhist-era date in the page's language: 8 ธ.ค. 2569 / 8 Dec 2569 (thaidate.format_date)."""
    return thaidate.format_date(value, long=long, digits=digits, english=current_language() == "en")


def page_datetime(value: datetime | None, *, digits: str = "arabic") -> str:
    """A moment in office time in the page's language: 8 ธ.ค. 2569 02:43 น. / 8 Dec 2569 02:43."""
    return thaidate.format_datetime(value, digits=digits, english=current_language() == "en")


def init(app: Flask) -> None:
    app.jinja_env.filters["thai_date"] = page_date
    app.jinja_env.filters["thai_iso_date"] = iso_date
    app.jinja_env.globals["role_name"] = role_name
    app.jinja_env.filters["thai_datetime"] = page_datetime
    app.jinja_env.filters["fiscal_year"] = thaidate.fiscal_year
    app.jinja_env.filters["thai_digits"] = thaidate.thai_digits
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["diagram_problem"] = diagram_text.say
    app.jinja_env.filters["be_date_input"] = thaidate.input_date  # a date input's value: 16/11/2569
    app.jinja_env.filters["be_year"] = thaidate.be_year  # 2026 -> 2569
    app.jinja_env.globals["data_label"] = data_label
    app.jinja_env.globals["data_label_of"] = data_label_of
    app.jinja_env.globals["duty_period"] = duty_period

    @app.context_processor
    def _office() -> dict[str, object]:
        # Read lazily: only pages that print the office's name pay for the query.
        return {"office": _LazyOffice()}

    @app.context_processor
    def _inbox_count() -> dict[str, object]:
        if getattr(current_user, "is_authenticated", False):
            actor = current_user.actor
            known = g.get("inbox_count")  # the inbox page has just counted: do not count twice
            count = known if known is not None else inbox.count_tasks(ctx(), actor)
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
            settings = g.office_settings = office_settings.get_settings(ctx())
        return getattr(settings, name)
