"""Memos as a service fills them, without a database: seed 001's form in the demo office
(สพป.พิษณุโลก เขต 2), every block signed, as the usual chain leaves it."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image, ImageDraw

from bpmnpub.documents import Endorsement, MemoDocument, Signature

OFFICE = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก เขต 2"
SHORT = "สพป.พิษณุโลก เขต 2"
DIRECTOR_POSITION = f"ผู้อำนวยการ{OFFICE}"
DEPUTY_POSITION = f"รองผู้อำนวยการ{OFFICE}"
OPENING = (
    "ข้าพเจ้า นางสาวสมใจ ใจดี ตำแหน่ง นักวิเคราะห์นโยบายและแผนชำนาญการ กลุ่มนโยบายและแผน "
    "ขออนุญาตเผยแพร่ข้อมูล เรื่อง แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570 "
    "ซึ่งเป็นข้อมูลตามลักษณะข้อมูลที่เผยแพร่ ข้อ 1.3 แผนปฏิบัติการประจำปี แผนพัฒนาการศึกษา และอื่นๆ ที่เกี่ยวข้อง"
)
SUMMARY = "สาระสำคัญโดยย่อ แผนปฏิบัติการประจำปีของสำนักงาน 45 โครงการ"
MEANS = (
    "เพื่อเผยแพร่ประชาสัมพันธ์งานที่ดำเนินการ ต่อผู้รับบริการภายในและภายนอกหน่วยงาน ทางสื่อประชาสัมพันธ์ "
    "ในรูปแบบไฟล์อิเล็กทรอนิกส์ ☑ PDF ☐ JPG ☑ Word ตามรายละเอียดดังแนบ โดยจัดส่งข้อมูลที่ต้องการเผยแพร่"
    "ให้ผู้มีหน้าที่เผยแพร่ข้อมูลฯ ตามช่องทาง ☑ e-mail owner1@example.go.th ☐ ระบบ AMSS++ ☐ อื่น ๆ"
)
CERTIFICATION = (
    f"ข้าพเจ้าขอรับรองว่าข้อมูลที่ได้รับ ผ่านการตรวจสอบความถูกต้องเรียบร้อยแล้ว และขออนุญาตเผยแพร่บนเว็บไซต์ของ{OFFICE}"
)


def signed(name: str, position: str, day: int) -> Signature:
    return Signature(name, position, f"{day} พฤศจิกายน 2569", f"{day} พ.ย. 2569 09:00 น.")


def usual_chain() -> MemoDocument:
    """Requester, legal officer, group director, publisher, deputy and director, all signed."""
    return MemoDocument(
        title="บันทึกข้อความ คำขอเลขที่ 12 แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570",
        office_unit=f"{SHORT} กลุ่มนโยบายและแผน",
        number="ศธ 04082",
        date="16 พฤศจิกายน 2569",
        subject=f"ขออนุญาตเผยแพร่ข้อมูลบนเว็บไซต์ {SHORT}",
        to=DIRECTOR_POSITION,
        paragraphs=(OPENING, SUMMARY, MEANS),
        closing="จึงเรียนมาเพื่อโปรดพิจารณาอนุญาต",
        requester_role="ผู้ขออนุญาต",
        requester=signed("นางสาวสมใจ ใจดี", "นักวิเคราะห์นโยบายและแผนชำนาญการ", 16),
        endorsements=(
            Endorsement(
                "ความเห็นของนิติกร",
                "",
                opinion="เห็นควรอนุญาต",
                reason="ไม่ขัดต่อกฎหมาย",
                signature=signed("นายนิติ ยุติธรรม", "นิติกรชำนาญการ", 17),
                dated=False,
            ),
            Endorsement(
                "ความเห็นของผู้อำนวยการกลุ่ม/หน่วย",
                "",
                opinion="เห็นควรอนุญาต",
                signature=signed("นางวันเพ็ญ แสงทอง", "ผู้อำนวยการกลุ่มนโยบายและแผน", 18),
                dated=False,
            ),
            Endorsement(
                "ผู้มีหน้าที่เผยแพร่ข้อมูล/ผู้ดูแลระบบ",
                "ผู้เผยแพร่ข้อมูล/ผู้ดูแลระบบ",
                CERTIFICATION,
                signature=signed("นางสาวกานดา เผยแพร่", "นักวิชาการคอมพิวเตอร์ปฏิบัติการ", 19),
                dated=False,
            ),
            Endorsement(
                f"ความเห็นของ รอง ผอ.{SHORT}",
                "",
                choices=(("เห็นควรอนุญาต", True), ("เห็นควรไม่อนุญาต", False)),
                signature=signed("นางรัชนี ศรีสุข", DEPUTY_POSITION, 20),
            ),
            Endorsement(
                f"ความเห็นของผู้อำนวยการ {SHORT}",
                "",
                choices=(("อนุญาต", True), ("ไม่อนุญาต", False)),
                signature=signed("นายบุญสม โพธิ์เงิน", DIRECTOR_POSITION, 21),
            ),
        ),
        footer="คำขอเลขที่ 12 · ขออนุญาตเผยแพร่ข้อมูล · พิมพ์จากระบบเมื่อ 21 พ.ย. 2569 10:00 น.",
        attachments=("แผนปฏิบัติการประจำปี 2570.pdf",),
        note="เผยแพร่บนเว็บไซต์ของสำนักงานแล้ว เมื่อ 22 พ.ย. 2569 09:00 น.",
        emblem=emblem_png(),
    )


def verified() -> MemoDocument:
    """The usual chain with the register's number and the verification QR code, as `verify` fills them."""
    return replace(
        usual_chain(),
        document_number="ศธ 04082/123",
        verification_url="https://office.example.go.th/v/7KQ2M9",
        verification_qr_svg=qr_svg(),
    )


def emblem_png() -> bytes:
    """A stand-in for the office's emblem: a gold disc, 120 x 140 pixels."""
    image = Image.new("RGB", (120, 140), "white")
    ImageDraw.Draw(image).ellipse((10, 10, 110, 130), fill=(180, 140, 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


QR_BACKGROUND = (254 / 255,) * 3  # a colour nothing else in the memo uses, to find the code in the PDF


def qr_svg(modules: int = 21) -> str:
    """A QR-code-like SVG as a QR library writes one: an XML declaration, a viewBox in modules,
    the three finder squares and some dark modules."""
    dark = [f'<rect x="0" y="0" width="{modules}" height="{modules}" fill="#fefefe"/>']
    for x, y in ((0, 0), (modules - 7, 0), (0, modules - 7)):
        dark.append(f'<path d="M{x},{y}h7v7h-7z M{x + 1},{y + 1}v5h5v-5z" fill="#000" fill-rule="evenodd"/>')
        dark.append(f'<rect x="{x + 2}" y="{y + 2}" width="3" height="3" fill="#000"/>')
    for i in range(8, modules - 8):
        dark.append(f'<rect x="{i}" y="{(i * 7) % modules}" width="1" height="1" fill="#000"/>')
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {modules} {modules}" width="{modules * 4}mm" '
        f'height="{modules * 4}mm">{"".join(dark)}</svg>'
    )
