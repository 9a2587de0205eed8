"""The demo office (README.md), so a newcomer can try every role at once (`bpmnpub init --demo`)."""

from __future__ import annotations

from sqlalchemy import select

from ...models import Category, Group, RoleAssignment, User
from ...thaidate import fiscal_year, local_date
from ..catalogue.ita_years import install_presets
from ..kernel import office_settings
from ..kernel.context import ServiceContext
from ..office.accounts import create_user, ensure_group
from ..procedures import duty_topics

DEMO_PASSWORD = "demo1234"  # noqa: S105 - the documented demo password (README.md), demo only

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

# Publishing units (seed 000 §2, issue #11 item 3; `create_demo_units`): who publishes for which unit
# (None: the office pool), the categories PR answers for (news and photos) and the HR group's clerk.
UNIT_PUBLISHERS: tuple[tuple[str, str | None], ...] = (
    ("publisher1", "plan"),  # Plan publishes its categories (1.2, 1.4-1.6, 1.9-1.11) ...
    ("publisher1", None),  # ... and keeps the office pool, where whatever no unit can take goes
    ("pr1", "admin"),  # PR (กลุ่มอำนวยการ) publishes news and photos
    ("clerk_hr", "hr"),  # the HR group's clerk publishes the group's own data
)
PR_CATEGORIES = ("1.3", "1.13", "1.16")  # news and activities, knowledge sharing, model people
CLERK = ("clerk_hr", "นางสาวสุดา ธุรการ", "เจ้าพนักงานธุรการ กลุ่มบริหารงานบุคคล", "hr")

DEMO_USERS_TABLE = [
    *((u, ", ".join(roles) or "staff", GROUPS[g][0] if g else "—") for u, _, _, roles, g in USERS),
    (CLERK[0], "publisher (hr)", GROUPS[CLERK[3]][0]),
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


def create_demo_units(ctx: ServiceContext) -> bool:
    """Scope the demo's publishers to their units (UNIT_PUBLISHERS), add the HR group's clerk and give
    PR its categories, unless done. Returns whether anything was made. (Kept apart from
    `create_demo_office`: the test office keeps one office-wide publisher pool.)"""
    now = ctx.now()
    with ctx.db.write() as session:
        if session.scalar(select(User.id).where(User.username == CLERK[0])) is not None:
            return False
        groups = {g.code: g for g in session.scalars(select(Group))}
        username, full_name, position, group = CLERK
        create_user(
            session,
            username=username,
            password=DEMO_PASSWORD,
            full_name=full_name,
            position=position,
            roles=[],
            group=groups[group],
            email=f"{username}@example.go.th",
            now=now,
        )
        session.flush()
        for username, unit in UNIT_PUBLISHERS:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                continue
            pool = next((r for r in user.roles_at(now) if r.role == "publisher" and r.group_id is None), None)
            if unit is not None and pool is not None and (username, None) not in UNIT_PUBLISHERS:
                pool.group_id = groups[unit].id  # their office-wide assignment becomes their unit's
            elif unit is not None or pool is None:
                user.roles.append(
                    RoleAssignment(
                        role="publisher",
                        group_id=groups[unit].id if unit else None,
                        valid_from=local_date(now),
                        created_at=now,
                    )
                )
        for category in session.scalars(select(Category).where(Category.code.in_(PR_CATEGORIES))):
            if category.group_id is None:
                category.group_id = groups["admin"].id
        return True


def _create_people(ctx: ServiceContext) -> bool:
    with ctx.db.write() as session:
        if session.scalar(select(User.id).where(User.username == "owner1")) is not None:
            return False
        groups = {code: ensure_group(session, code, th, en) for code, (th, en) in GROUPS.items()}
        now = ctx.now()
        # The demo is the office of seed 000 (its categories preset is the demo's catalogue).
        office_settings.store(session, DEMO_OFFICE, actor_id=None, now=now)
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


def create_demo_topics(ctx: ServiceContext) -> int:
    """The demo office's recurring topics (presets/duties-default.json), unless it has any. Returns how
    many were added."""
    return duty_topics.install_topic_preset(ctx, "duties-default", "categories-phitsanulok2")
