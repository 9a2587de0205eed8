"""The demo office of DESIGN §5, so a newcomer can try every role at once (`bpmnpub init --demo`)."""

from __future__ import annotations

import io

from sqlalchemy import select

from ..errors import NotFoundError
from ..models import ProcessInstance, User
from ..permissions import Actor
from ..thaidate import fiscal_year
from . import files, instances, office, tasks
from .accounts import actor_of, create_user, ensure_group, find_user
from .catalogue import install_presets
from .context import ServiceContext

DEMO_PASSWORD = "demo1234"  # noqa: S105 - the documented demo password (DESIGN §5), demo only

GROUPS = {
    "plan": ("กลุ่มนโยบายและแผน", "Policy and Planning Group"),
    "hr": ("กลุ่มบริหารงานบุคคล", "Personnel Administration Group"),
    "legal": ("กลุ่มกฎหมายและคดี", "Legal Affairs Group"),
    "admin": ("กลุ่มอำนวยการ", "General Administration Group"),
    "ict": ("กลุ่มส่งเสริมการศึกษาทางไกล เทคโนโลยีสารสนเทศและการสื่อสาร", "Distance Education and ICT Group"),
}

# username, full name, position, roles, group code
USERS: tuple[tuple[str, str, str, list[str], str | None], ...] = (
    ("owner1", "นางสาวสมใจ ใจดี", "นักวิเคราะห์นโยบายและแผน", [], "plan"),
    ("owner2", "นายสมชาย รักงาน", "นักทรัพยากรบุคคล", [], "hr"),
    ("gdir_plan", "นางวันเพ็ญ แสงทอง", "ผู้อำนวยการกลุ่มนโยบายและแผน", ["group_director"], "plan"),
    ("gdir_hr", "นายประเสริฐ มั่นคง", "ผู้อำนวยการกลุ่มบริหารงานบุคคล", ["group_director"], "hr"),
    ("legal1", "นายนิติ ยุติธรรม", "นิติกร", ["legal_officer"], "legal"),
    ("deputy1", "นางรัชนี ศรีสุข", "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", ["deputy_director"], None),
    ("director1", "นายบุญสม โพธิ์เงิน", "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", ["director"], None),
    ("publisher1", "นางสาวกานดา เผยแพร่", "นักวิเคราะห์นโยบายและแผน", ["publisher"], "plan"),
    ("pr1", "นายประชา สัมพันธ์", "นักประชาสัมพันธ์", ["pr_officer", "publisher"], "admin"),
    ("procowner1", "นายเทคโน สารสนเทศ", "นักวิชาการคอมพิวเตอร์", ["process_owner"], "ict"),
    ("admin1", "ผู้ดูแลระบบ", "ผู้ดูแลระบบ", ["admin"], None),
)

DEMO_USERS_TABLE = [
    (u, ", ".join(roles) or "staff", GROUPS[g][0] if g else "—") for u, _, _, roles, g in USERS
]


DEMO_OFFICE = {
    "name": "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก เขต 2",
    "name_en": "Phitsanulok Primary Educational Service Area Office 2 (demo)",
    "short_name": "สพป.พิษณุโลก เขต 2",
    "memo_prefix": "ศธ 04088",
}


def create_demo_office(ctx: ServiceContext) -> bool:
    """Create the demo groups, users and catalogue unless they exist. Returns whether anything was created."""
    people = _create_people(ctx)
    # The catalogue after the groups (its presets name responsible groups); the current fiscal year gets
    # the 2568-style ITA list, 2566 its own, so the ITA index has a year to show and one to compare.
    years = {2566: "ita-2566-oit", fiscal_year(ctx.now()): "ita-2568-oit"}
    return install_presets(ctx, "categories-phitsanulok2", years) or people


def _create_people(ctx: ServiceContext) -> bool:
    with ctx.db.write() as session:
        if session.scalar(select(User.id).where(User.username == "owner1")) is not None:
            return False
        groups = {code: ensure_group(session, code, th, en) for code, (th, en) in GROUPS.items()}
        now = ctx.now()
        # The demo is the office of seed 000 (its categories preset is the demo's catalogue).
        office.store(session, DEMO_OFFICE, actor_id=None, now=now)
        for username, full_name, position, roles, group in USERS:
            create_user(
                session,
                username=username,
                password=DEMO_PASSWORD,
                full_name=full_name,
                position=position,
                roles=roles,
                group=groups[group] if group else None,
                email=f"{username}@example.go.th",
                now=now,
            )
        return True


# --- demo requests: a few real requests moved through the real procedures, so the portal, the ITA index
# and the inboxes are not empty on the first visit (`bpmnpub init --demo` only, once) ---

DEMO_REQUESTS = (
    # (requester, title, category, description, reviewers: group director then director; None = waits)
    (
        "owner1",
        "แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570",
        "1.6",
        "แผนปฏิบัติการประจำปีของสำนักงาน ประกอบด้วยโครงการ กิจกรรม งบประมาณ และตัวชี้วัดความสำเร็จ",
        ("gdir_plan", "director1", "publisher1"),
    ),
    (
        "owner2",
        "ประกาศผลการจัดซื้อจัดจ้างวัสดุสำนักงาน ประจำเดือนตุลาคม 2569",
        "1.9",
        "สรุปผลการดำเนินการจัดซื้อจัดจ้างวัสดุสำนักงาน (แบบ สขร.1) ประจำเดือนตุลาคม 2569",
        ("gdir_hr", "director1", "publisher1"),
    ),
    (
        "owner1",
        "ข่าวประชาสัมพันธ์ การประชุมผู้บริหารสถานศึกษา ครั้งที่ 1/2570",
        "1.3",
        "สรุปการประชุมผู้บริหารสถานศึกษาในสังกัด เรื่องการขับเคลื่อนนโยบายการศึกษา",
        ("gdir_plan",),  # then it waits for the director
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
    for username, title, category, description, deciders in DEMO_REQUESTS:
        requester = _actor(ctx, username)
        attachment = files.upload_file(
            ctx, io.BytesIO(demo_pdf(title)), f"{title[:60]}.pdf", actor_id=requester.id
        )
        view = instances.start_instance(ctx, "general_publication", None, requester)
        data = {
            "title": title,
            "category": category,
            "description": description,
            "purpose": "เพื่อเผยแพร่ต่อสาธารณะตามมาตรการการเผยแพร่ข้อมูลข่าวสาร",
            "channels": ["website"],
            "attachments": [attachment.id],
        }
        for doer, form in [(username, data), *((d, _decision(d, category)) for d in deciders)]:
            who = _actor(ctx, doer)
            (task,) = (t for t in view.tasks if t.status in ("ready", "claimed"))
            view = tasks.complete_task(ctx, task.id, form, who)
    return len(DEMO_REQUESTS)


# The O items the demo's publisher confirms each item answers (of those its category suggests: the
# action plan is not the anti-corruption plan O22, a monthly procurement result not the yearly O14).
DEMO_O_ITEMS = {"1.6": ["O6"], "1.9": ["O13"]}


def _decision(username: str, category: str = "") -> dict[str, object]:
    if username == "publisher1":
        return {"certified": True, "ita_items": DEMO_O_ITEMS.get(category, [])}
    return {"decision": "approve"}


def _actor(ctx: ServiceContext, username: str) -> Actor:
    with ctx.db.read() as session:
        user = find_user(session, username)
        if user is None:
            raise NotFoundError(f"demo user {username} does not exist: create the demo office first")
        return actor_of(user)
