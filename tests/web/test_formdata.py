"""Browser form posts -> form data (bpmnpub.web.formdata): conversions, rows, files, hostile input, and a
valid browser-style post for every form in processes/forms passing bpmnpub.forms.validate."""

from __future__ import annotations

import hashlib
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from bpmnpub.errors import FieldProblem, UnsupportedMediaTypeError, UploadTooLargeError, ValidationError
from bpmnpub.forms import FormSpec, validate
from bpmnpub.thaidate import input_date
from bpmnpub.web.formdata import MAX_ROWS, ParsedSubmission, parse_date, parse_submission

FORMS_DIR = Path(__file__).resolve().parents[2] / "processes" / "forms"
FORMS = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(FORMS_DIR.glob("*.json"))}
KEPT = "a" * 32
KEPT2 = "b" * 32


def thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


class Store:
    """store_file stand-in: ids are derived from the file name; some names are refused."""

    def __init__(self, unsupported: tuple[str, ...] = (), too_large: tuple[str, ...] = ()) -> None:
        self.unsupported = unsupported
        self.too_large = too_large
        self.stored: list[str] = []

    def __call__(self, storage: FileStorage) -> str:
        name = storage.filename or ""
        if name in self.unsupported:
            raise UnsupportedMediaTypeError(f"{name}: type not allowed")
        if name in self.too_large:
            raise UploadTooLargeError(f"{name}: too large")
        self.stored.append(name)
        return self.id(name)

    @staticmethod
    def id(name: str) -> str:
        return hashlib.sha256(name.encode()).hexdigest()[:32]


def upload(name: str, content: bytes = b"%PDF-1.4\n%%EOF\n") -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name)


def empty_upload() -> FileStorage:
    """What a browser sends for a file input left empty."""
    return FileStorage(io.BytesIO(b""), filename="")


def parse(
    schema: dict[str, Any],
    form: list[tuple[str, str]] | dict[str, str],
    files: list[tuple[str, FileStorage]] | None = None,
    store: Store | None = None,
) -> ParsedSubmission:
    return parse_submission(schema, MultiDict(form), MultiDict(files or []), store or Store())


def obj(required: tuple[str, ...] = (), **props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(required)}


TEXT = {"type": "string", "title": "ข้อความ"}
INT = {"type": "integer", "title": "จำนวน"}
NUM = {"type": "number", "title": "ตัวเลข"}
DATE = {"type": "string", "format": "date", "title": "วันที่"}
BOOL = {"type": "boolean", "title": "ใช่หรือไม่"}
FILES = {"type": "array", "title": "ไฟล์", "items": {"type": "string", "format": "file-id"}}
CHANNELS = FORMS["general_request_form"]["properties"]["channels"]
PHOTOS = FORMS["photo_caption_form"]["properties"]["photos"]
# A fixed array of objects (the live appointment form changes with the office's needs; these tests are
# about rows, not about that form).
APPOINTEES = {
    "type": "array",
    "title": "ผู้ได้รับแต่งตั้ง",
    "items": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "title": "ชื่อ-สกุล"},
            "position": {"type": "string", "title": "ตำแหน่ง"},
            "group": {"type": "string", "title": "กลุ่ม"},
            "duty": {"type": "string", "title": "หน้าที่"},
        },
    },
}


# --- scalars ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), ("๑๒", 12), (" 1,234 ", 1234), ("-3", -3), ("๒๕๖๙", 2569), ("0", 0)],
)
def test_integers_accept_arabic_and_thai_digits(text: str, expected: int) -> None:
    parsed = parse(obj(n=INT), {"n": text})
    assert parsed.data == {"n": expected}
    assert parsed.problems == []


@pytest.mark.parametrize("text", ["abc", "1.5", "12 คน", "1e5", "9" * 5000])
def test_bad_integers_are_thai_field_problems(text: str) -> None:
    parsed = parse(obj(n=INT, other=TEXT), {"n": text, "other": "ok"})
    assert parsed.data == {"other": "ok"}
    assert [p.field for p in parsed.problems] == ["n"]
    assert thai(parsed.problems[0].message)
    assert parsed.entered["n"] == text.strip()
    assert parsed.form_values == {"other": "ok", "n": text.strip()}


@pytest.mark.parametrize(("text", "expected"), [("12.5", 12.5), ("๓.๕", 3.5), ("7", 7), (".5", 0.5)])
def test_numbers(text: str, expected: float) -> None:
    assert parse(obj(x=NUM), {"x": text}).data == {"x": expected}


