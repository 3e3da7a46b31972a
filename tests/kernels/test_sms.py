"""SMS segmentation at the carriers' exact boundaries."""

from __future__ import annotations

import pytest

from yingji.kernels import sms

HAN = "暴"  # one UCS-2 unit
EMOJI = "🌀"  # outside the BMP: a surrogate pair, two UCS-2 units


@pytest.mark.parametrize(
    ("length", "parts"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_chinese_boundaries(length, parts):
    text = HAN * length
    pieces = sms.segments(text)
    assert len(pieces) == parts == sms.segment_count(text)
    assert "".join(pieces) == text
    if parts > 1:
        assert all(len(p) <= 67 for p in pieces)
        assert len(pieces[0]) == 67


@pytest.mark.parametrize(("length", "parts"), [(160, 1), (161, 2), (306, 2), (307, 3)])
def test_gsm7_boundaries(length, parts):
    text = "a" * length
    assert sms.encoding_for(text) == "gsm7"
    assert sms.segment_count(text) == parts


def test_gsm7_extension_characters_count_twice_and_are_never_split():
    assert sms.units("{}") == 4
    assert sms.segment_count("a" * 158 + "{") == 1
    assert sms.segment_count("a" * 159 + "{") == 2
    pieces = sms.segments("a" * 152 + "€" + "b" * 10)
    assert pieces[0] == "a" * 152  # the escape pair would straddle the part boundary
    assert pieces[1].startswith("€")


def test_one_chinese_character_makes_the_whole_message_ucs2():
    text = "Typhoon warning 台风"
    assert sms.encoding_for(text) == "ucs2"
    assert sms.segment_count("a" * 70 + "台") == 2  # 71 UCS-2 units
    assert sms.encoding_for("café £5 @home") == "gsm7"  # GSM has é, £ and @
    assert sms.encoding_for("back`tick") == "ucs2"  # ` is not in the GSM alphabet


def test_emoji_counts_two_units_and_is_never_split():
    assert sms.units(EMOJI) == 2
    assert sms.segment_count(HAN * 68 + EMOJI) == 1  # exactly 70 units
    assert sms.segment_count(HAN * 69 + EMOJI) == 2  # 71 units
    pieces = sms.segments(HAN * 66 + EMOJI + HAN * 10)
    assert pieces[0] == HAN * 66  # 66 + 2 would be 68 > 67
    assert pieces[1].startswith(EMOJI)
    for piece in pieces:
        piece.encode("utf-16-be")  # each part is valid UTF-16 on its own


def test_binary_parts_carry_a_concatenation_header():
    text = "浙江省气象台发布台风红色预警" * 6  # 84 characters
    parts = sms.binary_parts(text, reference=0x1234)
    assert len(parts) == 2
    assert all(p.udhi and p.data_coding == 0x08 for p in parts)
    assert parts[0].data[:6] == bytes((5, 0, 3, 0x34, 2, 1))
    assert parts[1].data[:6] == bytes((5, 0, 3, 0x34, 2, 2))
    assert len(parts[0].data) == 6 + 67 * 2 == 140  # a full SMS
    joined = "".join(sms.decode(sms.parse_udh(p.data)[1], "ucs2") for p in parts)
    assert joined == text


def test_ucs2_can_be_forced_for_smscs_without_gsm7():
    parts = sms.binary_parts("a" * 100, reference=1, encoding="ucs2")
    assert len(parts) == 2  # 100 UCS-2 units: over 70
    assert all(p.data_coding == 0x08 for p in parts)
    assert sms.segment_count("a" * 100) == 1  # 100 septets in GSM-7
    with pytest.raises(ValueError, match="GSM 7-bit"):
        sms.segments("台风", "gsm7")


def test_single_part_has_no_header():
    (part,) = sms.binary_parts("台风预警", reference=9)
    assert not part.udhi
    assert part.data == "台风预警".encode("utf-16-be")


def test_gsm7_encode_round_trip():
    text = "Alert [red] {zone 3} 100€ @ 5~6 ^|\\"
    data = sms.encode(text, "gsm7")
    assert len(data) == sms.units(text)
    assert sms.decode(data, "gsm7") == text
    assert sms.encode("@A", "gsm7") == b"\x00\x41"


@pytest.mark.parametrize(("length", "parts"), [(70, 1), (71, 2), (130, 2), (131, 3)])
def test_numbered_parts_stay_within_one_sms(length, parts):
    text = HAN * length
    numbered = sms.numbered_parts(text)
    assert len(numbered) == parts
    assert all(sms.units(p) <= 70 for p in numbered)
    if parts > 1:
        assert numbered[0].startswith(f"(1/{parts})")
        assert numbered[-1].startswith(f"({parts}/{parts})")
        prefix = len(f"(1/{parts})")
        assert "".join(p[prefix:] for p in numbered) == text


def test_numbered_parts_grow_the_prefix_with_the_digits():
    text = HAN * 600  # 600 / 65 → 10 parts, so "(10/10)" takes 7 units
    numbered = sms.numbered_parts(text)
    assert len(numbered) == 10
    assert numbered[9].startswith("(10/10)")
    assert all(sms.units(p) <= 70 for p in numbered)
    assert "".join(p.split(")", 1)[1] for p in numbered) == text


def test_too_long_is_refused():
    with pytest.raises(sms.MessageTooLong):
        sms.segments(HAN * (67 * 255 + 1))
    assert sms.segment_count(HAN * 67 * 255) == 255


def test_parse_udh_rejects_overruns_and_reads_16_bit_references():
    with pytest.raises(ValueError, match="longer"):
        sms.parse_udh(b"\x09\x00\x03")
    concat, payload = sms.parse_udh(b"\x06\x08\x04\x01\x02\x03\x01AB")
    assert concat == (0x0102, 3, 1)
    assert payload == b"AB"


def test_empty_text_is_one_empty_segment():
    assert sms.segments("") == [""]
