"""The measured path through processes/general_publication.bpmn.

A revise loop = the group director sends the request back, the requester revises it. With L loops
an instance has 2L + 4 user tasks: prepare, (review: revise, revise the request) x L, review: approve,
director: approve, publisher: check (which runs the publish service task and ends the instance).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ROOT / "processes"
DIAGRAM = PROCESSES / "general_publication.bpmn"
PROCESS_ID = "general_publication"
LOOPS = (1, 10, 100)

# The demo user who does each lane's tasks (services.demo).
LANE_USERS = {
    "requester": "owner1",
    "group_director": "gdir_plan",
    "director": "director1",
    # News (1.3) is published by the PR unit in the demo office (`init --demo`, the load server) and by the
    # office pool in the test office; the PR officer is in both.
    "publisher": "pr1",
}

APPROVE = {"decision": "approve"}
REVISE = {"decision": "revise", "comment": "กรุณาแนบฉบับที่ลงนามแล้ว และแก้ไขชื่อเรื่องให้ตรงกับประกาศ"}
CERTIFY = {"certified": True, "publish_note": "ตรวจสอบแล้ว"}


def request_data(file_id: str, revision: int = 0) -> dict[str, Any]:
    title = "ประกาศผลการคัดเลือกบุคคลเพื่อบรรจุและแต่งตั้งเป็นข้าราชการครู ตำแหน่งครูผู้ช่วย"
    return {
        "title": title if revision == 0 else f"{title} (แก้ไขครั้งที่ {revision})",
        "category": "1.3",  # general_publication publishes 1.3; 1.1 goes through its own procedure
        "description": "ประกาศรายชื่อผู้ผ่านการคัดเลือก พร้อมกำหนดการรายงานตัว ณ สำนักงานเขตพื้นที่การศึกษา",
        "purpose": "เพื่อเผยแพร่ต่อสาธารณะตามมาตรการเปิดเผยข้อมูลของสำนักงาน",
        "channels": ["website", "notice_board"],
        "attachments": [file_id],
    }


@dataclass(frozen=True)
class Step:
    lane: str
    spec_id: str
    data: dict[str, Any]


def steps(loops: int, file_id: str = "0" * 32) -> list[Step]:
    out = [Step("requester", "Task_PrepareRequest", request_data(file_id))]
    for n in range(1, loops + 1):
        out.append(Step("group_director", "Task_GroupDirectorReview", REVISE))
        out.append(Step("requester", "Task_ReviseForGroupDirector", request_data(file_id, n)))
    out.append(Step("group_director", "Task_GroupDirectorReview", APPROVE))
    out.append(Step("director", "Task_DirectorDecision", APPROVE))
    out.append(Step("publisher", "Task_CheckAndPublish", CERTIFY))
    return out


def user_tasks(loops: int) -> int:
    return 2 * loops + 4


def all_forms() -> dict[str, Any]:
    import json

    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (PROCESSES / "forms").glob("*.json")}
