"""A browser form post, turned into the data a JSON Schema form expects.

The browser sends strings; the form (bpmnpub.forms) wants typed JSON. `parse_submission` walks the form's
schema, reads the input names the `_macros/form.html` macros write, and converts:

    name                      text, textarea, select, radio: a string; numbers (also Thai digits) for
                              integer/number; a date typed in the Buddhist era (15/01/2569, ๑๕/๐๑/๒๕๖๙,
                              15012569, 15 ม.ค. 2569) or ISO (2026-01-15) -> "2026-01-15"
    name (checkbox)           a boolean: present -> true, absent -> false
    name (repeated)           an array of enum values (checkbox group)
    name (hidden, repeated)   file ids kept from earlier (files already uploaded); `name._remove` = an id
                              to drop; new uploads under `name` are stored through `store_file`
    name.3.sub                row 3 of an array of objects; indexes may have gaps (rows removed in the
                              browser): rows keep their order and are renumbered 0, 1, 2 ...
    name (file, on an array of objects with one file field): each upload becomes a new row (bulk photos)

Empty optional fields are left out (so `required` reports them), read-only fields and unknown names
(csrf_token, the submit button, ...) are ignored. It never raises on hostile input: what cannot be
converted becomes a FieldProblem (Thai message) and the rest is kept.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from ..errors import (
    N_,
    FieldProblem,
    QuotaExceededError,
    UnsupportedMediaTypeError,
    UploadTooLargeError,
    problem,
)
from ..forms import enum_values as _enum_values
from ..forms import field_kind as _kind
from ..thaidate import MONTHS_LONG, MONTHS_SHORT, be_year, ce_year
from .errors import quota_message
from .i18n import say

__all__ = ["MAX_ROWS", "ParsedSubmission", "Unreadable", "parse_date", "parse_submission"]

MAX_ROWS = 500  # rows of one array of objects; also the largest index accepted (+ slack below)
MAX_INDEX = 9999
REMOVE = "_remove"  # `field._remove` = the id of a kept file to drop
TRUE_VALUES = frozenset({"true", "on", "1", "yes"})

_ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_INTEGER = re.compile(r"[+-]?\d{1,18}", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:\d{1,18}(?:\.\d{0,18})?|\.\d{1,18})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", re.ASCII)
_COMPACT = re.compile(r"(\d{2})(\d{2})(\d{4})", re.ASCII)
_THAI_MONTH = re.compile(r"(\d{1,2})\s*([^\d\s]+?)\s*(?:พ\.?\s?ศ\.?)?\s*(\d{2}|\d{4})")
_MONTHS = {
    **{name.replace(".", ""): i for i, name in enumerate(MONTHS_SHORT, 1)},
    **{name: i for i, name in enumerate(MONTHS_LONG, 1)},
}


@dataclass(frozen=True)
class ParsedSubmission:
    """`data` is ready for bpmnpub.forms.validate; `problems` are what could not be converted.

    `entered` keeps, by field path, the text the user typed where it could not be used (a bad date,
    "abc" for a number) and "" for fields sent empty, so a form re-shown after an error shows what
    the user typed, not the form's default: pass `form_values` to the form macro."""

    data: dict[str, Any]
    problems: list[FieldProblem]
    entered: dict[str, str] = field(default_factory=dict)

    @property
    def form_values(self) -> dict[str, Any]:
        values = copy.deepcopy(self.data)
        for path, text in self.entered.items():
            _put(values, path.split("."), text)
        return values

    @property
    def errors(self) -> dict[str, str]:
        """{field path: message in the reader's language}, first problem per field, as the form macro
        takes them."""
        out: dict[str, str] = {}
        for found in self.problems:
            out.setdefault(found.field, say(found))
        return out


def _put(values: Any, parts: list[str], text: str) -> None:
    head, rest = parts[0], parts[1:]
    if isinstance(values, dict):
        if not rest:
            values.setdefault(head, text)
        elif head in values:
            _put(values[head], rest, text)
    elif isinstance(values, list) and head.isdigit() and int(head) < len(values) and rest:
        _put(values[int(head)], rest, text)


