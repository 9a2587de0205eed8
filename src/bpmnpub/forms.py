"""JSON Schema forms: validate a submission field by field, describe it for clients (a form file itself
is checked by `form_files`).

A form is a plain JSON Schema (draft 2020-12) with a few `x-` hints (`x-widget`, `x-source`,
`x-profile`, `x-title`, `x-not-before`: a date field that may not be before another date field of the
form, e.g. an appointment's end and its start).
Files are referenced by id (`"format": "file-id"`), never embedded.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from .errors import N_, FieldProblem, ValidationError, problem

FILE_ID = re.compile(r"^[0-9a-f]{32}$")
# What `"x-profile"` may name: the requester's full name, position and group (its code).
PROFILE_KEYS = ("full_name", "position", "group")
# Numbers a browser shows exactly (JavaScript's safe integers); a form value beyond is a typing error,
# and would overflow the integer columns some values end up in (fiscal years, counts).
MAX_NUMBER = 2**53 - 1

_format_checker = FormatChecker()


@_format_checker.checks("file-id")
def _is_file_id(value: object) -> bool:
    return not isinstance(value, str) or bool(FILE_ID.match(value))


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: deployed forms are cached objects
class FormSpec:
    key: str
    schema: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.schema.get("title", self.key))

    @property
    def fields(self) -> list[str]:
        return list(self.schema.get("properties", {}))

    @property
    def decides(self) -> bool:
        """A decision on the request (nobody may take it on their own request): the form has a
        `decision` field, or says so with `"x-decides": true` (e.g. certifying before publishing)."""
        return "decision" in self.fields or self.schema.get("x-decides") is True

    @property
    def title_field(self) -> str:
        """The field whose value names the request in every list: `"x-title"`, or else `title`."""
        named = self.schema.get("x-title")
        return named if isinstance(named, str) and named in self.fields else "title"

    def with_profile(self, profile: dict[str, str]) -> dict[str, Any]:
        """The schema with each `"x-profile": key` field defaulting to the requester's `profile[key]`,
        so the form opens filled in from their profile and stays editable."""
        props = self.schema.get("properties", {})
        filled = {
            name: {**prop, "default": profile[prop["x-profile"]]}
            for name, prop in props.items()
            if isinstance(prop, dict) and profile.get(prop.get("x-profile", ""))
        }
        return {**self.schema, "properties": {**props, **filled}} if filled else self.schema

    def ui(self) -> dict[str, Any]:
        props = self.schema.get("properties", {})
        widgets = {
            name: p["x-widget"] for name, p in props.items() if isinstance(p, dict) and "x-widget" in p
        }
        return {"order": list(props), "widgets": widgets}

    def file_ids(self, data: dict[str, Any]) -> list[str]:
        """Every file id referenced by the file fields of this form in `data`."""
        return [file_id for _, file_id in self.file_fields(data)]

    def file_fields(self, data: dict[str, Any]) -> list[tuple[str, str]]:
        """(field, file id) of every file in the file fields of this form in `data`; rows are not
        numbered ("photos.file"). Text fields are never read, whatever they hold."""
        found: list[tuple[str, str]] = []
        for name, prop in self.schema.get("properties", {}).items():
            _collect_file_ids(prop, name, data.get(name), found)
        return found

    def uses_source(self, source: str) -> bool:
        """Whether any field of the form, in rows or lists too, takes its values from `source`."""
        return _uses_source(self.schema, source)

    def photo_ids(self, data: dict[str, Any]) -> list[tuple[str, str]]:
        """(field path, file id) of every photo row in `data`: rows of a list whose items have a `file`
        and a `publish` field, the rows an album publishes (they must be images)."""
        found: list[tuple[str, str]] = []
        for name, prop in self.schema.get("properties", {}).items():
            items = prop.get("items") if isinstance(prop, dict) else None
            row = items.get("properties", {}) if isinstance(items, dict) else {}
            value = data.get(name)
            if "file" in row and "publish" in row and isinstance(value, list):
                found.extend(
                    (f"{name}.{index}.file", item["file"])
                    for index, item in enumerate(value)
                    if isinstance(item, dict) and isinstance(item.get("file"), str)
                )
        return found

    def sourced(self, data: dict[str, Any], source: str) -> list[tuple[str, Any]]:
        """(field path, value) of every field with `"x-source": source` in `data`, rows included
        ("topics.0.category"), so the service owning that list can check the values."""
        found: list[tuple[str, Any]] = []
        for name, prop in self.schema.get("properties", {}).items():
            _collect_sourced(prop, name, data.get(name), source, found)
        return found


def _uses_source(node: Any, source: str) -> bool:
    if isinstance(node, dict):
        return node.get("x-source") == source or any(_uses_source(v, source) for v in node.values())
    if isinstance(node, list):
        return any(_uses_source(v, source) for v in node)
    return False


def _collect_sourced(prop: Any, path: str, value: Any, source: str, out: list[tuple[str, Any]]) -> None:
    if not isinstance(prop, dict) or value is None:
        return
    if prop.get("x-source") == source:
        out.append((path, value))
    elif prop.get("type") == "array" and isinstance(value, list):
        for index, item in enumerate(value):
            _collect_sourced(prop.get("items", {}), f"{path}.{index}", item, source, out)
    elif prop.get("type") == "object" and isinstance(value, dict):
        for name, sub in prop.get("properties", {}).items():
            _collect_sourced(sub, f"{path}.{name}", value.get(name), source, out)


def _collect_file_ids(prop: Any, path: str, value: Any, out: list[tuple[str, str]]) -> None:
    if not isinstance(prop, dict) or value is None:
        return
    if prop.get("format") == "file-id" and isinstance(value, str):
        out.append((path, value))
    elif prop.get("type") == "array" and isinstance(value, list):
        for item in value:
            _collect_file_ids(prop.get("items", {}), path, item, out)
    elif prop.get("type") == "object" and isinstance(value, dict):
        for name, sub in prop.get("properties", {}).items():
            _collect_file_ids(sub, f"{path}.{name}", value.get(name), out)


# --- field kinds: the one rule that the form parser (web/formdata) and the data display share ---


def field_type(prop: dict[str, Any]) -> str:
    """A field's JSON type; an untyped enum of booleans or integers reads as one."""
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        return kind
    consts = enum_values(prop)
    if consts and all(isinstance(c, bool) for c in consts):
        return "boolean"
    if consts and all(isinstance(c, int) and not isinstance(c, bool) for c in consts):
        return "integer"
    if "const" in prop and isinstance(prop["const"], bool):
        return "boolean"
    return "string"


