"""The memo (บันทึกข้อความ) of a request, as the office prints it: the heading and body from the
request, the endorsement blocks of seed 001 from the decisions recorded in the event log.

An authenticated action is the signature (ระเบียบงานสารบรรณ ฉบับที่ ๔ พ.ศ. ๒๕๖๔): each block names
who decided, their position, for whom they acted, and when. A step decided in several rounds shows
its latest decision; a step waiting for a decision now is an empty block. Only the decisions of the
current round count (services/requests/revisions): once the requester revises the content, an
endorsement of the old content is not printed, and its block waits for the re-review.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ... import thaidate
from ...documents import Endorsement, MemoDocument, Signature, render_pdf
from ...errors import NotFoundError, ValidationError, problem
from ...models import Group, HumanTask, InstanceEvent, ProcessInstance, User
from ...permissions import Actor
from ...statuses import LIVE_STATUSES, OPEN_STATUSES
from ..catalogue.categories import category_label
from ..files import storage
from ..kernel import office_settings
from ..kernel.context import ServiceContext
from ..kernel.membership import readable_instance
from ..procedures.versions import spec_for
from ..requests import revisions
from ..requests.request_parts import request_parts

DIGITS = ("thai", "arabic")
CERTIFICATION = (
    "ข้าพเจ้าขอรับรองว่าข้อมูลที่ได้รับ ผ่านการตรวจสอบความถูกต้องเรียบร้อยแล้ว และขออนุญาตเผยแพร่บนเว็บไซต์ของ{office}"
)
OPINIONS = {"approve": "เห็นควรอนุญาต", "revise": "ส่งกลับให้แก้ไข", "reject": "เห็นควรไม่อนุญาต"}
LEGAL_OPINIONS = {
    "approve": "เห็นควรอนุญาต",
    "recommend_deny": "เห็นควรไม่อนุญาต",
    "revise": "ส่งกลับให้แก้ไข",
    "reject": "เห็นควรไม่อนุญาต",  # requests decided before the legal officer only gave an opinion
}
SENT_BACK = {"revise": "ส่งกลับให้แก้ไข"}
DIRECTOR_CHOICES = (("approve", "อนุญาต"), ("reject", "ไม่อนุญาต"))
DEPUTY_CHOICES = (("recommend_allow", "เห็นควรอนุญาต"), ("recommend_deny", "เห็นควรไม่อนุญาต"))
PUBLISHER = "ผู้มีหน้าที่เผยแพร่ข้อมูล/ผู้ดูแลระบบ"
# Positions held for the whole office: printed with the office's name when a profile leaves it out.
OFFICE_TITLES = ("ผู้อำนวยการ", "รองผู้อำนวยการ")


@dataclass(frozen=True)
class Block:
    """An endorsement block of a procedure's memo: the step whose decision fills it, and its words.
    `{short_name}` and `{office}` in the texts are the office's."""

    task_spec: str
    heading: str
    role: str = ""
    statement: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (decision code, label), printed as ☑ / ☐
    opinions: dict[str, str] = field(default_factory=dict)  # other decisions, in words
    office_level: bool = False  # signed for the whole office: positions name the office in full
    optional: bool = False  # printed only when the step is part of this round (3.1's legal opinion)


