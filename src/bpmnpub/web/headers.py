"""Security headers on every response: what a browser may load, run and frame on our pages.

No inline script anywhere (templates carry data in `<script type="application/json">` blocks, which
are not run, and load code from /static); inline *styles* stay allowed because bpmn-js positions its
canvas with style attributes. Our pages may only be framed by our own pages, except the embed
pages other sites put in an iframe (`allow_any_framing`). A response that set its
own policy (stored files: `sandbox`) keeps it.
"""

from __future__ import annotations

from flask import Flask, Response

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# The embed pages (web/embed.py) are made to sit in other sites' iframes: any site may frame them.
FRAMEABLE_CSP = CSP.replace("frame-ancestors 'self'", "frame-ancestors *")


def allow_any_framing(response: Response) -> Response:
    """Let any site frame this one response (the embed pages only): X-Frame-Options has no value
    meaning "anyone", so it is left off and the CSP says it."""
    response.headers["Content-Security-Policy"] = FRAMEABLE_CSP
    return response


def init(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        frameable = response.headers.get("Content-Security-Policy") == FRAMEABLE_CSP
        for name, value in HEADERS.items():
            if not (frameable and name == "X-Frame-Options"):
                response.headers.setdefault(name, value)
        return response
