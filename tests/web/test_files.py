"""POST /api/v1/files: size limit (413), content must match the extension (415), file info (201).

The test settings (tests/conftest.py) set MAX_UPLOAD_BYTES to 1 MiB.
"""

from __future__ import annotations

import hashlib

import pytest

from ..photos import png
from .conftest import PDF, Api, error_of, multipart

MIB = 1024 * 1024
PNG = png()  # a real picture: images are decoded (and cleaned) on upload
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def padded_pdf(size: int) -> bytes:
    return PDF + b"%" * (size - len(PDF))


def test_a_real_pdf_is_stored_and_described(api: Api) -> None:
    response = api.as_user("owner1").upload(PDF, "ประกาศผลการคัดเลือก.pdf")
    assert response.status_code == 201
    info = response.get_json()
    assert set(info) >= {"id", "sha256", "filename", "content_type", "size"}
    assert info["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (info["filename"], info["content_type"], info["size"]) == (
        "ประกาศผลการคัดเลือก.pdf",
        "application/pdf",
        len(PDF),
    )
    assert isinstance(info["id"], str)
    assert info["id"]


def test_a_real_png_is_accepted_as_an_image(api: Api) -> None:
    response = api.as_user("owner1").upload(PNG, "ภาพกิจกรรม.PNG")
    assert response.status_code == 201
    assert response.get_json()["content_type"] == "image/png"


def test_the_same_content_twice_gives_two_files_with_one_hash(api: Api) -> None:
    owner = api.as_user("owner1")
    first, second = (owner.upload(PDF).get_json() for _ in range(2))
    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]


def test_a_path_in_the_filename_is_dropped(api: Api) -> None:
    response = api.as_user("owner1").upload(PDF, "../../etc/ประกาศ.pdf")
    assert response.status_code == 201
    assert response.get_json()["filename"] == "ประกาศ.pdf"


def test_a_file_exactly_at_the_limit_is_accepted(api: Api) -> None:
    response = api.as_user("owner1").upload(padded_pdf(MIB), "big.pdf")
    assert response.status_code == 201
    assert response.get_json()["size"] == MIB


def test_a_file_over_the_limit_is_413_json(api: Api) -> None:
    response = api.as_user("owner1").upload(padded_pdf(MIB + 1), "big.pdf")
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_a_request_far_over_the_limit_is_413_json_too(api: Api) -> None:
    response = api.as_user("owner1").upload(padded_pdf(3 * MIB), "huge.pdf")
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


@pytest.mark.parametrize(
    ("content", "filename"),
    [(EXE, "ประกาศ.pdf"), (EXE, "ภาพ.png"), (b"\x00\x01binary", "notes.txt"), (PDF, "ประกาศ.docx")],
    ids=["exe-as-pdf", "exe-as-png", "binary-as-txt", "pdf-as-docx"],
)
def test_content_that_is_not_what_the_extension_says_is_415(api: Api, content: bytes, filename: str) -> None:
    response = api.as_user("owner1").upload(content, filename)
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


@pytest.mark.parametrize("filename", ["setup.exe", "page.html", "script.js", "archive.xyz", "no-extension"])
def test_an_extension_not_on_the_list_is_415(api: Api, filename: str) -> None:
    response = api.as_user("owner1").upload(PDF, filename)
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_an_upload_without_the_file_field_is_422(api: Api) -> None:
    response = api.as_user("owner1").post("/files", **multipart({"other": (PDF, "a.pdf")}))
    assert response.status_code == 422
    assert [d["field"] for d in error_of(response)["details"]] == ["file"]
