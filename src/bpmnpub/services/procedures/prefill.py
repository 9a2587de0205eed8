"""A task's form as it opens, what a submission leaves in the request, and what start data may fill.

The rule is the diagram's (engine/prefill.py): a form starts from its own defaults and takes from the
request's data only the fields its task carries over (`carryOver`, its own preScript, a start task).
Diagrams deployed before `carryOver` existed (no task declares it) keep their behaviour for the
requests running on them, except that a deciding form (`decision`, `x-decides`) starts from its
defaults: nobody finds a decision or a certification made for them.
"""

from __future__ import annotations

from typing import Any

from ...engine import ParsedSpec, ProcessModel, UserTaskInfo
from ...errors import N_, FieldProblem, ValidationError, problem
from ...forms import FormSpec, validate_partial


def task_info(model: ProcessModel, spec_id: str) -> UserTaskInfo | None:
    return next((t for t in model.user_tasks if t.id == spec_id), None)


def carried_fields(model: ProcessModel, spec_id: str, form: FormSpec) -> set[str]:
    """The fields of `form` that start from the request's data at task `spec_id`."""
    info = task_info(model, spec_id)
    if info is None:
        return set()
    if not model.declares_carry_over and not form.decides:
        return set(form.fields)
    return {name for name in form.fields if info.carries(name)}


def opening_values(model: ProcessModel, spec_id: str, form: FormSpec, data: dict[str, Any]) -> dict[str, Any]:
    """The values the form shows before anyone types: its defaults, then the carried fields' data."""
    values = {
        name: prop["default"]
        for name, prop in form.schema.get("properties", {}).items()
        if isinstance(prop, dict) and "default" in prop
    }
    for name in carried_fields(model, spec_id, form):
        if name in data:
            values[name] = data[name]
    return values


def submission(
    model: ProcessModel, spec_id: str, form: FormSpec, cleaned: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """What completing the task writes: (values to set, names to remove). The form is submitted whole,
    so a field it did not carry over and the person left out holds nothing afterwards, not a value
    someone else wrote under that name; read-only fields keep the request's value."""
    props = form.schema.get("properties", {})
    read_only = {name for name, prop in props.items() if isinstance(prop, dict) and prop.get("readOnly")}
    values = {k: v for k, v in cleaned.items() if k not in read_only}
    carried = carried_fields(model, spec_id, form)
    cleared = [name for name in form.fields if name not in values and name not in carried | read_only]
    return values, cleared


def start_forms(parsed: ParsedSpec, all_forms: dict[str, Any]) -> list[FormSpec]:
    """The forms of the start tasks: the only fields start data may fill."""
    keys = dict.fromkeys(t.form_key for t in parsed.model.user_tasks if t.starts and t.form_key)
    return [FormSpec(key, all_forms[key]) for key in keys if key in all_forms]


def check_start_data(parsed: ParsedSpec, all_forms: dict[str, Any], data: dict[str, Any]) -> None:
    """Start data pre-fills the requester's first form: only its fields, each of the right kind
    (`required` is checked when the task is completed). Raises ValidationError."""
    if not data:
        return
    forms = start_forms(parsed, all_forms)
    fields = {name for form in forms for name in form.fields}
    unknown = sorted(set(data) - fields)
    if unknown:
        why = N_("ไม่ใช่ช่องของแบบฟอร์มแรกของผู้ขอ") if forms else N_("ไม่ใช่ช่อง(กระบวนงานนี้ไม่รับข้อมูลตั้งต้น)")
        raise ValidationError(
            "start data may only fill the fields of the requester's first form",
            [problem(name, why) for name in unknown],
        )
    problems: list[FieldProblem] = []
    for form in forms:
        try:
            validate_partial(form, {k: v for k, v in data.items() if k in form.fields})
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationError("start data does not fit the form", problems)
