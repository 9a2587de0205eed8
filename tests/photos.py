"""Real images for tests, made with Pillow: uploads are decoded, so a few magic bytes no longer pass."""

from __future__ import annotations

import hashlib
import io

from PIL import ExifTags, Image

# Where the "camera" was: 13°45'N 100°30'E (Bangkok). Must never reach a stored file.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (13.0, 45.0, 0.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (100.0, 30.0, 0.0),
}
CAMERA_OWNER = "Somchai Camera Owner"


def _colour(label: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(label.encode()).digest()
    return digest[0], digest[1], digest[2]


def jpeg(label: str = "1", size: tuple[int, int] = (64, 48), *, orientation: int | None = None) -> bytes:
    """A JPEG whose colour depends on `label`, carrying EXIF with GPS, the owner's name and, when
    given, an orientation tag (6 = the camera was turned: show it rotated 90° clockwise)."""
    image = Image.new("RGB", size, _colour(label))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Artist] = CAMERA_OWNER
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=CAMERA_OWNER.encode())
    return out.getvalue()


def png(label: str = "1", size: tuple[int, int] = (40, 30)) -> bytes:
    """A PNG with a transparent corner and EXIF (PNG eXIf chunk) naming its owner."""
    image = Image.new("RGBA", size, (*_colour(label), 255))
    image.putpixel((0, 0), (0, 0, 0, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = CAMERA_OWNER
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif)
    return out.getvalue()
