"""Official documents bpmnpub prints: the memo (บันทึกข้อความ) as PDF.

Plain values in (frozen dataclasses a service filled), HTML and then PDF bytes out, rendered with
WeasyPrint from `templates/documents/`. The only package that imports WeasyPrint; it knows no Flask,
no SQLAlchemy and no services: it never reads the database and fetches nothing over a network.
"""

from .memo import Endorsement, MemoDocument, Signature, render_html, render_pdf

__all__ = ["Endorsement", "MemoDocument", "Signature", "render_html", "render_pdf"]