def test_strings_are_trimmed_and_newlines_normalised() -> None:
    schema = obj(t=TEXT, area={**TEXT, "x-widget": "textarea"})
    parsed = parse(schema, {"t": "  ชื่อเรื่อง  ", "area": "บรรทัด 1\r\nบรรทัด 2\r\n"})
    assert parsed.data == {"t": "ชื่อเรื่อง", "area": "บรรทัด 1\nบรรทัด 2"}


def test_empty_optional_fields_are_left_out_so_required_reports_them() -> None:
    schema = FORMS["objective_form"]
    form = {"title": "  ", "category": "", "objective": "วัตถุประสงค์", "target_audience": "", "target_date": ""}
    parsed = parse(schema, form)
    assert parsed.data == {"objective": "วัตถุประสงค์"}
    assert parsed.problems == []
    with pytest.raises(ValidationError) as caught:
        validate(FormSpec("objective_form", schema), parsed.data)
    assert {p.field for p in caught.value.problems} == {"title", "category", "target_date"}
    # a re-shown form keeps the fields empty (not their defaults)
    assert parsed.form_values["title"] == ""


def test_unknown_names_and_read_only_fields_are_ignored() -> None:
    schema = FORMS["evaluation_form"]
    form = {
        "csrf_token": "tok",
        "action": "complete",
        "views": "999999",
        "views_since": "hacked",
        "evaluation_result": "ดี",
        "evaluation_result.0.x": "junk",
        "__proto__": "x",
    }
    parsed = parse(schema, form)
    assert parsed.data == {"evaluation_result": "ดี"}
    assert parsed.problems == []


@pytest.mark.parametrize(
    ("sent", "expected"), [(["true"], True), (["on"], True), ([], False), (["false"], False)]
)
def test_booleans_are_checkbox_presence(sent: list[str], expected: bool) -> None:
    parsed = parse(obj(b=BOOL), [("b", v) for v in sent])
    assert parsed.data == {"b": expected}


def test_const_true_confirmation_unticked_is_reported_by_the_form() -> None:
    schema = FORMS["publish_confirm_form"]
    parsed = parse(schema, {"publish_note": ""})
    assert parsed.data == {"confirmed": False}
    with pytest.raises(ValidationError) as caught:
        validate(FormSpec("publish_confirm_form", schema), parsed.data)
    assert caught.value.problems == [FieldProblem("confirmed", "ต้องยืนยันข้อนี้")]


def test_single_choice_and_enum_arrays() -> None:
    schema = obj(channels=CHANNELS, decision=FORMS["review_form"]["properties"]["decision"])
    form = [("channels", "website"), ("channels", ""), ("channels", "newsletter"), ("decision", "revise")]
    assert parse(schema, form).data == {"channels": ["website", "newsletter"], "decision": "revise"}
    assert parse(schema, [("channels", "")]).data == {}
    assert parse(schema, []).data == {}


def test_free_text_arrays_one_per_line() -> None:
    schema = obj(tags={"type": "array", "title": "คำค้น", "items": {"type": "string"}})
    assert parse(schema, {"tags": "ก\r\n\r\nข\n"}).data == {"tags": ["ก", "ข"]}


# --- dates --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "15/01/2569",
        "15/1/2569",
        "๑๕/๐๑/๒๕๖๙",
        "2026-01-15",
        "15012569",
        "15-01-2569",
        "15.01.2569",
        " 15 / 01 / 2569 ",
        "15 ม.ค. 2569",
        "๑๕ มกราคม ๒๕๖๙",
        "15 มกราคม พ.ศ. 2569",
        "15/01/69",
    ],
)
def test_dates_in_the_buddhist_era(text: str) -> None:
    parsed = parse(obj(d=DATE), {"d": text})
    assert parsed.problems == []
    assert parsed.data == {"d": "2026-01-15"}


def test_leap_day_is_checked_in_the_christian_year() -> None:
    assert parse_date("29/02/2567") == "2024-02-29"  # 2024 is a leap year
    parsed = parse(obj(d=DATE), {"d": "29/02/2568"})
    assert parsed.data == {}
    assert parsed.problems[0].field == "d"
    assert "29/02/2568" in parsed.problems[0].message


