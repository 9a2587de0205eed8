"""A small client for the WordPress REST API (wp/v2), authenticated with an application password.

No database here: services/portal/website.py calls it between its transactions. Every address goes through
`?rest_route=`, which works whether or not the site has pretty permalinks. Failures are raised as
`WordPressError` with a short code the web layer turns into Thai: unreachable, auth, forbidden,
rejected (the site refused what we sent), server (the site failed).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT = 20.0


class WordPressError(Exception):
    """A call to WordPress failed; `code` says how (see the module docstring)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail[:500]


@dataclass(frozen=True)
class Connection:
    url: str  # the site's address, e.g. https://www.example.go.th
    user: str
    password: str  # an application password (spaces allowed, as WordPress shows it)


@dataclass(frozen=True)
class Post:
    id: int
    link: str
    status: str


@dataclass(frozen=True)
class Media:
    id: int
    url: str


class WordPress:
    def __init__(self, connection: Connection, timeout: float = TIMEOUT) -> None:
        self.connection = connection
        self.timeout = timeout

    # --- posts ---------------------------------------------------------------------------------------

    def find_post(self, slug: str) -> Post | None:
        """The post with this slug in any status (our marker: a crash after sending leaves it behind)."""
        found = self._call("GET", "/wp/v2/posts", query={"slug": slug, "status": "any", "context": "edit"})
        posts = [p for p in found if isinstance(p, dict)] if isinstance(found, list) else []
        return _post(posts[0]) if posts else None

    def get_post(self, post_id: int) -> Post | None:
        try:
            return _post(self._call("GET", f"/wp/v2/posts/{post_id}", query={"context": "edit"}))
        except WordPressError as exc:
            if exc.code == "not_found":
                return None
            raise

    def save_post(self, post_id: int | None, fields: dict[str, Any]) -> Post:
        path = "/wp/v2/posts" if post_id is None else f"/wp/v2/posts/{post_id}"
        return _post(self._call("POST", path, body=fields))

    # --- media and categories ------------------------------------------------------------------------

    def find_media(self, slug: str) -> Media | None:
        found = self._call("GET", "/wp/v2/media", query={"slug": slug})
        if isinstance(found, list) and found and isinstance(found[0], dict):
            return Media(int(found[0]["id"]), str(found[0].get("source_url") or ""))
        return None

    def upload_media(self, filename: str, content_type: str, content: bytes, slug: str) -> Media:
        # WordPress checks the type by the name's extension; the Thai name goes in the title below.
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
        headers = {
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{slug}.{extension}"',
        }
        created = self._call("POST", "/wp/v2/media", raw=content, headers=headers)
        media = Media(int(created["id"]), str(created.get("source_url") or ""))
        # The title WordPress makes from the file name is ours to set: the person's file name, in Thai.
        self._call("POST", f"/wp/v2/media/{media.id}", body={"title": filename, "slug": slug})
        return media

    def categories(self) -> list[tuple[int, str]]:
        """(id, name) of the site's categories, first 100 (enough to map an office's list)."""
        found = self._call("GET", "/wp/v2/categories", query={"per_page": "100", "orderby": "id"})
        return [(int(c["id"]), str(c.get("name") or "")) for c in found if isinstance(c, dict)]

    def whoami(self) -> str:
        """The name of the user the application password belongs to (proves the credentials)."""
        me = self._call("GET", "/wp/v2/users/me", query={"context": "edit"})
        return str(me.get("name") or me.get("slug") or "")

    # --- the wire ------------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        route: str,
        *,
        query: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        params = {"rest_route": route, **(query or {})}
        url = f"{self.connection.url.rstrip('/')}/?{urllib.parse.urlencode(params)}"
        token = base64.b64encode(f"{self.connection.user}:{self.connection.password}".encode()).decode()
        all_headers = {"Authorization": f"Basic {token}", "Accept": "application/json", **(headers or {})}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise WordPressError("unreachable", "the site's address must start with http:// or https://")
        request = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise _http_error(exc) from exc
        except (OSError, ValueError) as exc:  # refused, DNS, TLS, timeout, a malformed address
            raise WordPressError("unreachable", f"{type(exc).__name__}: {exc}") from exc
        try:
            return json.loads(payload)
        except ValueError as exc:
            raise WordPressError("server", "the site did not answer with JSON (is this WordPress?)") from exc


def _http_error(exc: urllib.error.HTTPError) -> WordPressError:
    try:
        message = str(json.loads(exc.read()).get("message") or exc.reason)
    except (ValueError, AttributeError, OSError):
        message = str(exc.reason)
    code = {401: "auth", 403: "forbidden", 404: "not_found"}.get(exc.code)
    if code is None:
        code = "server" if exc.code >= 500 else "rejected"
    return WordPressError(code, f"HTTP {exc.code}: {message}")


def _post(data: Any) -> Post:
    if not isinstance(data, dict) or "id" not in data:
        raise WordPressError("server", "the site's answer has no post")
    return Post(int(data["id"]), str(data.get("link") or ""), str(data.get("status") or ""))