# The procedures that have a memo, and its blocks in the order of seed 001's form.
BLOCKS: dict[str, tuple[Block, ...]] = {
    "memo_publication": (
        Block("Task_LegalOpinion", "ความเห็นของนิติกร", opinions=LEGAL_OPINIONS),
        Block("Task_GroupDirectorReview", "ความเห็นของผู้อำนวยการกลุ่ม/หน่วย", opinions=OPINIONS),
        Block("Task_CertifyData", PUBLISHER, "ผู้เผยแพร่ข้อมูล/ผู้ดูแลระบบ", CERTIFICATION, opinions=SENT_BACK),
        Block(
            "Task_DeputyOpinion", "ความเห็นของ รอง ผอ.{short_name}", choices=DEPUTY_CHOICES, office_level=True
        ),
        Block(
            "Task_DirectorDecision",
            "ความเห็นของผู้อำนวยการ {short_name}",
            choices=DIRECTOR_CHOICES,
            opinions=SENT_BACK,
            office_level=True,
        ),
    ),
    "general_publication": (
        Block("Task_LegalOpinion", "ความเห็นของนิติกร", opinions=LEGAL_OPINIONS, optional=True),
        Block("Task_GroupDirectorReview", "ความเห็นของผู้อำนวยการกลุ่ม/หน่วย", opinions=OPINIONS),
        Block(
            "Task_DirectorDecision",
            "ความเห็นของผู้อำนวยการ {short_name}",
            choices=DIRECTOR_CHOICES,
            opinions=SENT_BACK,
            office_level=True,
        ),
        Block("Task_CheckAndPublish", PUBLISHER, "ผู้เผยแพร่ข้อมูล/ผู้ดูแลระบบ", CERTIFICATION, opinions=SENT_BACK),
    ),
}
ENDINGS = {
    "published": "เผยแพร่บนเว็บไซต์ของสำนักงานแล้ว เมื่อ {at}",
    "rejected": "คำขอนี้ไม่ได้รับอนุญาต สิ้นสุดเมื่อ {at}",
    "withdrawn": "ผู้ขอถอนคำขอนี้แล้ว เมื่อ {at}",
    "terminated": "ผู้ดูแลระบบยุติคำขอนี้แล้ว เมื่อ {at}",
}


@dataclass(frozen=True)
class MemoFile:
    filename: str
    content: bytes


@dataclass(frozen=True)
class _Decision:
    """A completed step as the memo signs it."""

    event_id: int
    task_spec: str
    lane: str
    decision: str | None
    comment: str | None
    at: datetime
    signer: User | None
    principal: User | None  # acting for (รักษาราชการแทน)


def has_memo(process_id: str) -> bool:
    return process_id in BLOCKS


def get_memo(ctx: ServiceContext, instance_id: int, actor: Actor, digits: str | None = None) -> MemoDocument:
    """The memo of a request as it stands now. `digits` "thai" or "arabic" overrides the office's
    choice. Raises NotFoundError, PermissionDeniedError, ValidationError (unknown digits)."""
    if digits is not None and digits not in DIGITS:
        raise ValidationError("digits must be thai or arabic", [problem("digits", "ต้องเป็น thai หรือ arabic")])
    with ctx.db.read() as session:
        instance = readable_instance(session, actor, instance_id)
        if not has_memo(instance.process_id):
            raise NotFoundError(f"{instance.definition.name} has no memo")
        settings = office_settings.load(session)
        memo = compose(ctx, session, instance, settings)
    thai = settings.thai_digits if digits is None else digits == "thai"
    emblem, emblem_type = emblem_of(ctx, settings.emblem_file_id)
    return replace(memo, thai_digits=thai, emblem=emblem, emblem_type=emblem_type)


def memo_pdf(ctx: ServiceContext, instance_id: int, actor: Actor, digits: str | None = None) -> MemoFile:
    """The memo of a request as an A4 PDF. Raises NotFoundError, PermissionDeniedError, ValidationError."""
    memo = get_memo(ctx, instance_id, actor, digits)
    return MemoFile(f"บันทึกข้อความ-{instance_id}.pdf", render_pdf(memo))


def compose(
    ctx: ServiceContext,
    session: Session,
    instance: ProcessInstance,
    settings: office_settings.OfficeSettings,
    until_event_id: int | None = None,
) -> MemoDocument:
    """The memo from the request's data and its event log; with `until_event_id`, as it stood when that
    event (the director's decision) was written: later steps unsigned, no ending note."""
    parsed = spec_for(ctx, session, instance.definition)
    data = dict(ctx.engine.inspect_state(parsed, instance.state, ctx.now()).data)
    parts = request_parts(session, instance, data)
    decisions = _decisions(session, instance.id, until_event_id)
    waiting: set[str] = set()
    if until_event_id is None:
        waiting = set(
            session.scalars(
                select(HumanTask.task_spec).where(
                    HumanTask.instance_id == instance.id, HumanTask.status.in_(OPEN_STATUSES)
                )
            )
        )
    filed = next((d for d in reversed(decisions) if d.lane == "requester"), None)
    heading, requester = _heading(session, instance, data, settings, parts["choices"], filed)
    names = {"short_name": settings.short_name, "office": settings.name}
    # Endorsements of the content as last revised only: older rounds endorsed other content.
    opened = revisions.round_start(session, instance.id, until_event_id)
    current = [d for d in decisions if d.event_id > opened]
    return MemoDocument(
        title=f"บันทึกข้อความ คำขอเลขที่ {instance.id} {instance.title}".strip(),
        requester_role="ผู้ขออนุญาต",
        # the memo is signed as the name and position it states, which the requester may have typed
        requester=replace(_signature(filed), **requester) if filed else None,
        endorsements=tuple(
            _endorsement(block, current, waiting, instance.status, names)
            for block in BLOCKS[instance.process_id]
            if not block.optional
            or block.task_spec in waiting
            or any(d.task_spec == block.task_spec for d in current)
        ),
        attachments=tuple(
            parts["files"][i]["filename"] for i in _list(data.get("attachments")) if i in parts["files"]
        ),
        note=_ending(instance) if until_event_id is None else "",
        footer=f"คำขอเลขที่ {instance.id} · {instance.definition.name} · "
        f"พิมพ์จากระบบเมื่อ {thaidate.format_datetime(ctx.now())}",
        **heading,
    )


