"""Every path through every shipped process, as data. The runner (runner.py) walks them.

Users are the demo office of DESIGN §5: owner1/gdir_plan/publisher1 in the planning group "plan",
owner2/gdir_hr in the personnel group "hr", pr1 is PR officer and publisher, one each of legal1,
deputy1, director1. "<pdf>" / "<jpg:2>" are files the runner uploads (one upload per placeholder).
"""

from __future__ import annotations

from typing import Any

from .runner import Expect, Item, Scenario, Step, Wait

# -- forms filled in the same way in many paths -----------------------------------------------------


def review(task: str, user: str, decision: str = "approve", comment: str = "", form: str = "review_form") -> Step:
    data = {"decision": decision, "comment": comment} if comment else {"decision": decision}
    return Step(task, user, form, data)


def revise(task: str, user: str, form: str, data: dict[str, Any]) -> Step:
    """The requester's revise task: it comes back filled with the current data; `data` is the fix."""
    return Step(task, user, form, data, prefilled=True)


PUBLISHED = Expect("completed", "published")
REJECTED = Expect("rejected", "rejected")

# -- 1. general_publication -------------------------------------------------------------------------

GENERAL = {
    "title": "ประกาศผลการคัดเลือกครูผู้ช่วย กรณีที่มีความจำเป็นหรือมีเหตุพิเศษ", "category": "1.1",
    "description": "ประกาศรายชื่อผู้ผ่านการคัดเลือก", "purpose": "เพื่อเผยแพร่ต่อสาธารณะ",
    "channels": ["website", "notice_board"], "attachments": ["<pdf>"],
}  # fmt: skip


def general_revised(n: int) -> dict[str, Any]:
    return {**GENERAL, "title": f"{GENERAL['title']} (แก้ไขครั้งที่ {n})", "attachments": [f"<pdf:v{n + 1}>"]}


def general(owner: str, *middle: Step, expect: Expect) -> dict[str, Any]:
    return {
        "process": "general_publication", "starter": owner, "expect": expect,
        "steps": [Step("Task_PrepareRequest", owner, "general_request_form", GENERAL), *middle],
    }  # fmt: skip


def general_item(title: str = GENERAL["title"]) -> Expect:
    return Expect("completed", "published", Item(title, "1.1"))


GD, DIR, PUB = "Task_GroupDirectorReview", "Task_DirectorDecision", "Task_CheckAndPublish"
CHECKED = Step(PUB, "publisher1", "publish_check_form", {"certified": True, "publish_note": "ตรวจแล้ว"})

# -- 2. memo_publication ----------------------------------------------------------------------------

MEMO = {
    "office_unit": "สพป.ฉะเชิงเทรา เขต 1 กลุ่มนโยบายและแผน", "document_number": "ศธ 04032/123",
    "memo_date": "2026-11-16", "title": "ขออนุญาตเผยแพร่ข้อมูลบนเว็บไซต์", "requester_name": "นางสาวสมใจ ใจดี",
    "requester_position": "นักวิเคราะห์นโยบายและแผน", "requester_group": "plan",
    "topic": "แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570", "category": "1.5",
    "description": "แผนปฏิบัติการที่ผ่านความเห็นชอบแล้ว", "purpose": "เพื่อเผยแพร่ประชาสัมพันธ์งานที่ดำเนินการ",
    "file_formats": ["pdf", "word"], "delivery_channel": "email", "delivery_email": "owner1@example.go.th",
    "attachments": ["<pdf>"],
}  # fmt: skip
LEGAL, CERTIFY, DEPUTY, PUBLISH = "Task_LegalOpinion", "Task_CertifyData", "Task_DeputyOpinion", "Task_Publish"
MEMO_REVISE = {
    LEGAL: "Task_ReviseForLegalOfficer", GD: "Task_ReviseForGroupDirector",
    CERTIFY: "Task_ReviseForPublisher", DIR: "Task_ReviseForDirector",
}  # fmt: skip


def memo_revised(n: int) -> dict[str, Any]:
    return {**MEMO, "topic": f"{MEMO['topic']} (ฉบับปรับปรุง {n})", "attachments": [f"<pdf:v{n + 1}>"]}


