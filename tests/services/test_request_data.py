"""services.request_data.describe: a request's stored data as people read it, on both databases."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests.request_data import (
    Check,
    Field,
    Fields,
    FileRef,
    Items,
    Link,
    MissingFile,
    Table,
    Text,
    When,
    describe,
)

from ..photos import jpeg

FORMS: dict[str, Any] = {
    "opinion": {
        "properties": {
            "decision": {
                "title": "ความเห็น",
                "oneOf": [{"const": "recommend_allow", "title": "เห็นควรอนุญาต"}],
            },
            "memo_date": {"type": "string", "format": "date", "title": "วันที่"},
            "group": {"type": "string", "title": "กลุ่ม/หน่วย", "x-source": "groups"},
            "category": {"type": "string", "title": "หมวดหมู่ข้อมูล", "x-source": "categories"},
            "ita_items": {
                "type": "array",
                "title": "ข้อ ITA",
                "items": {"type": "string", "x-source": "ita_items"},
            },
            "certified": {"type": "boolean", "title": "รับรอง"},
            "photos": {
                "type": "array",
                "title": "ภาพ",
                "items": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "file-id", "title": "ไฟล์ภาพ"},
                        "caption": {"type": "string", "title": "คำบรรยาย"},
                    },
                },
            },
        }
    }
}


def by_key(fields: list[Any]) -> dict[str, Any]:
    return {f.key: f for f in fields}


def test_codes_dates_files_and_booleans_become_what_people_read(ctx: ServiceContext, actor: Any) -> None:
    photo = storage.upload_file(ctx, io.BytesIO(jpeg()), "ภาพ.jpg", actor_id=actor("pr1").id).id
    other = storage.upload_file(ctx, io.BytesIO(jpeg("2")), "ของคนอื่น.jpg", actor_id=actor("owner2").id).id
    data = {
        "deputy_recommendation": "recommend_allow",
        "memo_date": "2026-12-07",
        "published_item": {"id": 1, "url": "/public/items/1-x", "published_at": "2026-12-07T02:00:00+00:00"},
        "group": "plan",
        "category": "1.1",
        "ita_items": ["O15"],
        "certified": True,
        "photos": [{"file": photo, "caption": "เปิดประชุม"}, {"file": "0" * 32, "caption": ""}],
        "published_summary": {"period_start": "2026-04-01", "by_group": {"plan": 3, "hr": 0}},
        "empty": "",
        "note": other,  # another request's file, typed as text: it stays text
    }
    with ctx.db.read() as session:
        shown = by_key(describe(session, FORMS, data, files={photo}))
    assert "empty" not in shown
    assert (shown["deputy_recommendation"].label, shown["deputy_recommendation"].value) == (
        None,  # no form names it: the web layer does
        Text("เห็นควรอนุญาต"),  # a decision code by any form's option title
    )
    assert shown["memo_date"] == Field("memo_date", "วันที่", When(date(2026, 12, 7)))
    assert shown["published_item"].value == Link("/public/items/1-x")
    assert shown["group"].value == Text("กลุ่มนโยบายและแผน")
    assert shown["category"].value.text.startswith("1.1 ข้อมูลเกี่ยวกับกฎระเบียบ")
    assert shown["ita_items"].value == Items((Text("O15 นโยบายและหลักเกณฑ์การบริหารและพัฒนาทรัพยากรบุคคล"),))
    assert shown["certified"].value == Check(True)
    assert shown["note"].value == Text(other)
    table = shown["photos"].value
    assert isinstance(table, Table)
    assert [c.label for c in table.columns] == ["ไฟล์ภาพ", "คำบรรยาย"]
    first, missing = table.rows
    assert (
        isinstance(first[0], FileRef)
        and first[0].filename == "ภาพ.jpg"
        and first[0].thumb == storage.thumbnail_id(photo)
    )
    assert missing == (MissingFile("0" * 32), Text("—"))
    summary = shown["published_summary"].value
    assert isinstance(summary, Fields)
    start, groups = summary.fields
    assert start.value == When(date(2026, 4, 1))
    assert isinstance(groups.value, Fields)
    assert [(f.label, f.value) for f in groups.value.fields] == [
        ("กลุ่มนโยบายและแผน", Text("3")),
        ("กลุ่มบริหารงานบุคคล", Text("0")),
    ]


def test_a_moment_keeps_its_time(ctx: ServiceContext) -> None:
    with ctx.db.read() as session:
        [since] = describe(session, {}, {"views_since": "2026-11-16T02:00:00+00:00"}, files=())
    assert since.value == When(datetime(2026, 11, 16, 2, tzinfo=UTC)) and since.value.with_time
