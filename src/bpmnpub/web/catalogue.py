"""Admin pages of the catalogue: the office's categories and each fiscal year's ITA/OIT items.

For admins and process owners (checked again in `services.catalogue`); everyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..errors import ConflictError, FieldProblem, NotFoundError, ValidationError
from ..permissions import may_own_processes
from ..services.catalogue import categories as catalogue
from ..services.catalogue import ita_years, presets
from ..services.kernel import audit
from ..services.office import people
from ..services.procedures import duty_periods, duty_topics
from ..thaidate import fiscal_year
from .auth import caller, ctx
from .i18n import field_errors
from .queryargs import whole

bp = Blueprint("catalogue", __name__, url_prefix="/admin/catalogue")
CATEGORY_FIELDS = ("code", "name", "name_en", "description", "group", "sort_order")
ITEM_FIELDS = ("title", "guidance", "group", "period_rule")
Page = tuple[str, int] | Response


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _editors_only() -> None:
    if not may_own_processes(caller().actor):
        abort(403)


def _posted() -> None:
    """Aborts 400 when the form's CSRF token is missing or wrong."""
    if not FlaskForm().validate_on_submit():
        abort(400)


def _errors(exc: ValidationError) -> dict[str, str]:
    return field_errors(exc.problems, blank="_form")


def _history(**narrowed: Any) -> list[audit.AdminEventRow] | None:
    """The catalogue's audit trail for admins; None (no section) for process owners."""
    actor = caller().actor
    return audit.history(ctx(), actor, "catalogue", **narrowed) if actor.is_admin else None


def period_labels() -> dict[str, str]:
    return {
        "current_fy": _("ภายในปีงบประมาณที่ประเมิน"),
        "first_half": _("ภายใน 6 เดือนแรกของปีงบประมาณ (ต.ค.–มี.ค.)"),
        "previous_fy": _("รายงานของปีงบประมาณก่อนหน้า"),
    }


# --- categories ---------------------------------------------------------------------------------------


@bp.get("")
def index() -> Response:
    return redirect(url_for("catalogue.categories"))


@bp.get("/categories")
def categories() -> str:
    return render_template(
        "admin/catalogue/categories.html",
        categories=catalogue.list_categories(ctx()),
        procedure_names=dict(catalogue.publication_procedures(ctx())),
        presets=presets.list_presets("categories"),
        history=_history(actions=catalogue.CATEGORY_ACTIONS),
    )


def _sort_order(raw: str) -> int | None:
    """The typed order, None when empty. Raises ValidationError."""
    if not raw:
        return None
    value = whole(raw)  # the range is the service's to check
    if value is None:
        raise ValidationError("sort order is not a number", [FieldProblem("sort_order", "ต้องเป็นตัวเลข")])
    return value


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"code": None})
@bp.route("/categories/<code>", methods=["GET", "POST"])
def category(code: str | None) -> Page:
    values: dict[str, Any] = {"active": True}
    if code is not None:
        try:
            found = catalogue.get_category(ctx(), code)
        except NotFoundError:
            abort(404)
        values = {**vars(found), "group": found.group_code or "", "sort_order": str(found.sort_order)}
        values["procedures"] = list(found.procedures)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        _posted()
        values = {k: (request.form.get(k) or "").strip() for k in CATEGORY_FIELDS}
        values["active"] = request.form.get("active") == "true"
        values["procedures"] = request.form.getlist("procedures")
        values["code"] = code or values["code"]
        try:
            entered = catalogue.CategoryInput(
                name=values["name"],
                name_en=values["name_en"],
                description=values["description"],
                group_code=values["group"],
                sort_order=_sort_order(values["sort_order"]),
                active=values["active"],
                procedures=tuple(values["procedures"]),
            )
            catalogue.save_category(ctx(), caller().actor, values["code"], entered, create=code is None)
            flash(_("บันทึกหมวดหมู่ %(code)s แล้ว", code=values["code"]))
            return redirect(url_for("catalogue.categories"))
        except ValidationError as exc:
            errors, status = _errors(exc), 422
    html = render_template(
        "admin/catalogue/category.html",
        values=values,
        errors=errors,
        code=code,
        groups=people.list_groups(ctx()),
        procedures=catalogue.publication_procedures(ctx()),
    )
    return html, status


