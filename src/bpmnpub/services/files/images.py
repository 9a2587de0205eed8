"""Uploaded photos made safe to publish, before they are stored.

A camera or phone writes where and when a photo was taken (EXIF, GPS), often the owner's name and
device (XMP, comments). None of it may reach the public portal, so every JPEG, PNG and WebP upload is
decoded and written again without it: the stored bytes, and so their sha256, are the cleaned image.
The camera's orientation tag goes with the rest, so it is applied to the pixels first. A small
preview (thumbnail) is made at the same time for album pages. GIFs are stored as they come (no EXIF).

Memory is bounded three ways (an outside probe held 4.5 GB with 16 parallel 48-megapixel PNGs): a
picture over `MAX_PIXELS` is refused from its header, before any pixel is decoded; a picture is
expanded once and never copied (orientation applied in place, the thumbnail made by shrinking that
same picture with `reduce` once the cleaned file is written); and at most `CONCURRENT_JOBS` pictures
are worked on at a time in a process, the others wait their turn.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from ...errors import UnsupportedMediaTypeError, UploadTooLargeError

# content type -> (format written, formats accepted when reading). Phones write JPEGs Pillow reads as
# MPO (a JPEG with a second, smaller picture; its JPEG reader returns it): written back as a plain JPEG.
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "image/jpeg": ("JPEG", ("JPEG",)),
    "image/png": ("PNG", ("PNG",)),
    "image/webp": ("WEBP", ("WEBP",)),
}
# Decoded, 50 million pixels are ~150 MB of memory (RGB): room for a 48-megapixel phone or camera
# picture, while a small file may claim far more (a decompression bomb).
MAX_PIXELS = 50_000_000
# Each job holds one decoded picture (up to ~200 MB) for a few seconds of CPU: two at a time keep a
# small server's cores busy; more would only add memory, not speed.
CONCURRENT_JOBS = 2
_jobs = threading.BoundedSemaphore(CONCURRENT_JOBS)
THUMBNAIL_SIDE = 480  # pixels, the longest side
THUMBNAIL_TYPE = "image/webp"
# What survives from the original besides the pixels: colours (ICC profile) and PNG transparency.
KEPT_INFO = ("icc_profile", "transparency")
_REDUCIBLE = ("RGB", "RGBA", "L", "LA", "CMYK")
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    thumbnail: bytes


def cleans(content_type: str) -> bool:
    """Whether uploads of this type are cleaned (and get a thumbnail)."""
    return content_type in FORMATS


def clean(content: bytes, content_type: str, name: str) -> CleanImage:
    """The image without metadata, upright, and its thumbnail.
    Raises UnsupportedMediaTypeError (not a readable image), UploadTooLargeError (too many pixels)."""
    written, readable = FORMATS[content_type]
    with _jobs:
        image = _decode(content, readable, name)
        ImageOps.exif_transpose(image, in_place=True)
        image.info = {key: value for key, value in image.info.items() if key in KEPT_INFO}
        cleaned = _encode(image, written)
        return CleanImage(cleaned, _thumbnail(image))


def _decode(content: bytes, formats: tuple[str, ...], name: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; here both are refusals.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=list(formats))
            _check_size(image)  # from the header: nothing is decoded yet
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_large() from exc
    except _DECODE_ERRORS as exc:
        raise UnsupportedMediaTypeError(
            f"the content of {name!r} is not a readable image", {"reason": str(exc)[:200]}
        ) from exc
    return image


def _check_size(image: Image.Image) -> None:
    if image.width * image.height > MAX_PIXELS:
        raise _too_large()


def _too_large() -> UploadTooLargeError:
    return UploadTooLargeError(
        f"the image has more than {MAX_PIXELS // 1_000_000} million pixels; resize it first",
        {"max_pixels": MAX_PIXELS},
    )


def _encode(image: Image.Image, written: str) -> bytes:
    out = io.BytesIO()
    if written == "JPEG":
        image.save(out, "JPEG", quality=90)
    elif written == "WEBP":
        image.save(out, "WEBP", quality=90)
    else:
        image.save(out, written)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    """The preview, made by shrinking `image` itself (it is not needed afterwards): no full-size copy."""
    side = (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    if image.mode in _REDUCIBLE:
        image.thumbnail(side, reducing_gap=2.0)  # reduce() by a whole factor first, then a fine resize
    elif max(image.size) > 2 * THUMBNAIL_SIDE:
        # Palettes (and 1-bit, 16-bit) cannot be reduced or averaged: pick pixels down to twice the
        # preview's size, so the conversion below is small too.
        scale = 2 * THUMBNAIL_SIDE / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.NEAREST)
    if image.mode not in ("RGB", "RGBA"):  # WebP holds these two
        transparent = "A" in image.mode or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    image.thumbnail(side, reducing_gap=2.0)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80)
    return out.getvalue()
