"""The form editor's model (assets/form-model.js, run in Node) against bpmnpub.forms: every schema comes
back from the editor as it went in (fields, their order, every key, `required`'s order), each field gets
the kind the task page draws it as, and what the editor makes after any sequence of edits is a form that
deploy accepts, with the fields in the order the process owner left them."""

from __future__ import annotations

import json
import shutil
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpmnpub import form_files, forms
from bpmnpub.errors import ValidationError

from ..conftest import PROCESSES

SCRIPT = Path(__file__).with_name("form_model.mjs")
NODE = shutil.which("node")

# the editor's kind -> how the task page draws the field (forms.input_kind)
DRAWN_AS = {
    "text": "text",
    "textarea": "textarea",
    "integer": "integer",
    "number": "number",
    "date": "date",
    "boolean": "boolean",
    "choice": "choice",
    "multi": "multi",
    "source": "text",  # a text field the page turns into a select of the office's list
    "sources": "multi",
    "file": "file",
    "files": "files",
    "rows": "rows",
    "lines": "lines",
}


class Editor:
    def __init__(self) -> None:
        assert NODE, "Node.js is needed (make install installs it): the form editor's model runs in it"
        self.process = subprocess.Popen(
            [NODE, str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8"
        )

    def run(self, schema: dict[str, Any], edits: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(
            json.dumps({"schema": schema, "edits": edits or []}, ensure_ascii=False) + "\n"
        )
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the Node model stopped"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=10)
        if self.process.stdout:
            self.process.stdout.close()


@pytest.fixture(scope="module")
def editor() -> Iterator[Editor]:
    running = Editor()
    yield running
    running.close()


names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(lambda n: n[0] != "_")
thai = st.text("กขคงจฉชซญดตถทนบปผพฟมยรลวสหอะาิีุูเแโใไ่้๊๋ั็ ", min_size=1, max_size=12).filter(str.strip)
options = st.lists(
    st.fixed_dictionaries({"const": names, "title": thai}),
    min_size=1,
    max_size=4,
    unique_by=lambda o: o["const"],
)
extras = st.dictionaries(st.sampled_from(["description", "x-help", "default_note"]), thai, max_size=2)


def leaf() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(
            lambda t, e, n: {"type": "string", "title": t, **e, "maxLength": n},
            thai,
            extras,
            st.integers(1, 500),
        ),
        st.builds(lambda t, e: {"title": t, "type": "string", "x-widget": "textarea", **e}, thai, extras),
        st.builds(lambda t, lo: {"type": "integer", "title": t, "minimum": lo}, thai, st.integers(0, 9)),
        st.builds(lambda t: {"type": "number", "title": t}, thai),
        st.builds(lambda t: {"type": "string", "format": "date", "title": t}, thai),
        st.builds(lambda t: {"type": "boolean", "title": t}, thai),
        st.builds(lambda t, o: {"type": "string", "title": t, "oneOf": o}, thai, options),
        st.builds(
            lambda t, o: {"type": "string", "title": t, "enum": [x["const"] for x in o]}, thai, options
        ),
        st.builds(
            lambda t, o: {
                "type": "array",
                "title": t,
                "items": {"type": "string", "oneOf": o},
                "uniqueItems": True,
            },
            thai,
            options,
        ),
        st.builds(
            lambda t, s: {"type": "string", "title": t, "x-source": s, "minLength": 1},
            thai,
            st.sampled_from(["categories", "groups", "users", "roles"]),
        ),
        st.builds(
            lambda t: {"type": "array", "title": t, "items": {"type": "string", "x-source": "ita_items"}},
            thai,
        ),
        st.builds(lambda t: {"type": "string", "format": "file-id", "title": t}, thai),
        st.builds(
            lambda t: {"type": "array", "title": t, "items": {"type": "string", "format": "file-id"}}, thai
        ),
        st.builds(lambda t: {"type": "array", "title": t, "items": {"type": "string"}}, thai),
    )


@st.composite
def object_schema(draw: Any, depth: int = 0) -> dict[str, Any]:
    field_names = draw(st.lists(names, min_size=1 if depth else 0, max_size=6, unique=True))
    props: dict[str, Any] = {}
    for name in field_names:
        if depth == 0 and draw(st.integers(0, 6)) == 0:
            rows = draw(object_schema(depth=1))
            props[name] = {"type": "array", "title": draw(thai), "items": {"type": "object", **rows}}
        else:
            props[name] = draw(leaf())
    required = draw(st.lists(st.sampled_from(field_names), unique=True)) if field_names else []
    parts: list[tuple[str, Any]] = [("properties", props)]
    if required or draw(st.booleans()):
        parts.append(("required", required))
    if depth == 0:
        parts += [("type", "object"), ("title", draw(thai))]
        if draw(st.booleans()):
            parts.append(("$schema", "https://json-schema.org/draft/2020-12/schema"))
        if draw(st.booleans()):
            parts.append(("description", draw(thai)))
    return dict(draw(st.permutations(parts)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=object_schema())
def test_a_schema_comes_back_from_the_editor_unchanged(editor: Editor, schema: dict[str, Any]) -> None:
    answer = editor.run(schema)
    # same JSON text: the same fields in the same order, every key, `required` in its order
    assert json.dumps(answer["schema"], ensure_ascii=False) == json.dumps(schema, ensure_ascii=False)
    props = schema["properties"]
    assert [DRAWN_AS[k] for k in answer["kinds"]] == [forms.input_kind(p) for p in props.values()]


def test_every_shipped_form_comes_back_unchanged(editor: Editor) -> None:
    for path in sorted((PROCESSES / "forms").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        answer = editor.run(schema)
        assert answer["schema"] == schema and list(answer["schema"]["properties"]) == list(
            schema["properties"]
        )
        assert "other" not in answer["kinds"], path.name


KINDS = sorted(DRAWN_AS)


@st.composite
def edits(draw: Any, count: int) -> tuple[list[dict[str, Any]], list[str], dict[str, str]]:
    """A sequence of edits on fields f0.., the field order it must leave and {name: original name} of the
    fields only moved or renamed (simulated here)."""
    order = [f"f{i}" for i in range(count)]
    origin: list[str | None] = list(order)
    changed: set[str] = set()
    made: list[dict[str, Any]] = []
    fresh = iter(f"renamed_{i}" for i in range(100))
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(["add", "move", "remove", "rename", "kind", "required", "title"]))
        if op == "add" or not order:
            kind = draw(st.sampled_from(KINDS))
            made.append({"op": "add", "kind": kind, "title": draw(thai), "options": draw(options)})
            n = len(order) + 1
            while f"field_{n}" in order:
                n += 1
            order.append(f"field_{n}")
            origin.append(None)
            continue
        index = draw(st.integers(0, len(order) - 1))
        if op == "move":
            by = draw(st.sampled_from([-1, 1]))
            made.append({"op": "move", "index": index, "by": by})
            if 0 <= index + by < len(order):
                order.insert(index + by, order.pop(index))
                origin.insert(index + by, origin.pop(index))
        elif op == "remove":
            made.append({"op": "remove", "index": index})
            order.pop(index)
            origin.pop(index)
        elif op == "rename":
            name = next(fresh)
            made.append({"op": "rename", "index": index, "name": name})
            order[index] = name
        elif op in ("kind", "required", "title") and origin[index]:
            changed.add(str(origin[index]))
        if op == "kind":
            made.append(
                {"op": "kind", "index": index, "kind": draw(st.sampled_from(KINDS)), "options": draw(options)}
            )
        elif op == "required":
            made.append({"op": "required", "index": index, "value": draw(st.booleans())})
        elif op == "title":
            made.append({"op": "title", "index": index, "title": draw(thai)})
    kept = {name: was for name, was in zip(order, origin, strict=True) if was and was not in changed}
    return made, order, kept


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_the_editor_makes_is_a_form_deploy_accepts_in_the_order_left(editor: Editor, data: Any) -> None:
    count = data.draw(st.integers(0, 4))
    props = {f"f{i}": data.draw(leaf()) for i in range(count)}
    schema = {"title": "แบบฟอร์ม", "type": "object", "properties": props, "required": list(props)[:1]}
    made, order, kept = data.draw(edits(count))
    answer = editor.run(schema, made)
    result = answer["schema"]
    assert list(result["properties"]) == order == answer["names"]
    assert form_files.check_schema("edited_form", result) == [], (made, result)
    assert answer["problems"] == [] or any(p["message"] == "feRowsEmpty" for p in answer["problems"])
    assert set(result.get("required", [])) <= set(order) and len(set(result.get("required", []))) == len(
        result.get("required", [])
    )
    # required fields are the ones a blank submission is refused for, each named
    if result.get("required"):
        with pytest.raises(ValidationError) as refused:
            forms.validate(forms.FormSpec("edited_form", result), {})
        assert {p.field for p in refused.value.problems} == set(result["required"])
    # fields only moved or renamed keep their schema as it was
    for name, was in kept.items():
        assert result["properties"][name] == props[was], (name, was, made)