def memo_sent_back(reviewer: str, user: str, n: int, form: str = "review_form") -> list[Step]:
    """`reviewer` sends the memo back, owner1 fixes it (revision n)."""
    return [
        review(reviewer, user, "revise", f"โปรดแก้ไขตามความเห็น รอบที่ {n}", form),
        revise(MEMO_REVISE[reviewer], "owner1", "memo_request_form", memo_revised(n)),
    ]


def memo(*middle: Step, expect: Expect) -> dict[str, Any]:
    return {
        "process": "memo_publication", "starter": "owner1", "expect": expect,
        "steps": [Step("Task_PrepareMemo", "owner1", "memo_request_form", MEMO), *middle],
    }  # fmt: skip


LEGAL_OK = review(LEGAL, "legal1")
GD_OK = review(GD, "gdir_plan")
CERTIFIED = Step(CERTIFY, "publisher1", "certify_form", {"decision": "approve", "certified": True})
DEPUTY_ALLOW = Step(DEPUTY, "deputy1", "deputy_opinion_form", {"decision": "recommend_allow"})
DENY = {"decision": "recommend_deny", "comment": "ข้อมูลมีรายชื่อบุคคล ควรตัดออกก่อน"}
DEPUTY_DENY = Step(DEPUTY, "deputy1", "deputy_opinion_form", DENY)
DIR_OK = review(DIR, "director1", form="director_permission_form")
CONFIRMED = Step(PUBLISH, "pr1", "publish_confirm_form", {"confirmed": True})


def memo_item(topic: str = MEMO["topic"]) -> Expect:
    return Expect("completed", "published", Item(topic, "1.5"))


# -- 3. photo_publication ---------------------------------------------------------------------------

PLAN = {
    "title": "ภาพกิจกรรมการประชุมผู้บริหารสถานศึกษา ครั้งที่ 5/2569", "category": "1.13",
    "activity": "การประชุมผู้บริหารสถานศึกษา", "activity_date": "2026-11-20", "place": "หอประชุม สพป.",
    "photographer": "นายประชา สัมพันธ์",
}  # fmt: skip
SHOT = [{"file": "<jpg:1>", "publish": True}, {"file": "<jpg:2>", "publish": True}, {"file": "<jpg:3>", "publish": False}]


def captioned(second: str) -> list[dict[str, Any]]:
    return [
        {"file": "<jpg:1>", "caption": "ผอ.สพป. เปิดการประชุม", "alt_text": "ผู้อำนวยการกล่าวเปิดการประชุม", "publish": True},
        {"file": second, "caption": "ผู้บริหารสถานศึกษาร่วมประชุม", "alt_text": "ภาพมุมกว้างของห้องประชุม", "publish": True},
        {"file": "<jpg:3>", "publish": False},
    ]  # fmt: skip


def captions(second: str = "<jpg:2>", prefilled: bool = False) -> Step:
    data = {"album_description": "การประชุมผู้บริหารสถานศึกษาประจำเดือน", "photos": captioned(second)}
    return Step("Task_WriteCaptions", "pr1", "photo_caption_form", data, prefilled=prefilled)


PDPA_OK = Step("Task_PdpaCheck", "pr1", "pdpa_check_form", {
    "people_identifiable": True, "children_present": True, "consent_on_file": False, "measures": ["blur", "wide_shot"],
    "decision": "approve",
})  # fmt: skip


def pdpa_sent_back(n: int) -> list[Step]:
    """PDPA check fails; the photos are shot/selected again (a blurred second photo) and re-captioned."""
    fixed = f"<jpg:2-blurred-{n}>"
    check = {"people_identifiable": True, "children_present": True, "consent_on_file": False,
             "decision": "revise", "comment": f"ภาพที่ 2 เห็นใบหน้านักเรียนชัดเจน โปรดเบลอ (รอบที่ {n})"}  # fmt: skip
    return [
        Step("Task_PdpaCheck", "pr1", "pdpa_check_form", check),
        Step("Task_ShootAndSelect", "pr1", "photo_select_form", {"photos": captioned(fixed)}, prefilled=True),
        captions(fixed, prefilled=True),
    ]


EVALUATED = {"evaluation_result": "มีผู้เข้าชมและครูในสังกัดรับทราบกิจกรรม", "lessons": "ควรเผยแพร่ภายใน 3 วัน"}