@pytest.mark.parametrize("text", ["31/02/2569", "๓๑/๐๔/๒๕๖๙", "15/13/2569", "00/01/2569", "2026-02-30"])
def test_impossible_dates_are_thai_problems(text: str) -> None:
    parsed = parse(obj(d=DATE, t=TEXT), {"d": text, "t": "เก็บไว้"})
    assert parsed.data == {"t": "เก็บไว้"}
    assert len(parsed.problems) == 1
    problem = parsed.problems[0]
    assert problem.field == "d"
    assert "ไม่มีวันที่" in problem.message
    assert parsed.form_values["d"] == text


@pytest.mark.parametrize("text", ["พรุ่งนี้", "15/01", "1/1/1500", "15/01/25690", "2569"])
def test_unreadable_dates_are_thai_problems(text: str) -> None:
    parsed = parse(obj(d=DATE), {"d": text})
    assert parsed.data == {}
    assert [p.field for p in parsed.problems] == ["d"]
    assert "พ.ศ." in parsed.problems[0].message


def test_display_date() -> None:
    assert input_date("2026-01-15") == "15/01/2569"
    assert input_date("2025-10-01") == "01/10/2568"
    assert input_date("31/02/2569") == "31/02/2569"  # what the user typed is shown back
    assert input_date(None) == ""
    for text in ["15/01/2569", "๑๕/๐๑/๒๕๖๙", "2026-01-15"]:
        assert input_date(parse_date(text)) == "15/01/2569"


# --- arrays of objects --------------------------------------------------------------------------------


def test_rows_keep_their_order_and_are_renumbered() -> None:
    schema = obj(appointees=APPOINTEES)
    form = [
        ("appointees.7.name", "คนที่สาม"),
        ("appointees.0.name", "คนแรก"),
        ("appointees.0.position", "ครู"),
        ("appointees.3.name", "คนที่สอง"),
        ("appointees.3.duty", "ดูแลเว็บไซต์"),
        ("appointees.7.group", "กลุ่มอำนวยการ"),
    ]
    parsed = parse(schema, form)
    assert parsed.problems == []
    assert parsed.data == {
        "appointees": [
            {"name": "คนแรก", "position": "ครู"},
            {"name": "คนที่สอง", "duty": "ดูแลเว็บไซต์"},
            {"name": "คนที่สาม", "group": "กลุ่มอำนวยการ"},
        ]
    }


def test_row_problems_use_the_renumbered_path() -> None:
    schema = obj(rows={"type": "array", "title": "แถว", "items": obj(d=DATE, n=TEXT)})
    form = [("rows.4.n", "ก"), ("rows.9.n", "ข"), ("rows.9.d", "31/02/2569")]
    parsed = parse(schema, form)
    assert parsed.data == {"rows": [{"n": "ก"}, {"n": "ข"}]}
    assert [p.field for p in parsed.problems] == ["rows.1.d"]
    assert parsed.form_values["rows"][1] == {"n": "ข", "d": "31/02/2569"}


def test_blank_rows_are_dropped_but_checkboxes_alone_do_not_make_a_row() -> None:
    schema = obj(photos=PHOTOS)
    form = [
        ("photos.0.file", KEPT),
        ("photos.0.caption", "ภาพหมู่"),
        ("photos.0.alt_text", "ครูยืนเรียงแถว"),
        ("photos.0.publish", "true"),
        ("photos.1.caption", ""),  # a row added and left empty
        ("photos.1.publish", "true"),
        ("photos.2.file", KEPT2),  # not published: no publish checkbox sent
    ]
    parsed = parse(schema, form, [("photos.1.file", empty_upload())])
    assert parsed.problems == []
    assert parsed.data["photos"] == [
        {"file": KEPT, "caption": "ภาพหมู่", "alt_text": "ครูยืนเรียงแถว", "publish": True},
        {"file": KEPT2, "publish": False},
    ]
    assert parse(schema, [("photos.0.publish", "true")]).data == {}


def test_rows_validate_with_the_form() -> None:
    schema = FORMS["photo_caption_form"]
    form = [
        ("album_description", "กิจกรรมวันครู"),
        ("photos.0.file", KEPT),
        ("photos.0.publish", "true"),
        ("photos.5.file", KEPT2),
        ("photos.5.caption", "ภาพ"),
        ("photos.5.alt_text", "ภาพ"),
        ("photos.5.publish", "true"),
    ]
    parsed = parse(schema, form)
    with pytest.raises(ValidationError) as caught:
        validate(FormSpec("photo_caption_form", schema), parsed.data)
    assert {p.field for p in caught.value.problems} == {"photos.0.caption", "photos.0.alt_text"}