def _decisions(session: Session, instance_id: int, until_event_id: int | None = None) -> list[_Decision]:
    """Every completed step of the request (up to `until_event_id`), oldest first, with who signed it
    and for whom."""
    signer, principal = aliased(User), aliased(User)
    stmt = (
        select(InstanceEvent, HumanTask.lane, signer, principal)
        .join(HumanTask, HumanTask.id == InstanceEvent.human_task_id)
        .outerjoin(signer, signer.id == InstanceEvent.actor_id)
        .outerjoin(principal, principal.id == InstanceEvent.on_behalf_of_id)
        .where(InstanceEvent.instance_id == instance_id, InstanceEvent.action == "task_completed")
        .order_by(InstanceEvent.id)
    )
    if until_event_id is not None:
        stmt = stmt.where(InstanceEvent.id <= until_event_id)
    rows = session.execute(stmt).all()
    return [
        _Decision(e.id, e.task_spec or "", lane, e.decision, e.comment, e.at, who, for_whom)
        for e, lane, who, for_whom in rows
    ]


def _signature(decision: _Decision, office_name: str = "") -> Signature:
    """Who signed a step, as their profile names them; `office_name` completes an office-wide
    position (ผู้อำนวยการ... of the whole office) the profile states without the office."""
    who, for_whom = decision.signer, decision.principal
    acting = ""
    if for_whom is not None:
        acting = f"รักษาราชการแทน{_full_position(for_whom.position or '', office_name)} ({for_whom.full_name})"
    return Signature(
        name=who.full_name if who else "",
        position=_full_position(who.position, office_name) if who else "",
        date=thaidate.format_date(decision.at, long=True),
        signed_at=thaidate.format_datetime(decision.at),
        acting_for=acting,
    )


def _full_position(position: str, office_name: str) -> str:
    """ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา -> ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก เขต 2:
    a position that stops partway through the office's name, or is the bare title, gets the rest of it."""
    position = position.strip()
    if not office_name or not position or office_name in position:
        return position
    if position in OFFICE_TITLES:
        return position + office_name
    for length in range(len(office_name) - 1, 5, -1):
        if position.endswith(office_name[:length]):
            return position + office_name[length:]
    return position


def _endorsement(
    block: Block, decisions: list[_Decision], waiting: set[str], status: str, names: dict[str, str]
) -> Endorsement:
    latest = next((d for d in reversed(decisions) if d.task_spec == block.task_spec), None)
    heading, statement = block.heading.format(**names), block.statement.format(**names)
    # seed 001 dates the decisions (the deputy's and the director's); every block carries the
    # time it was signed in the system
    dated = bool(block.choices)
    if latest is None or block.task_spec in waiting:
        unticked = tuple((label, False) for _, label in block.choices)
        note = "ยังไม่ได้พิจารณา" if status in LIVE_STATUSES else "ไม่ได้พิจารณา"
        return Endorsement(heading, block.role, statement, unticked, note=note, dated=dated)
    codes = {code for code, _ in block.choices}
    return Endorsement(
        heading,
        block.role,
        statement,
        tuple((label, latest.decision == code) for code, label in block.choices),
        opinion="" if latest.decision in codes else block.opinions.get(latest.decision or "", ""),
        reason=latest.comment or "",
        signature=_signature(latest, names["office"] if block.office_level else ""),
        dated=dated,
    )