def photo(*pdpa: Step) -> dict[str, Any]:
    return {
        "process": "photo_publication", "starter": "owner1",
        "expect": Expect("completed", "published", Item(PLAN["title"], "1.13", "album", files=None)),
        "steps": [
            Step("Task_PlanPhotography", "owner1", "photo_plan_form", PLAN),
            Step("Task_ShootAndSelect", "pr1", "photo_select_form", {"photos": SHOT}),
            captions(), *pdpa, PDPA_OK, Wait(days=14),
            Step("Task_EvaluatePublication", "pr1", "evaluation_form", EVALUATED, shows={"views": 0}),
        ],
    }  # fmt: skip


# -- 4. regulatory_publication ----------------------------------------------------------------------

OBJECTIVE = {
    "title": "ประกาศผลการจัดซื้อจัดจ้าง ประจำเดือนตุลาคม 2569", "category": "1.8",
    "objective": "เปิดเผยผลการจัดซื้อจัดจ้างตามพระราชบัญญัติ", "target_audience": "ประชาชนทั่วไป ผู้ประกอบการ",
    "target_date": "2026-11-30",
}  # fmt: skip
COMPILED = {"description": "สรุปผลการจัดซื้อจัดจ้าง (สขร.1)", "attachments": ["<pdf>"], "data_as_of": "2026-10-31"}


def fixed(n: int) -> Step:
    data = {**COMPILED, "description": f"{COMPILED['description']} ฉบับแก้ไข {n}", "attachments": [f"<pdf:v{n + 1}>"]}
    return revise("Task_FixData", "owner1", "compile_data_form", data)


def regulatory(*loops: Step) -> dict[str, Any]:
    return {
        "process": "regulatory_publication", "starter": "owner1",
        "expect": Expect("completed", "published", Item(OBJECTIVE["title"], "1.8")),
        "steps": [
            Step("Task_PlanObjective", "owner1", "objective_form", OBJECTIVE),
            Step("Task_AcquireData", "owner1", "acquire_data_form",
                 {"data_sources": "ระบบ e-GP", "source_files": ["<pdf:source>"], "acquire_note": "ดึงจากระบบ"}),
            Step("Task_CompileData", "owner1", "compile_data_form", COMPILED),
            *loops,
            review("Task_SupervisorReview", "gdir_plan", form="supervisor_review_form"),
            Step("Task_PreparePublication", "publisher1", "publish_check_form", {"certified": True}),
            Wait(days=30),
            Step("Task_EvaluatePublication", "owner1", "evaluation_form", EVALUATED, shows={"views": 0}),
        ],
    }  # fmt: skip


def supervisor_sent_back(n: int) -> list[Step]:
    return [review("Task_SupervisorReview", "gdir_plan", "revise", f"ตัวเลขไม่ตรงกับ e-GP (รอบที่ {n})",
                   "supervisor_review_form"), fixed(n)]  # fmt: skip


# -- 5. semiannual_report ---------------------------------------------------------------------------

REPORT = {
    "title": "รายงานผลการเผยแพร่ข้อมูลข่าวสารต่อสาธารณะ รอบ 6 เดือน (เมษายน - กันยายน 2569)", "category": "1.17",
    "summary": "ทุกกลุ่มเผยแพร่ข้อมูลตามมาตรการ", "attachments": ["<pdf:report>"],
}  # fmt: skip


def group_report(user: str, group: str) -> Step:
    data = {"items_published": 0, "results": f"กลุ่ม {group} เผยแพร่ครบ", "problems": "ไม่มี", "suggestions": "ไม่มี"}
    return Step("Task_GroupReport", user, "group_report_form", data, shows={"group_code": group, "items_published": 0})


def semiannual(starter: str, compiler: str, publish: bool) -> dict[str, Any]:
    ack = {"acknowledged": True, "comment": "รับทราบ", "publish_report": publish}
    return {
        "process": "semiannual_report", "starter": starter,
        "expect": (Expect("completed", "published", Item(REPORT["title"], "1.17", "report")) if publish
                   else Expect("completed", "completed")),
        "steps": [
            group_report("gdir_plan", "plan"), group_report("gdir_hr", "hr"),
            Step("Task_CompileReport", compiler, "compile_report_form", REPORT),
            Step("Task_DirectorAcknowledge", "director1", "director_ack_form", ack),
        ],
    }  # fmt: skip