class Unreadable(ValueError):
    """A value the user typed that cannot be converted. `str()` says it in Thai (logs); a page says it
    in its reader's language from `problem(field)` (web/i18n.say), like every other field message."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params

    def problem(self, field: str) -> FieldProblem:
        return problem(field, self.template, **self.params)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


# --- dates --------------------------------------------------------------------------------------------


def _year(text: str) -> int:
    """A year typed by a Thai user, as C.E.: 2569 / 69 are B.E.; 1900-2399 are taken as C.E."""
    year = int(text)
    if len(text) == 2:
        year += 2500
    if year >= 2400:
        year = ce_year(year)
    if not 1900 <= year <= 2300:
        raise Unreadable(N_("ปีไม่ถูกต้อง กรุณากรอกปี พ.ศ. เช่น 2569 (วว/ดด/ปปปป (พ.ศ.) เช่น 15/01/2569)"))
    return year


def parse_date(text: str) -> str:
    """A date typed by a user -> ISO `yyyy-mm-dd` (C.E.). Raises Unreadable (a ValueError whose
    `problem(field)` the page says in its reader's language)."""
    raw = _SPACES.sub(" ", text.translate(_ARABIC)).strip()
    compact = raw.replace(" ", "")
    if match := _ISO.fullmatch(compact):
        year_text, month, day = match.group(1), int(match.group(2)), int(match.group(3))
    elif (match := _DMY.fullmatch(compact)) or (match := _COMPACT.fullmatch(compact)):
        day, month, year_text = int(match.group(1)), int(match.group(2)), match.group(3)
    elif (match := _THAI_MONTH.fullmatch(raw)) and match.group(2).replace(".", "") in _MONTHS:
        day, month, year_text = int(match.group(1)), _MONTHS[match.group(2).replace(".", "")], match.group(3)
    else:
        raise Unreadable(N_("วันที่ไม่ถูกต้อง กรุณากรอกเป็น วว/ดด/ปปปป (พ.ศ.) เช่น 15/01/2569"))
    year = _year(year_text)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        shown = f"{day:02d}/{month:02d}/{be_year(year)}"
        raise Unreadable(N_("ไม่มีวันที่ %(shown)s ในปฏิทิน กรุณาตรวจสอบวัน เดือน และปี พ.ศ."), shown=shown) from None


# --- schema helpers -----------------------------------------------------------------------------------


def _properties(schema: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return []
    return [(name, p) for name, p in props.items() if isinstance(name, str) and isinstance(p, dict)]


def _single_file_property(items: dict[str, Any]) -> str | None:
    names = [n for n, p in _properties(items) if _kind(p) == "file" and not p.get("readOnly")]
    return names[0] if len(names) == 1 else None


def _filename(storage: FileStorage) -> str:
    name = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name if len(name) <= 80 else name[:77] + "..."


# --- the parser ---------------------------------------------------------------------------------------


class _Parser:
    def __init__(
        self,
        form: MultiDict[str, str],
        files: MultiDict[str, FileStorage],
        store_file: Callable[[FileStorage], str],
    ) -> None:
        self.form = form
        self.files = files
        self.store_file = store_file
        self.problems: list[FieldProblem] = []
        self.entered: dict[str, str] = {}
        self.names = [str(k) for k in list(form.keys()) + list(files.keys())]

    # problems ----------------------------------------------------------------------------------------
    def refuse(self, path: str, message: str) -> None:
        self.problems.append(FieldProblem(path, message))

    def store(self, storage: FileStorage, rejected: list[str]) -> str | None:
        try:
            file_id = self.store_file(storage)
        except QuotaExceededError as exc:
            rejected.append(f"“{_filename(storage)}”: {quota_message(exc)}")
            return None
        except UploadTooLargeError:
            rejected.append(f"ไฟล์ “{_filename(storage)}” มีขนาดใหญ่เกินกำหนด")
            return None
        except UnsupportedMediaTypeError:
            rejected.append(
                f"ไฟล์ “{_filename(storage)}” เป็นชนิดที่ไม่รองรับ หรือเนื้อไฟล์ไม่ตรงกับนามสกุล (รับ PDF, ภาพ, Word, Excel)"
            )
            return None
        return str(file_id)

    def uploads(self, name: str) -> list[FileStorage]:
        return [s for s in self.files.getlist(name) if isinstance(s, FileStorage) and s.filename]

    # values ------------------------------------------------------------------------------------------
    def fields(self, schema: dict[str, Any], read: str, report: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, prop in _properties(schema):
            if prop.get("readOnly"):
                continue
            value = self.value(prop, f"{read}{name}", f"{report}{name}")
            if value is not MISSING:
                out[name] = value
        return out

    def value(self, prop: dict[str, Any], read: str, report: str) -> Any:
        kind = _kind(prop)
        if kind == "boolean":
            return any(v.strip().lower() in TRUE_VALUES for v in self.form.getlist(read))
        if kind == "files":
            return self.file_list(read, report)
        if kind == "file":
            return self.file(read, report)
        if kind == "rows":
            return self.rows(prop, read, report)
        if kind == "object":
            out = self.fields(prop, f"{read}.", f"{report}.")
            return out if out else MISSING
        if kind == "list":
            return self.scalar_list(prop, read, report)
        return self.scalar(prop, kind, self.form.getlist(read), report)

    def scalar(self, prop: dict[str, Any], kind: str, texts: list[str], report: str) -> Any:
        if not texts:
            return MISSING
        text = texts[0].replace("\r\n", "\n").replace("\r", "\n").strip()
        if not text:
            self.entered[report] = ""
            return MISSING
        try:
            return self.convert(kind, text)
        except Unreadable as exc:
            self.entered[report] = text
            self.problems.append(exc.problem(report))
            return MISSING

    def convert(self, kind: str, text: str) -> Any:
        if kind == "integer":
            number = _SPACES.sub("", text.translate(_ARABIC)).replace(",", "")
            if not _INTEGER.fullmatch(number):
                raise Unreadable(N_("กรุณากรอกเป็นตัวเลขจำนวนเต็ม เช่น 12"))
            return int(number)
        if kind == "number":
            number = _SPACES.sub("", text.translate(_ARABIC)).replace(",", "")
            if not _NUMBER.fullmatch(number):
                raise Unreadable(N_("กรุณากรอกเป็นตัวเลข เช่น 12 หรือ 12.5"))
            value = float(number)
            return int(value) if value.is_integer() and "." not in number else value
        if kind == "date":
            return parse_date(text)
        return text

    def scalar_list(self, prop: dict[str, Any], read: str, report: str) -> Any:
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        assert isinstance(items, dict)
        kind = _kind(items)
        if kind not in ("string", "integer", "number", "date", "boolean"):
            return MISSING
        texts = self.form.getlist(read)
        if items.get("x-source") and texts and not any(t.strip() for t in texts):
            return []  # a list chosen from a source (O items), sent with none ticked: an answer
        if not _enum_values(items) and not items.get("x-source"):  # free text: one per line of a textarea
            texts = [line for text in texts for line in text.splitlines()]
        out: list[Any] = []
        for text in texts:
            text = text.strip()
            if not text:
                continue
            if kind == "boolean":
                out.append(text.lower() in TRUE_VALUES)
                continue
            try:
                out.append(self.convert(kind, text))
            except Unreadable as exc:
                self.problems.append(exc.problem(report))
        if not out and texts:
            self.entered[report] = ""
        return out if out else MISSING

    def kept_ids(self, read: str) -> list[str]:
        removed = {v.strip() for v in self.form.getlist(f"{read}.{REMOVE}")}
        ids: list[str] = []
        for value in self.form.getlist(read):
            value = value.strip()
            if value and value not in removed and value not in ids:
                ids.append(value)
        return ids

    def file_list(self, read: str, report: str) -> Any:
        ids = self.kept_ids(read)
        rejected: list[str] = []
        for storage in self.uploads(read):
            file_id = self.store(storage, rejected)
            if file_id is not None and file_id not in ids:
                ids.append(file_id)
        if rejected:
            self.refuse(report, " · ".join(rejected))
        return ids if ids else MISSING

    def file(self, read: str, report: str) -> Any:
        kept = self.kept_ids(read)
        rejected: list[str] = []
        new = [self.store(s, rejected) for s in self.uploads(read)[:1]]
        if rejected:
            self.refuse(report, " · ".join(rejected))
        chosen = [i for i in new if i is not None] or kept
        return chosen[0] if chosen else MISSING

    def rows(self, prop: dict[str, Any], read: str, report: str) -> Any:
        items = prop["items"]
        prefix = f"{read}."
        indexes: set[int] = set()
        hostile = False
        for name in self.names:
            if not name.startswith(prefix):
                continue
            segment = name[len(prefix) :].split(".", 1)[0]
            if not (segment.isascii() and segment.isdigit()):
                continue  # not a row of this array: an unknown name, ignored
            if len(segment) > len(str(MAX_INDEX)) or int(segment) > MAX_INDEX:
                hostile = True
                continue
            indexes.add(int(segment))
        if hostile:
            self.problems.append(
                problem(report, "ข้อมูลรายการไม่ถูกต้อง (ลำดับรายการเกินกำหนด) กรุณาตรวจสอบแล้วบันทึกอีกครั้ง")
            )
        if len(indexes) > MAX_ROWS:
            self.problems.append(problem(report, "มีได้ไม่เกิน %(n)s รายการ", n=MAX_ROWS))
        rows: list[dict[str, Any]] = []
        for old in sorted(indexes)[:MAX_ROWS]:
            new = len(rows)
            problems_before = len(self.problems)
            entered_before = set(self.entered)
            row = self.fields(items, f"{read}.{old}.", f"{report}.{new}.")
            if len(self.problems) > problems_before or _has_content(items, row):
                rows.append(row)
            else:  # a blank row (added and left empty): dropped
                for path in set(self.entered) - entered_before:
                    del self.entered[path]
        rows.extend(self.bulk_rows(items, read, report, len(rows)))
        return rows if rows else MISSING

    def bulk_rows(self, items: dict[str, Any], read: str, report: str, start: int) -> list[dict[str, Any]]:
        """Uploads sent under the array's own name: one new row per file (photos chosen all at once)."""
        file_field = _single_file_property(items)
        if file_field is None:
            return []
        defaults = {
            name: p["default"]
            for name, p in _properties(items)
            if "default" in p and not p.get("readOnly") and name != file_field
        }
        rejected: list[str] = []
        rows = []
        for storage in self.uploads(read)[: max(0, MAX_ROWS - start)]:
            file_id = self.store(storage, rejected)
            if file_id is not None:
                rows.append({file_field: file_id, **copy.deepcopy(defaults)})
        if rejected:
            self.refuse(report, " · ".join(rejected))
        return rows


def _has_content(items: dict[str, Any], row: dict[str, Any]) -> bool:
    """A row counts when anything but its checkboxes holds a value (or it has nothing but checkboxes)."""
    kinds = {name: _kind(p) for name, p in _properties(items)}
    if all(kind == "boolean" for kind in kinds.values()):
        return bool(row)
    return any(kinds.get(name) != "boolean" for name in row)


def parse_submission(
    schema: dict[str, Any],
    form: MultiDict[str, str],
    files: MultiDict[str, FileStorage],
    store_file: Callable[[FileStorage], str],
) -> ParsedSubmission:
    """The browser's post as the form's data; see the module docstring for the input names.

    `store_file` saves one upload and returns its id, or raises UploadTooLargeError /
    UnsupportedMediaTypeError: such a file becomes a FieldProblem on its field, everything else is kept."""
    parser = _Parser(form, files, store_file)
    data = parser.fields(schema if isinstance(schema, dict) else {}, "", "")
    return ParsedSubmission(data, parser.problems, parser.entered)