def enum_values(prop: dict[str, Any]) -> list[Any]:
    """The allowed values of an `enum` or a `oneOf`/`anyOf` of consts."""
    if isinstance(prop.get("enum"), list):
        return list(prop["enum"])
    options = prop.get("oneOf") or prop.get("anyOf")
    if isinstance(options, list) and options and all(isinstance(o, dict) and "const" in o for o in options):
        return [o["const"] for o in options]
    return []


def field_kind(prop: dict[str, Any]) -> str:
    """How a field is entered and shown: files, file, rows, list, object, boolean, integer, number,
    date or string."""
    kind = field_type(prop)
    if kind == "array":
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        assert isinstance(items, dict)
        if items.get("format") == "file-id":
            return "files"
        if field_type(items) == "object" and isinstance(items.get("properties"), dict):
            return "rows"
        return "list"
    if kind == "object":
        return "object" if isinstance(prop.get("properties"), dict) else "string"
    if kind in ("boolean", "integer", "number"):
        return kind
    if prop.get("format") == "file-id":
        return "file"
    if prop.get("format") == "date":
        return "date"
    return "string"


def input_kind(prop: dict[str, Any]) -> str:
    """How the form macro draws a field (`templates/_macros/form.html`), from `field_kind`, the rule
    `web/formdata.py` reads it back by: readonly, files, rows, multi, lines, boolean, file, date, choice,
    integer, number, textarea or text."""
    if prop.get("readOnly"):
        return "readonly"
    kind = field_kind(prop)
    if kind == "list":
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        assert isinstance(items, dict)
        return "multi" if items.get("oneOf") or items.get("enum") or items.get("x-source") else "lines"
    if kind in ("files", "rows", "boolean", "file", "date"):
        return kind
    if prop.get("oneOf") or prop.get("enum"):
        return "choice"
    if kind in ("integer", "number"):
        return kind
    return "textarea" if prop.get("x-widget") == "textarea" else "text"


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as the form macro renders it: a copy in which each field (and each field of a row)
    carries its `x-kind` (`input_kind`), so the page draws every field the way it is read back."""
    described = copy.deepcopy(schema)
    _describe_fields(described)
    return described


def _describe_fields(schema: dict[str, Any]) -> None:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return
    for prop in properties.values():
        if not isinstance(prop, dict):
            continue
        prop["x-kind"] = input_kind(prop)
        items = prop.get("items")
        if prop["x-kind"] == "rows" and isinstance(items, dict):
            _describe_fields(items)


def _min_length(validator: Any, min_length: Any, instance: Any, schema: Any) -> Iterator[Any]:
    # Spaces alone do not fill a field: a title of " " passed every approval and then failed the
    # publishing step at the end (found by tests/services/test_task_projection_orders.py).
    if validator.is_type(instance, "string") and len(instance.strip()) < min_length:
        yield jsonschema.ValidationError(f"{instance!r} is too short")


# Draft 2020-12, except that `minLength` counts the text without its surrounding spaces.
FormValidator: Any = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"minLength": _min_length}
)


@lru_cache(maxsize=512)
def _validator(form: FormSpec) -> Any:
    return FormValidator(form.schema, format_checker=_format_checker)


def validate(form: FormSpec, data: Any) -> dict[str, Any]:
    """The submission, checked against the form. Raises ValidationError with one problem per field."""
    if not isinstance(data, dict):
        raise ValidationError("the form data must be an object", [problem("", "ต้องเป็นข้อมูลแบบฟอร์ม (object)")])
    unknown = sorted(set(data) - set(form.fields))
    problems = [problem(name, "ไม่ใช่ช่องของแบบฟอร์มนี้") for name in unknown]
    problems.extend(_huge_numbers(data, ""))
    validator = _validator(form)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        problems.extend(_problems(error, data))
    problems.extend(_dates_in_order(form, data))
    if problems:
        seen: dict[str, FieldProblem] = {}
        for found in problems:
            seen.setdefault(found.field, found)
        raise ValidationError("the form has errors", list(seen.values()))
    return dict(data)


def _dates_in_order(form: FormSpec, data: dict[str, Any]) -> list[FieldProblem]:
    """A problem for each date field before the date field its `x-not-before` names (both given; ISO
    dates compare as text)."""
    props = form.schema.get("properties", {})
    problems = []
    for name, prop in props.items():
        other = prop.get("x-not-before") if isinstance(prop, dict) else None
        value, floor = data.get(name), data.get(other) if isinstance(other, str) else None
        if (
            isinstance(value, str)
            and isinstance(floor, str)
            and _ISO_DAY.fullmatch(value + floor)
            and value < floor
        ):
            title = props.get(other, {}).get("title", other)
            problems.append(problem(name, "ต้องไม่ก่อน “%(other)s”", other=title))
    return problems


_ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2}){2}")


def _huge_numbers(value: Any, path: str) -> list[FieldProblem]:
    """A problem for every number in `value` beyond ±MAX_NUMBER (the reader bounded the depth)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (
            [problem(path, "ตัวเลขมากเกินไป (ไม่เกิน %(max)s)", max=f"{MAX_NUMBER:,}")]
            if abs(value) > MAX_NUMBER
            else []
        )
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    return [p for key, item in items for p in _huge_numbers(item, f"{path}.{key}" if path else str(key))]