# -- 6. publication_programme -----------------------------------------------------------------------

ANNOUNCEMENT = {
    "title": "ประกาศ เรื่อง มาตรการการเผยแพร่ข้อมูลข่าวสารต่อสาธารณะ ปีงบประมาณ พ.ศ. 2570", "fiscal_year": 2570,
    "announcement_date": "2026-10-01", "category": "1.1", "description": "มาตรการการเผยแพร่ข้อมูลของสำนักงาน",
    "announcement_files": ["<pdf:announcement>"],
}  # fmt: skip
APPOINTED = {
    "order_number": "103/2569", "order_date": "2026-10-05", "order_files": ["<pdf:order>"],
    "appointees": [{"name": "นางสาวกานดา เผยแพร่", "position": "นักวิเคราะห์นโยบายและแผน", "group": "plan",
                    "duty": "เผยแพร่ข้อมูลผ่านเว็บไซต์"}],
}  # fmt: skip
TOPICS = {"topics": [
    {"topic": "แผนปฏิบัติการประจำปี", "category": "1.5", "responsible_group": "plan", "ita_item": "O10", "frequency": "yearly"},
    {"topic": "ผลการจัดซื้อจัดจ้าง", "responsible_group": "admin", "frequency": "monthly"},
]}  # fmt: skip


def programme(starter: str, director: str, publisher: str) -> dict[str, Any]:
    return {
        "process": "publication_programme", "starter": starter,
        "expect": Expect("completed", "completed", Item(ANNOUNCEMENT["title"], "1.1", files="announcement_files")),
        "steps": [
            Step("Task_AnnounceMeasures", director, "announce_measures_form", ANNOUNCEMENT),
            Step("Task_AppointResponsible", director, "appoint_responsible_form", APPOINTED),
            Step("Task_BriefStaff", publisher, "brief_staff_form",
                 {"briefing_date": "2026-10-20", "attendees_count": 45, "materials": ["<pdf:slides>"]}),
            Step("Task_DefineTopics", publisher, "define_topics_form", TOPICS),
        ],
    }  # fmt: skip


# -- the paths ------------------------------------------------------------------------------------

OWN_REQUEST_BUG = (
    "BUG permissions.eligible: 'nobody decides on their own request' also bars the starter from the "
    "group report / acknowledgement / announcement of a process their role may start; the step is stuck"
)

