"""Published items for the portal measurement, bulk-inserted (SQLAlchemy Core executemany in chunks).

Items look like an office's: Thai titles and text without spaces between words (spaces between
phrases), 150–1 200 characters of text, spread over the demo catalogue's categories (procurement and
activity albums the largest), published over eight fiscal years in date order, PDF attachments (a
stored_file row each; the bytes are never read by the pages measured) and albums of 3–12 photos with
thumbnails, captions and alt text. A few items are withdrawn. The search text is what the publish
step writes (`publishing.search_text`).

Search terms of known frequency are planted: COMMON is in about one item in four, RARE in about one
in a thousand, MISSING in none.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select

from bpmnpub.models import Category, Group, PublishedItem, StoredFile
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.portal.publishing import search_text, slugify
from bpmnpub.thaidate import fiscal_year

CHUNK = 2000
P_WITHDRAWN = 0.01
P_ALBUM_CATEGORY = "1.16"
COMMON = "จัดซื้อ"
RARE = "โรงเรียนคุณธรรม"
P_RARE = 0.001
MISSING = "ดาวเทียมสำรวจ"
SECOND = "คอมพิวเตอร์"  # with COMMON: the two-term search
SPAN = timedelta(days=8 * 365)
EPOCH = datetime(2018, 10, 1, 2, 0, tzinfo=UTC)
CATEGORY_WEIGHTS = {"1.9": 30, "1.16": 12, "1.6": 8, "1.12": 8, "1.3": 6, "1.4": 5, "1.1": 5}  # else 2
GOODS = ("วัสดุสำนักงาน", "ครุภัณฑ์คอมพิวเตอร์", "วัสดุการศึกษา", "น้ำมันเชื้อเพลิง", "ซ่อมแซมอาคารเรียน", "หนังสือเรียน")
TITLES = {
    "1.9": (
        "ประกาศผลการจัดซื้อจัดจ้าง{goods}",
        "ประกาศเชิญชวนจัดซื้อ{goods} โดยวิธีประกวดราคาอิเล็กทรอนิกส์",
        "สรุปผลการจัดซื้อจัดจ้างประจำเดือน",
    ),
    "1.16": ("ภาพกิจกรรม{event}", "ประมวลภาพ{event}"),
    "": ("รายงานผลการดำเนินงาน{topic}", "ประกาศ{topic}", "แผนปฏิบัติการ{topic}", "คู่มือการปฏิบัติงาน{topic}"),
}
EVENTS = ("วันครู", "การประชุมผู้บริหารสถานศึกษา", "การนิเทศติดตามโรงเรียน", "วันเด็กแห่งชาติ", "การอบรมครูผู้ช่วย")
TOPICS = ("ด้านการบริหารงานบุคคล", "ประจำปีงบประมาณ", "การรับนักเรียน", "การพัฒนาคุณภาพการศึกษา", "งานสารบรรณ")
PHRASES = (
    "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาได้ดำเนินการตามระเบียบกระทรวงการคลังว่าด้วยการจัดซื้อจัดจ้างและการบริหารพัสดุภาครัฐ",
    "เพื่อให้การดำเนินงานเป็นไปด้วยความเรียบร้อยโปร่งใสและตรวจสอบได้",
    "รายละเอียดตามเอกสารแนบท้ายประกาศนี้",
    "ผู้สนใจสามารถติดต่อสอบถามได้ที่กลุ่มบริหารงานการเงินและสินทรัพย์ในวันและเวลาราชการ",
    "โรงเรียนในสังกัดจำนวนหนึ่งร้อยยี่สิบแห่งเข้าร่วมโครงการ",
    "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาเป็นประธานในพิธีเปิดและมอบนโยบายแก่ผู้เข้าร่วม",
    "ผลการดำเนินงานบรรลุตามตัวชี้วัดที่กำหนดไว้ในแผนปฏิบัติการประจำปี",
    "ทั้งนี้ตั้งแต่บัดนี้เป็นต้นไป",
    "ครูและบุคลากรทางการศึกษาได้รับการพัฒนาตามมาตรฐานวิชาชีพ",
    "คณะกรรมการได้พิจารณาแล้วเห็นสมควรประกาศให้ทราบโดยทั่วกัน",
)


@dataclass
class Generated:
    items: int = 0
    published: int = 0
    withdrawn: int = 0
    files: int = 0
    albums: int = 0
    seconds: float = 0.0
    by_category: dict[str, int] = field(default_factory=dict)
    text_chars: int = 0  # characters of search_text over all items

    @property
    def largest_category(self) -> str:
        return max(self.by_category, key=lambda c: self.by_category[c])


class PortalGenerator:
    def __init__(self, ctx: ServiceContext, seed: int = 2569) -> None:
        self.ctx = ctx
        self.rng = random.Random(seed)
        with ctx.db.read() as session:
            self.codes = list(session.scalars(select(Category.code).where(Category.active)))
            self.groups = list(session.scalars(select(Group.id)))
        assert self.codes, "the demo office installs the catalogue presets"
        self.weights = [CATEGORY_WEIGHTS.get(c, 2) for c in self.codes]
        self.totals = Generated()

    def _text(self, low: int, high: int) -> str:
        target = self.rng.randint(low, high)
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(self.rng.choice(PHRASES))
        return " ".join(parts)

    def _title(self, code: str, n: int) -> str:
        template = self.rng.choice(TITLES.get(code, TITLES[""]))
        title = template.format(
            goods=self.rng.choice(GOODS), event=self.rng.choice(EVENTS), topic=self.rng.choice(TOPICS)
        )
        return f"{title} ฉบับที่ {n}"

    def _file(self, name: str, content_type: str, size: int, at: datetime) -> dict[str, Any]:
        return {
            "id": uuid.UUID(int=self.rng.getrandbits(128)).hex,
            "sha256": "0" * 64,
            "filename": name,
            "content_type": content_type,
            "size": size,
            "uploaded_by_id": None,
            "created_at": at,
        }

    def _item(self, n: int, at: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        code = rng.choices(self.codes, weights=self.weights)[0]
        title = self._title(code, n)
        body = self._text(150, 1200)
        if rng.random() < P_RARE:
            body = f"{body} ผลการประเมิน{RARE}ระดับดีเยี่ยม"
        if code == "1.9" and rng.random() < 0.2:
            body = f"{body} ครุภัณฑ์{SECOND}สำหรับห้องเรียน"
        stored: list[dict[str, Any]] = []
        photos: list[dict[str, Any]] = []
        if code == P_ALBUM_CATEGORY:
            for k in range(rng.randint(3, 12)):
                photo = self._file(f"ภาพกิจกรรม-{n}-{k}.jpg", "image/jpeg", rng.randint(200_000, 900_000), at)
                thumb = self._file(
                    f"ภาพกิจกรรม-{n}-{k}-thumb.webp", "image/webp", rng.randint(15_000, 40_000), at
                )
                stored += [photo, thumb]
                caption = f"ภาพที่ {k + 1} {rng.choice(EVENTS)}"
                photos.append(
                    {"file": photo["id"], "thumb": thumb["id"], "caption": caption, "alt_text": caption}
                )
        attachments = [
            self._file(f"เอกสารแนบ-{n}-{k}.pdf", "application/pdf", rng.randint(50_000, 3_000_000), at)
            for k in range(rng.choice((0, 1, 1, 1, 2, 3)))
        ]
        stored += attachments
        withdrawn = rng.random() < P_WITHDRAWN
        text = search_text(title, body, [p["caption"] for p in photos] + [a["filename"] for a in attachments])
        item = {
            "instance_id": None,
            "kind": "album" if photos else "document",
            "title": title,
            "slug": slugify(title),
            "body": body,
            "category": code,
            "ita_item": rng.choice(("O10", "O12", "O20", "O21", None, None)),
            "attachments": [a["id"] for a in attachments],
            "photos": photos,
            "group_id": rng.choice(self.groups) if self.groups else None,
            "status": "withdrawn" if withdrawn else "published",
            "fiscal_year": fiscal_year(at),
            "published_at": at,
            "published_by_id": None,
            "updated_at": at + timedelta(days=30) if withdrawn else at,
            "withdrawn_reason": "ข้อมูลไม่เป็นปัจจุบัน" if withdrawn else None,
            "withdrawn_at": at + timedelta(days=30) if withdrawn else None,
            "withdrawn_by_id": None,
            "search_text": text,
            "views": 0,
        }
        self.totals.items += 1
        self.totals.withdrawn += int(withdrawn)
        self.totals.published += int(not withdrawn)
        self.totals.albums += int(bool(photos))
        self.totals.files += len(stored)
        self.totals.text_chars += len(text)
        if not withdrawn:
            self.totals.by_category[code] = self.totals.by_category.get(code, 0) + 1
        return item, stored

    def add(self, published: int) -> Generated:
        """Insert items until `published` of them are published (withdrawn ones come on top), oldest
        first, so ids follow publication dates as they do in an office."""
        from .timing import now

        started = now()
        step = SPAN / (published * (1 + P_WITHDRAWN))
        item_table, file_table = cast(Table, PublishedItem.__table__), cast(Table, StoredFile.__table__)
        n = 0
        with self.ctx.db.write_engine.begin() as conn:
            while self.totals.published < published:
                items, stored = [], []
                for _ in range(CHUNK):
                    if self.totals.published >= published:
                        break
                    n += 1
                    item, files = self._item(n, EPOCH + step * n + timedelta(minutes=self.rng.randint(0, 30)))
                    items.append(item)
                    stored += files
                if stored:
                    conn.execute(insert(file_table), stored)
                conn.execute(insert(item_table), items)
        self.totals.seconds += now() - started
        return self.totals