@bp.post("/categories/preset")
def load_preset() -> Response:
    _posted()
    try:
        loaded = catalogue.load_category_preset(ctx(), caller().actor, request.form.get("preset", ""))
    except ValidationError:
        abort(400)
    flash(
        _(
            "โหลดชุดหมวดหมู่แล้ว: เพิ่ม %(added)s รายการ ปรับชื่อ %(renamed)s รายการ คงไว้ตามที่แก้ไขเอง %(kept)s รายการ",
            added=len(loaded.added),
            renamed=len(loaded.renamed),
            kept=len(loaded.kept),
        )
    )
    return redirect(url_for("catalogue.categories"))


# --- ITA/OIT items of a fiscal year -------------------------------------------------------------------


def _years_page(values: dict[str, Any], errors: dict[str, str], status: int) -> tuple[str, int]:
    html = render_template(
        "admin/catalogue/years.html",
        years=ita_years.list_fiscal_years(ctx()),
        presets=presets.list_presets("ita"),
        values=values,
        errors=errors,
    )
    return html, status


def _year_arg(raw: str, field: str) -> int:
    """A Buddhist-era year typed in a form. Raises ValidationError."""
    year = whole(raw, low=1000, high=9999)
    if year is None:
        raise ValidationError("not a year", [FieldProblem(field, "กรอกปีงบประมาณ พ.ศ. 4 หลัก เช่น 2570")])
    return year


@bp.route("/ita", methods=["GET", "POST"])
def years() -> Page:
    taken = {y.fiscal_year for y in ita_years.list_fiscal_years(ctx())}
    suggested = next(y for y in range(fiscal_year(ctx().now()), 9999) if y not in taken)
    values: dict[str, Any] = {"fiscal_year": str(suggested), "preset": ""}
    if request.method == "GET":
        return _years_page(values, {}, 200)
    _posted()
    values = {"fiscal_year": request.form.get("fiscal_year", ""), "preset": request.form.get("preset", "")}
    try:
        year = _year_arg(values["fiscal_year"], "fiscal_year")
        ita_years.create_fiscal_year(ctx(), caller().actor, year, values["preset"])
    except ValidationError as exc:
        return _years_page(values, _errors(exc), 422)
    except ConflictError:
        errors = {"fiscal_year": _("ปีงบประมาณนี้มีรายการแล้ว")}
        return _years_page(values, errors, 409)
    flash(_("สร้างรายการ ITA/OIT ปีงบประมาณ %(fy)s แล้ว กรุณาตรวจสอบกับคู่มือของปีนั้น", fy=year))
    return redirect(url_for("catalogue.year", fy=year))


def _year_page(fy: int, clone_to: str, errors: dict[str, str], status: int) -> tuple[str, int]:
    html = render_template(
        "admin/catalogue/year.html",
        listing=ita_years.get_fiscal_year(ctx(), fy),
        category_names=catalogue.category_names(ctx()),
        periods=period_labels(),
        clone_to=clone_to,
        errors=errors,
        history=_history(subject=f"ita {fy}"),
    )
    return html, status


@bp.get("/ita/<int(min=1, max=9999):fy>")
def year(fy: int) -> tuple[str, int]:
    return _year_page(fy, str(fy + 1), {}, 200)


@bp.post("/ita/<int(min=1, max=9999):fy>/clone")
def clone(fy: int) -> Page:
    _posted()
    raw = request.form.get("to", "")
    try:
        target = _year_arg(raw, "to")
        ita_years.clone_fiscal_year(ctx(), caller().actor, fy, target)
    except ValidationError as exc:
        return _year_page(fy, raw, _errors(exc), 422)
    except ConflictError:
        return _year_page(fy, raw, {"to": _("ปีงบประมาณนี้มีรายการแล้ว")}, 409)
    flash(_("คัดลอกรายการไปปีงบประมาณ %(fy)s แล้ว กรุณาตรวจสอบกับคู่มือของปีนั้น", fy=target))
    return redirect(url_for("catalogue.year", fy=target))


@bp.post("/ita/<int(min=1, max=9999):fy>/verified")
def verified(fy: int) -> Response:
    _posted()
    checked = request.form.get("verified") == "true"
    ita_years.set_verified(ctx(), caller().actor, fy, checked)
    flash(_("บันทึกว่าตรวจสอบกับคู่มือแล้ว") if checked else _("บันทึกว่ายังไม่ได้ตรวจสอบ"))
    return redirect(url_for("catalogue.year", fy=fy))


