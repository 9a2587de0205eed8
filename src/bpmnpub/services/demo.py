"""The demo office of DESIGN §5, so a newcomer can try every role at once (`bpmnpub init --demo`)."""

from __future__ import annotations

from sqlalchemy import select

from ..models import User
from ..thaidate import fiscal_year
from . import office
from .accounts import create_user, ensure_group
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