@lru_cache(maxsize=512)
def _partial_validator(form: FormSpec) -> Draft202012Validator:
    schema = {k: v for k, v in form.schema.items() if k != "required"}
    return Draft202012Validator(schema, format_checker=_format_checker)


def validate_partial(form: FormSpec, data: dict[str, Any]) -> None:
    """Check the values given (a pre-fill), each of the right kind; missing fields are not problems.
    Raises ValidationError with one problem per field."""
    problems = _huge_numbers(data, "")
    for error in sorted(_partial_validator(form).iter_errors(data), key=lambda e: list(e.absolute_path)):
        problems.extend(_problems(error, data))
    if problems:
        seen: dict[str, FieldProblem] = {}
        for found in problems:
            seen.setdefault(found.field, found)
        raise ValidationError("the values do not fit the form", list(seen.values()))


def missing_message(prop: Any) -> str:
    """What to say about an empty required field, by its kind."""
    if not isinstance(prop, dict):
        return N_("กรุณากรอกข้อมูลนี้")
    items = prop.get("items")
    item_format = items.get("format") if isinstance(items, dict) else None
    if prop.get("format") == "file-id" or item_format == "file-id":
        return N_("กรุณาแนบไฟล์")
    if prop.get("type") == "array":
        return N_("กรุณาเลือกหรือเพิ่มอย่างน้อยหนึ่งรายการ")
    if prop.get("type") == "boolean":
        return N_("กรุณาทำเครื่องหมายยืนยัน")
    if "oneOf" in prop or "enum" in prop:
        return N_("กรุณาเลือก")
    return N_("กรุณากรอกข้อมูลนี้")