@bp.route("/ita/<int(min=1, max=9999):fy>/items/<code>", methods=["GET", "POST"])
def item(fy: int, code: str) -> Page:
    found = next((i for i in ita_years.get_fiscal_year(ctx(), fy).items if i.code == code), None)
    if found is None:
        abort(404)
    values: dict[str, Any] = {
        **vars(found),
        "group": found.group_code or "",
        "categories": list(found.categories),
    }
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        _posted()
        values = {k: (request.form.get(k) or "").strip() for k in ITEM_FIELDS}
        values["categories"] = request.form.getlist("categories")
        try:
            entered = ita_years.ItaItemInput(
                title=values["title"],
                guidance=values["guidance"],
                group_code=values["group"],
                period_rule=values["period_rule"],
                categories=tuple(values["categories"]),
            )
            ita_years.update_ita_item(ctx(), caller().actor, fy, code, entered)
            flash(_("บันทึกข้อ %(code)s แล้ว", code=code))
            return redirect(url_for("catalogue.year", fy=fy) + f"#item-{code}")
        except ValidationError as exc:
            errors, status = _errors(exc), 422
    html = render_template(
        "admin/catalogue/item.html",
        fy=fy,
        code=code,
        values=values,
        errors=errors,
        groups=people.list_groups(ctx()),
        categories=catalogue.list_categories(ctx()),
        periods=period_labels(),
    )
    return html, status


# --- recurring topics (their duties come each period) --------------------------------------------


TOPIC_FIELDS = ("title", "category", "group", "ita_item", "frequency", "due_workdays")


def frequency_labels() -> dict[str, str]:
    return {
        "monthly": _("ทุกเดือน"),
        "quarterly": _("ทุกไตรมาส"),
        "semiannual": _("ทุก 6 เดือน"),
        "yearly": _("ปีละครั้ง"),
    }


@bp.get("/topics")
def topics() -> str:
    return render_template(
        "admin/catalogue/topics.html",
        topics=duty_topics.list_topics(ctx()),
        frequencies=frequency_labels(),
        category_names=catalogue.category_names(ctx()),
        history=_history(actions=duty_topics.TOPIC_ACTIONS),
    )


def _workdays(raw: str) -> int | None:
    if not raw:
        return None
    value = whole(raw)
    if value is None:
        raise ValidationError("not a number", [FieldProblem("due_workdays", "ต้องเป็นตัวเลขจำนวนวันทำการ")])
    return value


@bp.route("/topics/new", methods=["GET", "POST"], defaults={"topic_id": None})
@bp.route("/topics/<int(max=2147483647):topic_id>", methods=["GET", "POST"])
def topic(topic_id: int | None) -> Page:
    values: dict[str, Any] = {"active": True, "frequency": "monthly"}
    if topic_id is not None:
        found = next((t for t in duty_topics.list_topics(ctx()) if t.id == topic_id), None)
        if found is None:
            abort(404)
        values = {**vars(found), "group": found.group_code, "due_workdays": str(found.due_workdays)}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        _posted()
        values = {k: (request.form.get(k) or "").strip() for k in TOPIC_FIELDS}
        values["active"] = request.form.get("active") == "true"
        try:
            entered = duty_topics.TopicInput(
                title=values["title"],
                category=values["category"],
                group_code=values["group"],
                frequency=values["frequency"],
                due_workdays=_workdays(values["due_workdays"]),
                ita_item=values["ita_item"],
                active=values["active"],
            )
            duty_topics.save_topic(ctx(), caller().actor, topic_id, entered)
            flash(_("บันทึกเรื่องที่ต้องเผยแพร่ตามรอบแล้ว"))
            return redirect(url_for("catalogue.topics"))
        except ValidationError as exc:
            errors, status = _errors(exc), 422
    html = render_template(
        "admin/catalogue/topic.html",
        values=values,
        errors=errors,
        topic_id=topic_id,
        groups=people.list_groups(ctx()),
        categories=catalogue.category_choices(ctx()),
        frequencies=frequency_labels(),
        defaults=duty_periods.DEFAULT_DUE_WORKDAYS,
        most=duty_periods.MAX_DUE_WORKDAYS,
    )
    return html, status
