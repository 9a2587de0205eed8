"""A form file checked before it is used (deploy, `bpmnpub processes check`, the API, the modeler's form
editor): a JSON Schema (draft 2020-12) object with titled fields and `x-` hints that name what exists
(see `forms` for what the hints mean). One rule, said two ways: `check_schema` in English sentences,
`schema_problems` on each field in Thai (translatable)."""

from __future__ import annotations

from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from .errors import N_, FieldProblem, problem
from .forms import PROFILE_KEYS

# A form file's findings: (field, English sentence, Thai template, params). One rule, said two ways:
# `check_schema` in English (deploy, the CLI, the API), `schema_problems` per field in Thai (the editor).
_Finding = tuple[str, str, str, dict[str, Any]]
INVALID_SCHEMA = N_("ไม่ใช่ JSON Schema ที่ถูกต้อง: %(detail)s")


def _findings(key: str, schema: Any) -> list[_Finding]:
    if not isinstance(schema, dict):
        return [("", f"form {key!r} is not a JSON object", N_("แบบฟอร์มต้องเป็นออบเจกต์ JSON"), {})]
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        path = [str(p) for p in exc.absolute_path]
        field = path[1] if len(path) > 1 and path[0] == "properties" else "_schema"
        return [
            (
                field,
                f"form {key!r} is not a valid JSON Schema: {exc.message}",
                INVALID_SCHEMA,
                {"detail": exc.message},
            )
        ]
    found: list[_Finding] = []
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        found.append(
            (
                "",
                f"form {key!r} must be an object schema with properties",
                N_("แบบฟอร์มต้องเป็น object ที่มี properties"),
                {},
            )
        )
        return found
    for name, prop in schema["properties"].items():
        if not isinstance(prop, dict) or not prop.get("title"):
            found.append((name, f"form {key!r}: field {name!r} has no title", N_("ยังไม่มีชื่อที่แสดง"), {}))
        elif "x-profile" in prop and prop["x-profile"] not in PROFILE_KEYS:
            found.append(
                (
                    name,
                    f"form {key!r}: field {name!r} has x-profile not one of {', '.join(PROFILE_KEYS)}",
                    N_("x-profile ต้องเป็น %(keys)s"),
                    {"keys": ", ".join(PROFILE_KEYS)},
                )
            )
        if isinstance(prop, dict) and "x-not-before" in prop:
            other = schema["properties"].get(prop["x-not-before"])
            if not isinstance(other, dict) or other.get("format") != "date" or prop.get("format") != "date":
                found.append(
                    (
                        name,
                        f"form {key!r}: field {name!r} has x-not-before not naming a date field",
                        N_("x-not-before ต้องเป็นชื่อช่องวันที่ และช่องนี้ต้องเป็นวันที่"),
                        {},
                    )
                )
    title = schema.get("x-title")
    if title is not None and title not in schema["properties"]:
        found.append(
            (
                "",
                f"form {key!r}: x-title {title!r} is not one of its fields",
                N_("x-title “%(name)s” ไม่ใช่ช่องของแบบฟอร์มนี้"),
                {"name": str(title)},
            )
        )
    return found


def check_schema(key: str, schema: Any) -> list[str]:
    """Problems with a form file, as sentences; empty when it can be used."""
    return [english for _, english, _, _ in _findings(key, schema)]


def schema_problems(key: str, schema: Any) -> list[FieldProblem]:
    """`check_schema`'s problems on their fields (the field's name, "" for the form, "_schema" for a
    schema JSON Schema itself refuses), in Thai and translatable: the form editor shows each on its field."""
    return [problem(field, template, **params) for field, _, template, params in _findings(key, schema)]
