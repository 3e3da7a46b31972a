"""Evidence photos: only real JPEG/PNG/WebP images are stored, re-encoded with no metadata;
the GPS position survives only when the uploader allows it."""

from __future__ import annotations

import io
import os
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image, ImageCms, features
from PIL.PngImagePlugin import PngInfo

from yingji.core import photos
from yingji.core.errors import InvalidInput, NotFound
from yingji.core.models import AuditEntry, Photo

pytestmark = pytest.mark.django_db

HANGZHOU = (120.155123, 30.274111)  # lon, lat
RIO = (-43.172896, -22.906847)  # western and southern


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    """Each test its own data directory, so "no file was written" can be checked exactly."""
    settings.DATA_DIR = tmp_path
    return tmp_path


def _stored_files(root: Path) -> list[Path]:
    return [p for p in (root / "photos").rglob("*") if p.is_file()] if root.exists() else []


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round((value - degrees - minutes / 60) * 3600 * 10000), 10000)
    return Fraction(degrees), Fraction(minutes), seconds


def _exif(lonlat: tuple[float, float] | None = None, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Model] = "Model X-9000"
    exif[ExifTags.Base.DateTime] = "2024:07:01 08:30:00"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if lonlat:
        lon, lat = lonlat
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {
                ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
                ExifTags.GPS.GPSLatitude: _dms(lat),
                ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
                ExifTags.GPS.GPSLongitude: _dms(lon),
            }
        )
    return exif