def _heading(
    session: Session,
    instance: ProcessInstance,
    data: dict[str, Any],
    settings: office_settings.OfficeSettings,
    choices: dict[str, dict[str, str]],
    filed: _Decision | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """ส่วนราชการ, ที่, วันที่, เรื่อง, เรียน and the body, from the request's own fields; and the
    requester's name and position as the memo states them."""
    requester = instance.started_by
    group = _group_name(session, _text(data.get("requester_group"))) or (
        instance.group.name if instance.group else ""
    )
    name = _text(data.get("requester_name")) or (requester.full_name if requester else "")
    position = _text(data.get("requester_position")) or (requester.position if requester else "")
    topic = _text(data.get("topic")) or _text(data.get("title"))
    category = category_label(session, _text(data.get("category")))
    memo_form = instance.process_id == "memo_publication"
    opening = f"ข้าพเจ้า {name} ตำแหน่ง {position} {group} ขออนุญาตเผยแพร่ข้อมูล เรื่อง {topic}"
    if category:
        opening += f" ซึ่งเป็นข้อมูลตามลักษณะข้อมูลที่เผยแพร่ ข้อ {category}"
    if memo_form:
        means = (
            f"ทางสื่อประชาสัมพันธ์ ในรูปแบบไฟล์อิเล็กทรอนิกส์ "
            f"{_ticks(choices.get('file_formats', {}), _list(data.get('file_formats')))} "
            "ตามรายละเอียดดังแนบ โดยจัดส่งข้อมูลที่ต้องการเผยแพร่ให้ผู้มีหน้าที่เผยแพร่ข้อมูลฯ ตามช่องทาง "
            + _delivery(choices.get("delivery_channel", {}), data)
        )
    else:
        means = (
            f"ทางช่องทาง {_ticks(choices.get('channels', {}), _list(data.get('channels')))} ตามรายละเอียดดังแนบ"
        )
    memo_date = _date(data.get("memo_date")) if memo_form else (filed.at if filed else None)
    heading = {
        "office_unit": _text(data.get("office_unit")) or f"{settings.short_name} {group}".strip(),
        "number": settings.memo_prefix,
        "document_number": _text(data.get("document_number")),
        "date": thaidate.format_date(memo_date, long=True),
        "subject": _text(data.get("title")) if memo_form else f"ขออนุญาตเผยแพร่ข้อมูลข่าวสาร เรื่อง {topic}",
        "to": f"ผู้อำนวยการ{settings.name}",
        "paragraphs": tuple(
            p for p in (opening, _summary(data), f"{_text(data.get('purpose'))} {means}".strip()) if p
        ),
        "closing": "จึงเรียนมาเพื่อโปรดพิจารณาอนุญาต",
    }
    return heading, {"name": name, "position": position}


def _summary(data: dict[str, Any]) -> str:
    description = _text(data.get("description"))
    return f"สาระสำคัญโดยย่อ {description}" if description else ""


def _ticks(options: dict[str, str], chosen: list[str]) -> str:
    return " ".join(f"{'☑' if code in chosen else '☐'} {label}" for code, label in options.items())


def _delivery(options: dict[str, str], data: dict[str, Any]) -> str:
    chosen = data.get("delivery_channel")
    extra = {"email": _text(data.get("delivery_email")), "other": _text(data.get("delivery_other"))}
    parts = []
    for code, label in options.items():
        detail = f" {extra[code]}" if code == chosen and extra.get(code) else ""
        parts.append(f"{'☑' if code == chosen else '☐'} {label}{detail}")
    return " ".join(parts)


def _group_name(session: Session, code: str) -> str:
    if not code:
        return ""
    return session.scalar(select(Group.name).where(Group.code == code)) or code


def _ending(instance: ProcessInstance) -> str:
    text = ENDINGS.get(instance.outcome or "")
    if text is None or instance.completed_at is None:
        return ""
    return text.format(at=thaidate.format_datetime(instance.completed_at))


def emblem_of(ctx: ServiceContext, file_id: str | None) -> tuple[bytes | None, str]:
    if not file_id:
        return None, ""
    try:
        info, blob = storage.get_file(ctx, file_id)
        if not info.content_type.startswith("image/"):
            return None, ""
        return blob.read_bytes(), info.content_type
    except NotFoundError:  # no such file, or its bytes are missing: the memo goes without an emblem
        return None, ""


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