@pytest.mark.parametrize(
    "name", ["appointees.999999999.name", "appointees.10000.name", "appointees.99999999999999999999999.x"]
)
def test_hostile_indexes_are_a_problem_not_a_huge_list(name: str) -> None:
    schema = obj(appointees=APPOINTEES, note=TEXT)
    parsed = parse(schema, [(name, "x"), ("appointees.1.name", "จริง"), ("note", "เก็บไว้")])
    assert parsed.data == {"appointees": [{"name": "จริง"}], "note": "เก็บไว้"}
    assert [p.field for p in parsed.problems] == ["appointees"]
    assert thai(parsed.problems[0].message)


def test_odd_row_names_are_ignored() -> None:
    schema = obj(appointees=APPOINTEES)
    form = [
        ("appointees.-1.name", "x"),
        ("appointees.abc.name", "x"),
        ("appointees.๑.name", "x"),
        ("appointees..name", "x"),
        ("appointees", "x"),
        ("appointees.2", "x"),
        ("appointees.2.unknown", "x"),
    ]
    parsed = parse(schema, form)
    assert parsed.data == {}
    assert parsed.problems == []


def test_too_many_rows_are_cut_and_reported() -> None:
    schema = obj(appointees=APPOINTEES)
    form = [(f"appointees.{i}.name", f"คน {i}") for i in range(MAX_ROWS + 20)]
    parsed = parse(schema, form)
    assert len(parsed.data["appointees"]) == MAX_ROWS
    assert [p.field for p in parsed.problems] == ["appointees"]


# --- files --------------------------------------------------------------------------------------------


def test_kept_and_new_files() -> None:
    schema = obj(attachments=FILES)
    parsed = parse(
        schema,
        [("attachments", KEPT), ("attachments", KEPT2), ("attachments", KEPT)],
        [("attachments", upload("ใหม่.pdf")), ("attachments", empty_upload())],
    )
    assert parsed.problems == []
    assert parsed.data == {"attachments": [KEPT, KEPT2, Store.id("ใหม่.pdf")]}


def test_kept_files_can_be_removed() -> None:
    schema = obj(attachments=FILES)
    parsed = parse(schema, [("attachments", KEPT), ("attachments", KEPT2), ("attachments._remove", KEPT)])
    assert parsed.data == {"attachments": [KEPT2]}
    parsed = parse(schema, [("attachments", KEPT), ("attachments._remove", KEPT)])
    assert parsed.data == {}


def test_rejected_upload_keeps_everything_else_and_is_one_problem() -> None:
    schema = FORMS["general_request_form"]
    store = Store(unsupported=("virus.exe",))
    form = [
        ("csrf_token", "x"),
        ("title", "ประกาศ"),
        ("channels", "website"),
        ("attachments", KEPT),
    ]
    files = [("attachments", upload("virus.exe", b"MZ")), ("attachments", upload("ดี.pdf"))]
    parsed = parse(schema, form, files, store)
    assert parsed.data == {
        "title": "ประกาศ",
        "channels": ["website"],
        "attachments": [KEPT, Store.id("ดี.pdf")],
        "personal_data": False,  # unticked boxes: an answer (no)
        "legal_review": False,
    }
    assert len(parsed.problems) == 1
    problem = parsed.problems[0]
    assert problem.field == "attachments"
    assert "virus.exe" in problem.message
    assert "ไม่รองรับ" in problem.message
    assert store.stored == ["ดี.pdf"]


def test_too_large_upload_is_a_problem() -> None:
    store = Store(too_large=("ใหญ่.pdf",))
    parsed = parse(obj(attachments=FILES), {}, [("attachments", upload("ใหญ่.pdf"))], store)
    assert parsed.data == {}
    assert [p.field for p in parsed.problems] == ["attachments"]
    assert "ใหญ่เกิน" in parsed.problems[0].message


def test_several_rejected_uploads_are_one_problem_per_field() -> None:
    store = Store(unsupported=("a.exe",), too_large=("b.pdf",))
    files = [("attachments", upload("a.exe")), ("attachments", upload("b.pdf"))]
    parsed = parse(obj(attachments=FILES), {}, files, store)
    assert len(parsed.problems) == 1
    assert "a.exe" in parsed.problems[0].message
    assert "b.pdf" in parsed.problems[0].message


