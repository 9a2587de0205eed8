"""The demo office's requests (`bpmnpub init --demo`, once): real requests filed and moved through the real
procedures by the real services, never written as rows, so the portal, the ITA index and every demo
role's inbox have something on the first visit: two items published, and requests waiting for each
group director, the deputy director (a memo, บันทึกข้อความ, certified by the publisher), the director, the
legal officer, the publishers of the Plan and PR units and the HR group's clerk; one sent back to its
requester for revision, one waiting past its due time (filed OVERDUE_DAYS ago on the services' clock).
The same requests in the same order on every run."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ...errors import NotFoundError
from ...models import Category, ProcessInstance
from ...permissions import Actor
from ...thaidate import local_date
from ..files import storage
from ..kernel.context import ServiceContext
from ..office.accounts import actor_of, find_user
from ..requests import instances, tasks
from .demo import DEMO_OFFICE, GROUPS, USERS

OVERDUE_DAYS = 14  # a three-working-day step filed this long ago is late whatever the holidays
TARGET_DAYS = 30  # 3.3's "publish by" date, this long after filing: its publisher's step is not late at once


@dataclass(frozen=True)
class Decision:
    """A step the demo decides otherwise than approving."""

    username: str
    decision: str
    comment: str


@dataclass(frozen=True)
class DemoRequest:
    requester: str
    title: str
    category: str  # its procedure is the first the category allows
    description: str
    deciders: tuple[str | Decision, ...]  # in order (a name approves); then the request waits
    legal: bool = False  # personal data: the legal officer gives an opinion first
    days_ago: int = 0  # filed this many days before now
    process: str | None = None  # another procedure the category allows than its first


def _revise(username: str, comment: str) -> Decision:
    return Decision(username, "revise", comment)


DEMO_REQUESTS = (
    DemoRequest(
        "owner1",
        "แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570",
        "1.6",
        "แผนปฏิบัติการประจำปีของสำนักงาน ประกอบด้วยโครงการ กิจกรรม งบประมาณ และตัวชี้วัดความสำเร็จ",
        ("gdir_plan", "publisher1"),  # 3.3: the group director, then the publisher: published
    ),
    DemoRequest(
        "owner2",
        "ประกาศผลการจัดซื้อจัดจ้างวัสดุสำนักงาน ประจำเดือนตุลาคม 2569",
        "1.9",
        "สรุปผลการดำเนินการจัดซื้อจัดจ้างวัสดุสำนักงาน (แบบ สขร.1) ประจำเดือนตุลาคม 2569",
        ("gdir_hr", "publisher1"),
    ),
    DemoRequest(
        "owner1",
        "ข่าวประชาสัมพันธ์ การประชุมผู้บริหารสถานศึกษา ครั้งที่ 1/2570",
        "1.3",
        "สรุปการประชุมผู้บริหารสถานศึกษาในสังกัด เรื่องการขับเคลื่อนนโยบายการศึกษา",
        ("gdir_plan",),  # 3.1: waits for the director
    ),
    DemoRequest(
        "owner1",
        "รายงานผลสำเร็จการดำเนินงานไตรมาสที่ 4 ปีงบประมาณ พ.ศ. 2569",
        "1.12",
        "สรุปผลสำเร็จของโครงการตามแผนปฏิบัติการ ไตรมาสที่ 4",
        (),  # waits for the Plan group's director, past its due time
        days_ago=OVERDUE_DAYS,
    ),
    DemoRequest(
        "owner2",
        "ประกาศรายชื่อผู้ผ่านการคัดเลือกบุคลากรดีเด่น ประจำปี 2569",
        "1.16",
        "รายชื่อและผลงานของบุคลากรดีเด่น มีชื่อ-นามสกุลและภาพบุคคล",
        (),  # personal data: waits for the legal officer (PDPA)
        legal=True,
    ),
    DemoRequest(
        "owner2",
        "สารสนเทศอัตรากำลังครูและบุคลากรทางการศึกษา ปีการศึกษา 2569",
        "1.8",
        "ข้อมูลสรุปอัตรากำลังครูและบุคลากรทางการศึกษาในสังกัด จำแนกตามสถานศึกษา",
        (_revise("gdir_hr", "ขอให้แนบตารางสรุปแยกตามอำเภอ และตรวจตัวเลขรวมให้ตรงกับข้อมูล 10 มิถุนายน"),),
    ),
    DemoRequest(
        "owner2",
        "คู่มือการขอย้ายข้าราชการครู ฉบับปรับปรุง พ.ศ. 2569",
        "1.7",
        "ขั้นตอน เอกสาร และกำหนดเวลาการขอย้ายของข้าราชการครู",
        (),  # waits for the HR group's director
    ),
    DemoRequest(
        "owner1",
        "กิจกรรมแลกเปลี่ยนเรียนรู้ ชุมชนการเรียนรู้ทางวิชาชีพ (PLC) ครั้งที่ 2",
        "1.13",
        "สรุปกิจกรรมแลกเปลี่ยนเรียนรู้ของศึกษานิเทศก์และครูแกนนำ",
        ("gdir_plan", "director1"),  # news and knowledge sharing: waits for the PR unit's publisher
    ),
    DemoRequest(
        "owner1",
        "โครงสร้างและอำนาจหน้าที่ของสำนักงาน ฉบับปรับปรุง",
        "1.4",
        "แผนผังโครงสร้างการบริหารงานและอำนาจหน้าที่ของแต่ละกลุ่ม",
        ("gdir_plan",),  # 3.3: waits for the Plan unit's publisher
    ),
    DemoRequest(
        "owner2",
        "ผลการทดสอบระดับชาติ (O-NET) ของนักเรียนในสังกัด ปีการศึกษา 2568",
        "1.14",
        "สรุปผลการทดสอบระดับชาติ จำแนกตามกลุ่มสาระและสถานศึกษา",
        ("gdir_hr", "director1"),  # a category of no unit: waits for the HR group's clerk
    ),
    DemoRequest(
        "owner1",
        "นวัตกรรมการจัดการเรียนรู้ เพื่อพัฒนาทักษะการอ่านของนักเรียน",
        "1.15",
        "ผลงานนวัตกรรมของครูในสังกัดที่ผ่านการคัดเลือก พร้อมแนวทางการนำไปใช้",
        ("legal1", "gdir_plan", "publisher1"),  # the memo chain: opinion, endorsed, certified; the deputy
        process="memo_publication",
    ),
)


def demo_pdf(title: str) -> bytes:
    """A small valid one-page PDF (ASCII text only) to attach to the demo requests."""
    text = f"bpmnpub demo document - {title.encode('ascii', 'ignore').decode() or 'demo'}"
    stream = f"BT /F1 14 Tf 72 770 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_of(objects)


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (numbered from 1, the first the catalogue), with its xref table."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def create_demo_requests(ctx: ServiceContext) -> int:
    """File the demo requests through the real services, unless any request exists. Returns how many."""
    with ctx.db.read() as session:
        if session.scalar(select(ProcessInstance.id).limit(1)) is not None:
            return 0
    now = ctx.now()
    for demo in DEMO_REQUESTS:
        _file(replace(ctx, clock=_fixed(now - timedelta(days=demo.days_ago))) if demo.days_ago else ctx, demo)
    return len(DEMO_REQUESTS)


def _fixed(at: datetime) -> Callable[[], datetime]:
    """A clock stopped at `at`: the services date what they do from it (the overdue request's filing)."""
    return lambda: at


def _file(ctx: ServiceContext, demo: DemoRequest) -> None:
    requester = _actor(ctx, demo.requester)
    attachment = storage.upload_file(
        ctx, io.BytesIO(demo_pdf(demo.title)), f"{demo.title[:60]}.pdf", actor_id=requester.id
    )
    process = demo.process or _procedure_of(ctx, demo.category)
    view = instances.start_instance(ctx, process, None, requester)
    forms = _demo_forms(demo, attachment.id, local_date(ctx.now()))
    pending, sent_back = list(demo.deciders), False
    for _ in range(20):  # a walk of a handful of steps; never forever
        open_tasks = [t for t in view.tasks if t.status in ("ready", "claimed")]
        if not open_tasks or (not pending and (open_tasks[0].lane != "requester" or sent_back)):
            break  # published, or waiting for the next person
        (task,) = open_tasks
        step = demo.requester if task.lane == "requester" else pending.pop(0)
        decision = step if isinstance(step, Decision) else None
        who = _actor(ctx, decision.username if decision else str(step))
        key = _form_key(ctx, task.id, who)
        if key not in forms:
            raise RuntimeError(f"the demo does not know how to fill {key!r} of {process}")
        data = forms[key]
        if decision is not None:
            data, sent_back = {"decision": decision.decision, "comment": decision.comment}, True
        elif key == "publish_check_form":
            data = _publisher_check(demo.category)
        view = tasks.complete_task(ctx, task.id, data, who)


def _procedure_of(ctx: ServiceContext, category: str) -> str:
    """The first procedure the demo category allows (any: 3.1)."""
    with ctx.db.read() as session:
        allowed = session.scalar(select(Category.procedures).where(Category.code == category)) or []
    return str(allowed[0]) if allowed else "general_publication"


def _form_key(ctx: ServiceContext, task_id: int, who: Actor) -> str:
    return str(tasks.get_task(ctx, task_id, who).form.get("key", ""))


def _demo_forms(demo: DemoRequest, attachment: str, today: date) -> dict[str, dict[str, object]]:
    """What the demo types into each form of 3.1 and 3.3 (the deciders approve). Dates are the filing
    day's: a target date fixed in the code passed and made the publisher's step late the moment it
    arrived ("waiting since 8 Dec, overdue since 30 Nov")."""
    purpose = "เพื่อเผยแพร่ต่อสาธารณะตามมาตรการการเผยแพร่ข้อมูลข่าวสาร"
    name, position, group = next((n, p, g or "") for u, n, p, _, g in USERS if u == demo.requester)
    return {
        "general_request_form": {
            "title": demo.title,
            "category": demo.category,
            "description": demo.description,
            "purpose": purpose,
            "channels": ["website"],
            "attachments": [attachment],
            "personal_data": demo.legal,  # without personal data or a legal question nobody asks legal
            "legal_review": False,
        },
        "objective_form": {
            "title": demo.title,
            "category": demo.category,
            "objective": purpose,
            "target_date": (today + timedelta(days=TARGET_DAYS)).isoformat(),
        },
        "acquire_data_form": {"data_sources": "ข้อมูลของกลุ่มที่รับผิดชอบ"},
        "compile_data_form": {
            "description": demo.description,
            "attachments": [attachment],
            "data_as_of": (today - timedelta(days=7)).isoformat(),
            "personal_data": False,
            "legal_review": False,
        },
        "memo_request_form": {
            "office_unit": f"{DEMO_OFFICE['short_name']} {GROUPS[group][0]}",
            "memo_date": today.isoformat(),
            "title": "ขออนุญาตเผยแพร่ข้อมูลบนเว็บไซต์ของสำนักงาน",
            "requester_name": name,
            "requester_position": position,
            "requester_group": group,
            "topic": demo.title,
            "category": demo.category,
            "description": demo.description,
            "purpose": purpose,
            "file_formats": ["pdf"],
            "delivery_channel": "email",
            "delivery_email": f"{demo.requester}@example.go.th",
            "attachments": [attachment],
        },
        "certify_form": {"decision": "approve", "certified": True, "ita_items": []},
        "review_form": {"decision": "approve"},
        "supervisor_review_form": {"decision": "approve"},
        "legal_opinion_form": {"decision": "approve"},
        "publish_check_form": {},
    }


# The O items the demo's publisher confirms each item answers (of those its category suggests: the
# action plan is not the anti-corruption plan O22, a monthly procurement result not the yearly O14).
DEMO_O_ITEMS = {"1.6": ["O6"], "1.9": ["O13"]}


def _publisher_check(category: str) -> dict[str, object]:
    return {"decision": "approve", "certified": True, "ita_items": DEMO_O_ITEMS.get(category, [])}


def _actor(ctx: ServiceContext, username: str) -> Actor:
    with ctx.db.read() as session:
        user = find_user(session, username)
        if user is None:
            raise NotFoundError(f"demo user {username} does not exist: create the demo office first")
        return actor_of(user, ctx.now())
