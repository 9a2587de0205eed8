"""Hypothesis strategies for valid submissions of the JSON-Schema forms in processes/forms.

Covers the subset the forms use: objects (required/optional fields, `readOnly` left out as a person's
browser does), strings (lengths, `date`, `file-id`, `email`), integers, booleans, `const`, `oneOf` of
constants, arrays (`minItems`, `uniqueItems`, `contains`), `allOf` of `if`/`then`/`else` and `x-not-before`
(a date drawn before the date it may not precede is moved to that date). Text is Thai
with some Latin, digits, quotes and newlines. Every drawn value is checked with bpmnpub's own form
validator, so a form this module does not understand fails loudly instead of testing nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from typing import Any

from hypothesis import strategies as st

from bpmnpub.forms import FormSpec, FormValidator, field_kind, validate

THAI = "กขคฆงจฉชซญฎฐณดตถทธนบปผพฟภมยรลวศษสหฬอฮะาำิีึืุูเแโใไ่้๊๋็์ๆ๐๑๒๓๔๕๖๗๘๙"
ALPHABET = THAI + "abcXYZ019 .,-/()'\"\n"
_MAX_EXTRA_CHARS = 12  # long texts add nothing to what the engines do with them, only time
_MAX_EXTRA_ITEMS = 3

Draw = Callable[[st.SearchStrategy[Any]], Any]
Sources = Mapping[str, st.SearchStrategy[Any]] | None


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` narrowed by `extra` (the constraints of a `then`/`else`/`contains` branch)."""
    out = dict(base)
    for key, value in extra.items():
        if key == "properties":
            props = dict(out.get("properties", {}))
            for name, sub in value.items():
                props[name] = merged(props.get(name, {}), sub)
            out["properties"] = props
        elif key == "required":
            out["required"] = sorted({*out.get("required", []), *value})
        else:
            out[key] = value
    return out


def _matches(schema: dict[str, Any], value: Any) -> bool:
    return _validator(_key(schema)).is_valid(value)


@cache
def _validator(schema_json: str) -> Any:
    return FormValidator(json.loads(schema_json))


@cache
def _form(key: str, schema_json: str) -> FormSpec:
    return FormSpec(key, json.loads(schema_json))  # one object per form: bpmnpub caches validators by it


def _filled(low: int) -> Callable[[str], bool]:
    def filled(text: str) -> bool:
        return len(text.strip()) >= low

    return filled


@cache
def _text(fmt: str | None, low: int, high: int) -> st.SearchStrategy[str]:
    # Strategies are built once per shape: building one costs more than drawing from it.
    if fmt == "date":
        return st.dates(date(2020, 1, 1), date(2030, 12, 31)).map(date.isoformat)
    if fmt == "file-id":
        return st.binary(min_size=16, max_size=16).map(bytes.hex)
    if fmt == "email":
        return st.from_regex(r"\A[a-z]{1,8}@[a-z]{1,8}\.(go\.th|ac\.th|com)\Z")
    # A required text of spaces alone is refused by the forms (it is not filled in).
    return st.text(alphabet=ALPHABET, min_size=low, max_size=high).filter(_filled(low))


@cache
def _choice(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


@cache
def _integer(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


_BOOL = st.booleans()


def value_of(draw: Draw, schema: dict[str, Any], sources: Sources = None) -> Any:
    """One valid value of `schema`, drawn; `sources` give the values of `x-source` lists and formats
    the services check against the database (a category of the catalogue, an uploaded file)."""
    for hint in (schema.get("x-source"), schema.get("format")):
        if sources and hint in sources:
            return draw(sources[hint])
    if "const" in schema:
        return schema["const"]
    choices = [c["const"] for c in schema.get("oneOf", []) if "const" in c] or schema.get("enum")
    if choices:
        return draw(_choice(tuple(choices)))
    kind = field_kind(schema)  # the rule the form macro draws by and web/formdata reads back by
    if kind in ("string", "date", "file"):
        low = int(schema.get("minLength", 0))
        high = min(int(schema.get("maxLength", low + _MAX_EXTRA_CHARS)), low + _MAX_EXTRA_CHARS)
        return draw(_text(schema.get("format"), low, high))
    if kind == "integer":
        low = schema.get("minimum", -1000)
        return draw(_integer(low, schema.get("maximum", low + 100_000)))
    if kind == "boolean":
        return draw(_BOOL)
    if kind in ("files", "rows", "list"):
        return _array(draw, schema, sources)
    if kind == "object":
        return _object(draw, schema, sources)
    raise AssertionError(f"formdata does not know how to fill {schema!r}")


def _array(draw: Draw, schema: dict[str, Any], sources: Sources) -> list[Any]:
    items = schema.get("items", {})
    low = int(schema.get("minItems", 0))
    high = min(int(schema.get("maxItems", low + _MAX_EXTRA_ITEMS)), low + _MAX_EXTRA_ITEMS)
    element = st.composite(lambda d: value_of(d, items, sources))()
    if schema.get("uniqueItems"):
        values = draw(st.lists(element, min_size=low, max_size=high, unique_by=_key))
    else:
        values = draw(st.lists(element, min_size=low, max_size=high))
    contains = schema.get("contains")
    if contains is not None and not any(_matches(contains, v) for v in values):
        wanted = value_of(draw, merged(items, contains), sources)
        values.insert(draw(st.integers(0, len(values))), wanted)
        if schema.get("uniqueItems"):
            values = list({_key(v): v for v in values}.values())
    return values


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _object(draw: Draw, schema: dict[str, Any], sources: Sources) -> dict[str, Any]:
    required = set(schema.get("required", []))
    out: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        if prop.get("readOnly"):
            continue  # shown, never sent
        if name in required or draw(_BOOL):
            photo_row = name == "file" and "publish" in schema.get("properties", {})
            if photo_row and sources and "photo" in sources:  # a row an album publishes: an image
                out[name] = draw(sources["photo"])
            else:
                out[name] = value_of(draw, prop, sources)
    for clause in [*schema.get("allOf", []), *([schema] if "if" in schema else [])]:
        if "if" not in clause:
            continue
        branch = clause.get("then") if _matches(clause["if"], out) else clause.get("else")
        if not branch:
            continue
        narrowed = merged({"properties": schema.get("properties", {})}, branch)
        for name in {*branch.get("required", []), *branch.get("properties", {})}:
            prop = narrowed["properties"].get(name, {})
            present = name in out
            if (not present and name in branch.get("required", [])) or (
                present and not _matches(prop, out[name])
            ):
                out[name] = value_of(draw, prop, sources)
    for name, prop in schema.get("properties", {}).items():
        floor = out.get(prop.get("x-not-before", ""))
        if isinstance(out.get(name), str) and isinstance(floor, str) and out[name] < floor:
            out[name] = floor
    return out


@st.composite
def form_data(draw: Draw, key: str, schema: dict[str, Any], sources: Sources = None) -> dict[str, Any]:
    """A submission of form `key` that bpmnpub's validator accepts."""
    value = _object(draw, schema, sources)
    return validate(_form(key, _key(schema)), value)