def _image(mode: str = "RGB", size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Two colour blocks (left red, right blue) so a rotation can be seen in the pixels."""
    image = Image.new("RGB", size, (220, 30, 30))
    image.paste((30, 30, 220), (size[0] // 2, 0, size[0], size[1]))
    return image.convert(mode)


def _encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _jpeg(**exif_args) -> bytes:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _encode(
        _image(), "JPEG", exif=_exif(**exif_args), icc_profile=icc, comment=b"secret comment"
    )


def _upload(content: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def _reopen(photo: Photo) -> Image.Image:
    image = Image.open(photos.open_photo(photo))
    image.load()
    return image


def test_jpeg_is_stored_without_any_metadata(data_dir: Path) -> None:
    source = _jpeg(lonlat=HANGZHOU)
    assert b"SecretCam" in source  # the fixture really carries metadata

    photo = photos.store_photo(_upload(source, "IMG_0001.JPG"), purpose="hazard")

    stored = _reopen(photo)
    assert stored.format == "JPEG"
    assert stored.mode == "RGB"
    assert len(stored.getexif()) == 0
    for key in ("exif", "icc_profile", "comment", "xmp"):
        assert key not in stored.info
    raw = photos.open_photo(photo).read_bytes()
    for leak in (b"Exif", b"SecretCam", b"Model X-9000", b"2024:07:01", b"secret comment"):
        assert leak not in raw
    assert (photo.lon, photo.lat) == (None, None)  # location not allowed by default
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 64, 48)
    assert photo.size == len(raw)
    assert photo.original_name == "IMG_0001.JPG"
    assert photo.file == f"hazard/{photo.uploaded_at:%Y}/{photo.uploaded_at:%m}/{photo.sha256}.jpg"
    assert _stored_files(data_dir) == [photos.open_photo(photo)]


@pytest.mark.parametrize("lonlat", [HANGZHOU, RIO], ids=["north-east", "south-west"])
def test_location_is_kept_only_when_allowed(lonlat: tuple[float, float]) -> None:
    kept = photos.store_photo(_upload(_jpeg(lonlat=lonlat)), purpose="hazard", keep_location=True)
    assert kept.lon == pytest.approx(lonlat[0], abs=1e-5)
    assert kept.lat == pytest.approx(lonlat[1], abs=1e-5)
    assert len(_reopen(kept).getexif()) == 0  # kept on the row, never in the file

    dropped = photos.store_photo(_upload(_jpeg(lonlat=lonlat)), purpose="hazard")
    assert (dropped.lon, dropped.lat) == (None, None)


def test_no_gps_means_no_location() -> None:
    photo = photos.store_photo(_upload(_jpeg()), purpose="hazard", keep_location=True)
    assert (photo.lon, photo.lat) == (None, None)


def test_gps_of_reads_degrees_minutes_seconds() -> None:
    exif = _exif(lonlat=(120.5, -30.25))
    assert photos.gps_of(exif) == pytest.approx((120.5, -30.25), abs=1e-6)
    assert photos.gps_of(Image.open(io.BytesIO(_jpeg(lonlat=HANGZHOU)))) == pytest.approx(
        HANGZHOU, abs=1e-5
    )


@pytest.mark.parametrize(
    "gps",
    [
        {},  # no GPS block
        {1: "N", 2: (30, 0, 0), 4: (120, 0, 0)},  # no longitude reference
        {1: "X", 2: (30, 0, 0), 3: "E", 4: (120, 0, 0)},  # nonsense hemisphere
        {1: "N", 2: (95, 0, 0), 3: "E", 4: (120, 0, 0)},  # latitude beyond the pole
        {1: "N", 2: (30, 75, 0), 3: "E", 4: (120, 0, 0)},  # 75 minutes
        {1: "N", 2: (30, 0, 0), 3: "E", 4: "east-ish"},  # text for a number
        {1: "N", 2: (30, 0, 0, 0), 3: "E", 4: (120, 0, 0)},  # four parts
        {1: "N", 2: (0, 0, 0), 3: "E", 4: (0, 0, 0)},  # (0, 0): a camera without a fix
    ],
)
def test_gps_of_ignores_garbage(gps: dict) -> None:
    exif = Image.Exif()
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(gps)
    assert photos.gps_of(exif) is None


def test_gps_of_ignores_a_zero_denominator() -> None:
    from PIL.TiffImagePlugin import IFDRational

    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {1: "N", 2: (IFDRational(30, 0), 0, 0), 3: "E", 4: (120, 0, 0)}
    )
    assert photos.gps_of(exif) is None


def test_exif_orientation_turns_the_photo_upright() -> None:
    # Orientation 6: the camera was turned; the viewer rotates 90° clockwise to show it.
    source = _encode(_image(size=(80, 40)), "JPEG", exif=_exif(orientation=6), quality=95)
    photo = photos.store_photo(_upload(source), purpose="hazard")
    assert (photo.width, photo.height) == (40, 80)
    stored = _reopen(photo)
    assert stored.size == (40, 80)
    red, _g, blue = stored.getpixel((20, 10))  # the left (red) half is now on top
    assert red > 150 and blue < 100
    red, _g, blue = stored.getpixel((20, 70))
    assert blue > 150 and red < 100


def test_png_text_chunks_and_profile_are_dropped() -> None:
    info = PngInfo()
    info.add_text("Comment", "secret text")
    info.add_text("Author", "secret author", zip=True)
    info.add_itxt("Description", "secret itxt")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = _encode(_image("RGBA"), "PNG", pnginfo=info, icc_profile=icc, exif=_exif(HANGZHOU))
    assert b"tEXt" in source and b"iCCP" in source

    photo = photos.store_photo(_upload(source, "screen.png"), purpose="inspection")

    stored = _reopen(photo)
    assert (stored.format, stored.mode, photo.content_type) == ("PNG", "RGBA", "image/png")
    assert photo.file.endswith(".png")
    assert not stored.text
    assert {"exif", "icc_profile", "Comment", "Author", "Description"}.isdisjoint(stored.info)
    raw = photos.open_photo(photo).read_bytes()
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"iCCP", b"eXIf", b"secret", b"SecretCam"):
        assert chunk not in raw


def test_palette_png_keeps_its_transparency_as_alpha() -> None:
    source = _encode(_image("P"), "PNG", transparency=0)
    stored = _reopen(photos.store_photo(_upload(source, "p.png"), purpose="hazard"))
    assert stored.mode == "RGBA"


@pytest.mark.skipif(not features.check("webp"), reason="Pillow built without WebP")
def test_webp_stays_webp_without_metadata() -> None:
    source = _encode(_image(), "WEBP", exif=_exif(HANGZHOU), xmp=b"<x:xmpmeta>secret</x:xmpmeta>")
    photo = photos.store_photo(_upload(source, "shot.webp"), purpose="hazard", keep_location=True)
    stored = _reopen(photo)
    assert (stored.format, photo.content_type) == ("WEBP", "image/webp")
    assert len(stored.getexif()) == 0
    assert {"exif", "xmp", "icc_profile"}.isdisjoint(stored.info)
    assert photo.lon == pytest.approx(HANGZHOU[0], abs=1e-5)


def test_cmyk_jpeg_is_stored_as_rgb() -> None:
    source = _encode(_image("CMYK"), "JPEG")
    stored = _reopen(photos.store_photo(_upload(source), purpose="hazard"))
    assert stored.mode == "RGB"


def test_a_multi_picture_jpeg_from_a_phone_is_stored_as_one_jpeg() -> None:
    out = io.BytesIO()
    _image().save(out, "MPO", save_all=True, append_images=[_image("RGB", (64, 48))])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    photo = photos.store_photo(_upload(out.getvalue(), "IMG_0003.JPG"), purpose="hazard")
    stored = _reopen(photo)
    assert (stored.format, getattr(stored, "n_frames", 1)) == ("JPEG", 1)


def test_a_huge_photo_is_scaled_down() -> None:
    source = _encode(_image(size=(5000, 100)), "PNG")
    photo = photos.store_photo(_upload(source, "wide.png"), purpose="hazard")
    assert (photo.width, photo.height) == (photos.MAX_SIDE, 82)


def _html() -> bytes:
    return b"<!DOCTYPE html><html><script>alert(1)</script></html>"


def _pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _truncated_jpeg() -> bytes:
    noise = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    full = _encode(noise, "JPEG", quality=95)
    return full[: len(full) // 2]


def _png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes that claim a width × height greyscale image (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * (width + 1) * 4)  # a few rows; the rest is "to come"
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _heic() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


REFUSALS = {
    "empty": (b"", "x.jpg", "photo_empty"),
    "text file": (b"just some notes\n" * 10, "notes.txt", "photo_not_image"),
    "unnamed garbage": (os.urandom(512), "blob", "photo_not_image"),
    "html named .jpg": (_html(), "x.jpg", "photo_extension"),
    "pdf named .png": (_pdf(), "x.png", "photo_extension"),
    "png named .jpg": (_encode(_image(), "PNG"), "x.jpg", "photo_extension"),
    "jpeg named .png": (_jpeg(), "x.png", "photo_extension"),
    "jpeg named .pdf": (_jpeg(), "x.pdf", "photo_extension"),
    "truncated jpeg": (_truncated_jpeg(), "x.jpg", "photo_not_image"),
    "jpeg header only": (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "x.jpg", "photo_not_image"),
    "decompression bomb": (_png_declaring(30000, 30000), "x.png", "photo_too_large"),
    "gif": (_encode(_image(), "GIF"), "x.gif", "photo_type"),
    "bmp": (_encode(_image(), "BMP"), "x.bmp", "photo_type"),
    "tiff named .jpg": (_encode(_image(), "TIFF"), "x.jpg", "photo_type"),
    "heic": (_heic(), "IMG_0002.HEIC", "photo_type"),
    "heic named .jpg": (_heic(), "IMG_0002.jpg", "photo_type"),
    "svg named .jpg": (b'<?xml version="1.0"?><svg onload="alert(1)"/>', "x.jpg", "photo_type"),
    "program named .png": (b"MZ\x90\x00" + b"\x00" * 60, "setup.png", "photo_extension"),
    "zip named .webp": (b"PK\x03\x04" + b"\x00" * 60, "x.webp", "photo_extension"),
}


@pytest.mark.parametrize(("content", "name", "code"), REFUSALS.values(), ids=REFUSALS.keys())
def test_refusals_leave_nothing_behind(content: bytes, name: str, code: str, data_dir) -> None:
    with pytest.raises(InvalidInput) as caught:
        photos.store_photo(_upload(content, name), purpose="hazard", keep_location=True)
    assert (caught.value.code, caught.value.field, caught.value.status) == (code, "photo", 422)
    assert not Photo.objects.exists()
    assert _stored_files(data_dir) == []


def test_refusal_messages_say_what_is_wrong(monkeypatch) -> None:
    def message(content: bytes, name: str) -> str:
        with translation.override("en"), pytest.raises(InvalidInput) as caught:
            photos.store_photo(_upload(content, name), purpose="hazard")
        return caught.value.message

    assert "HEIC" in message(_heic(), "a.heic")
    assert "GIF" in message(_encode(_image(), "GIF"), "a.gif")
    assert "PDF" in message(_pdf(), "a.jpg")
    assert ".jpg" in message(_encode(_image(), "PNG"), "a.jpg")
    assert "not an image" in message(b"hello", "a.txt")
    assert "10 MB" in message(b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), "big.jpg")
    monkeypatch.setattr(photos, "MAX_PIXELS", 1000)
    assert "0.001 megapixels" in message(_jpeg(), "a.jpg")


def test_oversize_is_refused_by_bytes_read_not_by_declared_size(monkeypatch, data_dir) -> None:
    monkeypatch.setattr(photos, "MAX_BYTES", 2000)
    source = _encode(_image(size=(300, 300)), "PNG", compress_level=0)
    assert len(source) > 2000
    upload = _upload(source, "x.png")
    upload.size = 10  # a client's claim; only the bytes count
    with pytest.raises(InvalidInput) as caught:
        photos.store_photo(upload, purpose="hazard")
    assert caught.value.code == "photo_too_large"
    assert not Photo.objects.exists()
    assert _stored_files(data_dir) == []


def test_pixel_limit_applies_to_small_files(monkeypatch) -> None:
    monkeypatch.setattr(photos, "MAX_PIXELS", 64 * 48 - 1)
    with pytest.raises(InvalidInput) as caught:
        photos.store_photo(_upload(_jpeg()), purpose="hazard")
    assert caught.value.code == "photo_too_large"


def test_the_same_photo_twice_is_one_file(data_dir: Path) -> None:
    first = photos.store_photo(_upload(_jpeg(lonlat=HANGZHOU)), purpose="hazard")
    second = photos.store_photo(_upload(_jpeg(lonlat=HANGZHOU), "copy.jpg"), purpose="hazard")
    assert first.pk != second.pk
    assert first.sha256 == second.sha256
    assert first.file == second.file
    assert len(_stored_files(data_dir)) == 1


def test_stored_file_is_private_and_recorded(make_user, data_dir: Path) -> None:
    worker = make_user("grid_worker_1", "330106", "grid_worker")
    photo = photos.store_photo(_upload(_jpeg()), purpose="hazard", actor=worker)
    assert photo.uploaded_by == worker
    path = photos.open_photo(photo)
    assert path.stat().st_mode & 0o777 == 0o640
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".upload-")]
    entry = AuditEntry.objects.get(object_id=str(photo.pk))
    assert (entry.action, entry.actor) == ("create", worker)


def test_any_object_with_name_and_read_will_do() -> None:
    class Reader(io.BytesIO):
        name = "from-phone.jpg"

    photo = photos.store_photo(Reader(_jpeg()), purpose="hazard")
    assert photo.original_name == "from-phone.jpg"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("C:\\Users\\li\\Pictures\\IMG_1.jpg", "IMG_1.jpg"),
        ("../../etc/evil.jpg", "evil.jpg"),
        ("bad\x00\x1bname.jpg", "badname.jpg"),
        ("x" * 300 + ".jpg", "x" * 196 + ".jpg"),
        ("blob", "blob"),  # browsers name camera captures so: no extension is no lie
    ],
)
def test_original_name_is_reduced_to_a_safe_base_name(name: str, expected: str) -> None:
    photo = photos.store_photo(_upload(_jpeg(), name), purpose="hazard")
    assert photo.original_name == expected


@pytest.mark.parametrize("purpose", ["", "Hazard", "../x", "a" * 41, "hazard-photo"])
def test_purpose_must_be_a_plain_word(purpose: str, data_dir: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        photos.store_photo(_upload(_jpeg()), purpose=purpose)
    assert caught.value.field == "purpose"
    assert _stored_files(data_dir) == []


@pytest.mark.parametrize("tampered", ["../../../etc/passwd", "/etc/passwd", "hazard/../../x.jpg"])
def test_open_photo_refuses_paths_outside_the_photo_directory(tampered: str) -> None:
    photo = photos.store_photo(_upload(_jpeg()), purpose="hazard")
    photo.file = tampered
    with pytest.raises(NotFound):
        photos.open_photo(photo)


def test_open_photo_refuses_a_symlink_out(data_dir: Path, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.jpg"
    outside.write_bytes(_jpeg())
    photo = photos.store_photo(_upload(_jpeg()), purpose="hazard")
    link = data_dir / "photos" / "hazard" / "link.jpg"
    link.symlink_to(outside)
    photo.file = "hazard/link.jpg"
    with pytest.raises(NotFound):
        photos.open_photo(photo)


def test_open_photo_reports_a_missing_file() -> None:
    photo = photos.store_photo(_upload(_jpeg()), purpose="hazard")
    photos.open_photo(photo).unlink()
    with pytest.raises(NotFound):
        photos.open_photo(photo)
