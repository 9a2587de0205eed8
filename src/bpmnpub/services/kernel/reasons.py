"""The reason a person gives for what they do to a request or a published item (withdraw, suspend,
rewind, reassign, retry…): one rule for what is accepted, so every form and the API answer alike."""

from __future__ import annotations

from ...errors import ValidationError, problem

MAX_REASON = 2000  # characters, after trimming


def given_reason(reason: str | None, *, required: bool = True) -> str:
    """The reason, trimmed. Raises ValidationError (on field `reason`) when it is required and empty,
    or longer than MAX_REASON."""
    text = (reason or "").strip()
    if required and not text:
        raise ValidationError("a reason is required", [problem("reason", "กรุณาระบุเหตุผล")])
    if len(text) > MAX_REASON:
        raise ValidationError(
            "the reason is too long", [problem("reason", "ยาวได้ไม่เกิน %(n)s ตัวอักษร", n=MAX_REASON)]
        )
    return text