SCENARIOS = [
    Scenario("general_publication-approve", **general(
        "owner1", review(GD, "gdir_plan"), review(DIR, "director1"), CHECKED, expect=general_item())),
    Scenario("general_publication-hr-group-approve", **general(
        "owner2", review(GD, "gdir_hr"), review(DIR, "director1"), CHECKED, expect=general_item())),
    Scenario("general_publication-revise3-then-approve", **general(
        "owner1",
        *[s for n in (1, 2, 3) for s in (
            review(GD, "gdir_plan", "revise", f"แนบฉบับลงนาม (รอบที่ {n})"),
            revise("Task_ReviseForGroupDirector", "owner1", "general_request_form", general_revised(n)))],
        review(GD, "gdir_plan"), review(DIR, "director1"), CHECKED,
        expect=general_item(general_revised(3)["title"]))),
    Scenario("general_publication-director-revise-then-approve", **general(
        "owner1", review(GD, "gdir_plan"),
        review(DIR, "director1", "revise", "ระบุปีงบประมาณในชื่อเรื่อง"),
        revise("Task_ReviseForDirector", "owner1", "general_request_form", general_revised(1)),
        review(DIR, "director1"), CHECKED, expect=general_item(general_revised(1)["title"]))),
    Scenario("general_publication-group-director-reject", **general(
        "owner1", review(GD, "gdir_plan", "reject", "ข้อมูลนี้เป็นข้อมูลส่วนบุคคล"), expect=REJECTED)),
    Scenario("general_publication-director-reject", **general(
        "owner1", review(GD, "gdir_plan"), review(DIR, "director1", "reject", "ยังไม่ถึงกำหนดเผยแพร่"),
        expect=REJECTED)),
    Scenario("memo_publication-approve", **memo(
        LEGAL_OK, GD_OK, CERTIFIED, DEPUTY_ALLOW, DIR_OK, CONFIRMED, expect=memo_item())),
    Scenario("memo_publication-legal-officer-revise3-then-approve", **memo(
        *[s for n in (1, 2, 3) for s in memo_sent_back(LEGAL, "legal1", n)],
        LEGAL_OK, GD_OK, CERTIFIED, DEPUTY_ALLOW, DIR_OK, CONFIRMED, expect=memo_item(memo_revised(3)["topic"]))),
    Scenario("memo_publication-group-director-revise-then-approve", **memo(
        LEGAL_OK, *memo_sent_back(GD, "gdir_plan", 1), GD_OK, CERTIFIED, DEPUTY_ALLOW, DIR_OK, CONFIRMED,
        expect=memo_item(memo_revised(1)["topic"]))),
    Scenario("memo_publication-publisher-certify-revise-then-approve", **memo(
        LEGAL_OK, GD_OK, *memo_sent_back(CERTIFY, "publisher1", 1, "certify_form"), CERTIFIED, DEPUTY_ALLOW,
        DIR_OK, CONFIRMED, expect=memo_item(memo_revised(1)["topic"]))),
    Scenario("memo_publication-director-revise-then-approve", **memo(
        LEGAL_OK, GD_OK, CERTIFIED, DEPUTY_ALLOW, *memo_sent_back(DIR, "director1", 1, "director_permission_form"),
        DIR_OK, CONFIRMED, expect=memo_item(memo_revised(1)["topic"]))),
    Scenario("memo_publication-deputy-recommend-deny-then-director-approve", **memo(
        LEGAL_OK, GD_OK, CERTIFIED, DEPUTY_DENY,
        Step(DIR, "director1", "director_permission_form", {"decision": "approve"},
             shows={"deputy_recommendation": "recommend_deny", "deputy_comment": DENY["comment"]}),
        CONFIRMED, expect=memo_item())),
    Scenario("memo_publication-deputy-recommend-deny-then-director-reject", **memo(
        LEGAL_OK, GD_OK, CERTIFIED, DEPUTY_DENY,
        Step(DIR, "director1", "director_permission_form", {"decision": "reject", "comment": "ไม่อนุญาตตามความเห็นรอง ผอ."},
             shows={"deputy_recommendation": "recommend_deny", "deputy_comment": DENY["comment"]}),
        expect=REJECTED)),
    Scenario("memo_publication-legal-officer-reject", **memo(
        review(LEGAL, "legal1", "reject", "ขัดต่อ พ.ร.บ.ข้อมูลข่าวสารของราชการ มาตรา 15"), expect=REJECTED)),
    Scenario("memo_publication-group-director-reject", **memo(
        LEGAL_OK, review(GD, "gdir_plan", "reject", "ไม่ใช่ภารกิจของกลุ่ม"), expect=REJECTED)),
    Scenario("photo_publication-approve", **photo()),
    Scenario("photo_publication-pdpa-revise3-then-approve", **photo(*[s for n in (1, 2, 3) for s in pdpa_sent_back(n)])),
    Scenario("regulatory_publication-continue", **regulatory()),
    Scenario("regulatory_publication-revise3-then-continue",
             **regulatory(*[s for n in (1, 2, 3) for s in supervisor_sent_back(n)])),
    Scenario("semiannual_report-started-by-publisher-published", **semiannual("publisher1", "pr1", True)),
    Scenario("semiannual_report-started-by-publisher-not-published", **semiannual("pr1", "publisher1", False)),
    Scenario("semiannual_report-started-by-group-director-published", **semiannual("gdir_hr", "publisher1", True),
             xfail=OWN_REQUEST_BUG),
    Scenario("semiannual_report-started-by-director-published", **semiannual("director1", "publisher1", True),
             xfail=OWN_REQUEST_BUG),
    Scenario("publication_programme-started-by-publisher", **programme("publisher1", "director1", "pr1")),
    Scenario("publication_programme-started-by-director", **programme("director1", "director1", "publisher1"),
             xfail=OWN_REQUEST_BUG),
]