def test_file_in_a_row_hidden_id_and_new_upload_share_the_name() -> None:
    schema = obj(photos=PHOTOS)
    store = Store(unsupported=("bad.jpg",))
    form = [
        ("photos.0.file", KEPT),
        ("photos.0.publish", "true"),
        ("photos.1.file", KEPT2),
        ("photos.1.publish", "true"),
        ("photos.2.publish", "true"),
    ]
    files = [
        ("photos.0.file", empty_upload()),  # keeps its file
        ("photos.1.file", upload("bad.jpg")),  # rejected: keeps the old file
        ("photos.2.file", upload("new.jpg")),  # a new row
    ]
    parsed = parse(schema, form, files, store)
    assert parsed.data["photos"] == [
        {"file": KEPT, "publish": True},
        {"file": KEPT2, "publish": True},
        {"file": Store.id("new.jpg"), "publish": True},
    ]
    assert [p.field for p in parsed.problems] == ["photos.1.file"]


def test_rejected_upload_in_a_new_row_keeps_the_row_for_its_error() -> None:
    schema = obj(photos=PHOTOS)
    store = Store(unsupported=("bad.jpg",))
    parsed = parse(schema, [("photos.4.caption", "")], [("photos.4.file", upload("bad.jpg"))], store)
    assert [p.field for p in parsed.problems] == ["photos.0.file"]
    assert parsed.data == {"photos": [{"publish": False}]}


def test_bulk_upload_on_a_photo_array_adds_one_row_per_file() -> None:
    schema = FORMS["photo_select_form"]
    store = Store(unsupported=("bad.jpg",))
    form = [("photos.0.file", KEPT), ("photos.0.caption", "เดิม")]
    files = [("photos", upload("1.jpg")), ("photos", upload("bad.jpg")), ("photos", upload("2.jpg"))]
    parsed = parse(schema, form, files, store)
    assert parsed.data == {
        "photos": [
            {"file": KEPT, "caption": "เดิม", "publish": False},
            {"file": Store.id("1.jpg"), "publish": True},
            {"file": Store.id("2.jpg"), "publish": True},
        ]
    }
    assert [p.field for p in parsed.problems] == ["photos"]
    validate(FormSpec("photo_select_form", schema), parsed.data)


def test_other_store_errors_are_not_swallowed() -> None:
    def broken(storage: FileStorage) -> str:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        parse_submission(obj(a=FILES), MultiDict(), MultiDict([("a", upload("x.pdf"))]), broken)


def test_errors_mapping_keeps_the_first_problem_per_field() -> None:
    parsed = ParsedSubmission(
        {}, [FieldProblem("a", "หนึ่ง"), FieldProblem("a", "สอง"), FieldProblem("b", "สาม")]
    )
    assert parsed.errors == {"a": "หนึ่ง", "b": "สาม"}


# --- hostile input in general ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(FORMS))
def test_random_junk_never_raises(key: str) -> None:
    schema = FORMS[key]
    rng = random.Random(key)
    names = [*schema["properties"], "x", "", ".", "..", "a.b.c"]
    for name, prop in schema["properties"].items():
        if isinstance(prop.get("items"), dict) and prop["items"].get("type") == "object":
            names += [
                f"{name}.{i}.{sub}" for i in (0, 1, 99999, -1) for sub in [*prop["items"]["properties"], "z"]
            ]
    junk = [
        "",
        " ",
        "\x00",
        "๑๒",
        "31/02/2569",
        "true",
        "9" * 400,
        "<script>",
        "a" * 10000,
        "\ud800",
        "1e999",
    ]
    for _ in range(30):
        form = [(rng.choice(names), rng.choice(junk)) for _ in range(rng.randint(0, 40))]
        files = [
            (rng.choice(names), upload(rng.choice(["a.pdf", "", "b.exe"]))) for _ in range(rng.randint(0, 3))
        ]
        parsed = parse(schema, form, files, Store(unsupported=("b.exe",)))
        assert isinstance(parsed.data, dict)
        assert all(isinstance(p, FieldProblem) for p in parsed.problems)
        json.dumps(parsed.data)


# --- every shipped form --------------------------------------------------------------------------------


def _thai_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))