def _field(path: Any) -> str:
    return ".".join(str(p) for p in path)


def _problems(error: jsonschema.ValidationError, data: Any) -> list[FieldProblem]:
    path = list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        required: list[str] = list(error.validator_value)  # type: ignore[arg-type]
        missing = [name for name in required if name not in instance]
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [problem(_field([*path, name]), missing_message(props.get(name))) for name in missing]
    value = error.validator_value
    choose = N_("กรุณาเลือกจากตัวเลือกที่กำหนด")
    messages: dict[str, str] = {
        "minLength": N_("กรุณากรอกข้อมูลนี้") if value == 1 else N_("ต้องมีอย่างน้อย %(n)s ตัวอักษร"),
        "maxLength": N_("ยาวได้ไม่เกิน %(n)s ตัวอักษร"),
        "minItems": N_("กรุณาเลือกหรือแนบอย่างน้อยหนึ่งรายการ") if value == 1 else N_("ต้องมีอย่างน้อย %(n)s รายการ"),
        "maxItems": N_("มีได้ไม่เกิน %(n)s รายการ"),
        "enum": choose,
        "oneOf": choose,
        "anyOf": choose,
        "const": N_("ต้องยืนยันข้อนี้") if value is True else choose,
        "type": N_("รูปแบบข้อมูลไม่ถูกต้อง (ต้องเป็น %(n)s)"),
        "format": {"date": N_("วันที่ไม่ถูกต้อง (YYYY-MM-DD)"), "file-id": N_("ไฟล์แนบไม่ถูกต้อง")}.get(
            str(value), N_("รูปแบบไม่ถูกต้อง")
        ),
        "minimum": N_("ต้องไม่น้อยกว่า %(n)s"),
        "maximum": N_("ต้องไม่มากกว่า %(n)s"),
        "uniqueItems": N_("มีรายการซ้ำกัน"),
        "contains": N_("ต้องมีอย่างน้อยหนึ่งรายการที่ตรงตามเงื่อนไข (เช่น เลือกภาพที่จะเผยแพร่อย่างน้อยหนึ่งภาพ)"),
    }
    template = messages.get(str(kind))
    if template is None:
        return [FieldProblem(_field(path), error.message)]
    return [problem(_field(path), template, **({"n": value} if "%(n)s" in template else {}))]