def _options(prop: dict[str, Any]) -> list[Any]:
    return [o["const"] for o in prop.get("oneOf", [])] or list(prop.get("enum", []))


def _browser_value(name: str, prop: dict[str, Any], form: list[tuple[str, str]], files: list[Any]) -> None:
    """What a browser posts for one field filled with a small valid value."""
    kind = prop.get("type")
    if prop.get("readOnly"):
        form.append((name, "ค่าที่ห้ามส่งกลับ"))  # tampered: must be ignored
    elif kind == "boolean":
        form.append((name, "true"))
    elif kind == "integer":
        form.append((name, _thai_digits(str(max(prop.get("minimum", 1), 1)))))
    elif kind == "number":
        form.append((name, "1.5"))
    elif kind == "array":
        items = prop["items"]
        if items.get("format") == "file-id":
            form.append((name, KEPT))
            files.append((name, upload(f"{name}.pdf")))
        elif items.get("type") == "object":
            for index in (0, 3):  # a gap: a row was removed in the browser
                for sub, sprop in items["properties"].items():
                    _browser_value(f"{name}.{index}.{sub}", sprop, form, files)
        elif items.get("x-source"):  # the group's hidden empty value, then the box ticked
            form.extend([(name, ""), (name, "O2")])
        else:
            form.extend((name, value) for value in _options(items)[:2])
    elif prop.get("format") == "file-id":
        form.append((name, KEPT))
    elif prop.get("format") == "date":
        form.append((name, "15/01/2569"))
    elif prop.get("format") == "email":
        form.append((name, " pr@example.go.th "))
    elif _options(prop):
        form.append((name, _options(prop)[0]))
    else:
        form.append((name, "ข้อมูลทดสอบ"))


def browser_post(schema: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, FileStorage]]]:
    form: list[tuple[str, str]] = [("csrf_token", "token"), ("action", "complete")]
    files: list[tuple[str, FileStorage]] = []
    for name, prop in schema["properties"].items():
        _browser_value(name, prop, form, files)
    return form, files


def valid_data(key: str) -> dict[str, Any]:
    form, files = browser_post(FORMS[key])
    return parse(FORMS[key], form, files).data


def test_a_list_from_a_source_sent_with_nothing_ticked_is_an_empty_answer() -> None:
    schema = FORMS["publish_check_form"]
    sent = [("certified", "true"), ("ita_items", "")]
    assert parse(schema, sent, []).data == {"certified": True, "ita_items": []}
    assert "ita_items" not in parse(schema, [("certified", "true")], []).data  # not on the page: not asked
    assert parse(schema, [*sent, ("ita_items", "O3")], []).data["ita_items"] == ["O3"]


def test_every_form_is_covered() -> None:
    assert len(FORMS) >= 20


@pytest.mark.parametrize("key", sorted(FORMS))
def test_a_browser_post_of_every_form_validates(key: str) -> None:
    schema = FORMS[key]
    form, files = browser_post(schema)
    store = Store()
    parsed = parse(schema, form, files, store)
    assert parsed.problems == []
    assert validate(FormSpec(key, schema), parsed.data) == parsed.data
    editable = {name for name, prop in schema["properties"].items() if not prop.get("readOnly")}
    assert set(parsed.data) == editable
    for name, prop in schema["properties"].items():
        value = parsed.data.get(name)
        if prop.get("format") == "date":
            assert value == "2026-01-15"
        if prop.get("type") == "array" and prop["items"].get("format") == "file-id":
            assert value == [KEPT, Store.id(f"{name}.pdf")]
        if prop.get("type") == "array" and prop["items"].get("type") == "object":
            assert len(value) == 2


@pytest.mark.parametrize("key", sorted(k for k, s in FORMS.items() if "decision" in s["properties"]))
def test_every_decision_validates_with_a_reason(key: str) -> None:
    schema = FORMS[key]
    form, files = browser_post(schema)
    for option in _options(schema["properties"]["decision"]):
        chosen = [(n, v) for n, v in form if n != "decision"] + [("decision", option)]
        data = parse(schema, chosen, files).data
        assert data["decision"] == option
        validate(FormSpec(key, schema), data)
        if option not in ("approve", "recommend_allow"):  # a reason is required
            without = {k: v for k, v in data.items() if k != "comment"}
            with pytest.raises(ValidationError):
                validate(FormSpec(key, schema), without)
