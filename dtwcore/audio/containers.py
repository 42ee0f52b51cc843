"""What a compressed audio file's container says that its decoder does not: whether an
Ogg or MP3 file was cut off, where an MP3 is damaged, and how many frames it holds.

An Ogg or MP3 file does not say how long its audio is the way a WAV or FLAC header does
(an MP3 may, in a Xing/Info/VBRI header), so a decoder given a file cut short while
being saved or sent simply stops where the bytes stop. Both containers are made of
self-describing pieces (Ogg pages, MP3 frames) that say their own length: a file whose
last piece runs past its end was cut off there, and an MP3's frames, walked one after
another, also show bytes between them that are not audio (:func:`mp3_walk`) and give
the count a header needs (:func:`mp3_with_length`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Mp3Walk",
    "cut_off",
    "mp3_walk",
    "mp3_with_length",
    "unread_kind",
]

_OGG_PAGE = b"OggS"
_OGG_HEADER = 27
"""Bytes of an Ogg page header before its segment table."""
_SEARCH = 65_536
"""Bytes after a leading ID3v2 tag searched for the first MP3 frame."""
_LENGTH_TAGS = (b"Xing", b"Info", b"VBRI")
"""Tags of an MP3's first frame that make it a header giving the number of frames."""
_TAGS = (b"TAG", b"APETAGEX", b"LYRICS", b"ID3")
"""What may follow an MP3's last frame: ID3v1, APE, Lyrics3 and appended ID3v2 tags."""
_BITRATES = {  # kbit/s by (MPEG-1?, layer), indexed by the header's bitrate index
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
"""Sample rates (Hz) by the header's version bits (MPEG-1, MPEG-2, MPEG-2.5)."""


def cut_off(data: bytes, fmt: str) -> bool:
    """Whether an Ogg or MP3 file's last page or frame runs past the end of the file.

    Parameters
    ----------
    data : bytes
        The whole file.
    fmt : str
        libsndfile's major format name (``"OGG"``, ``"MP3"``); any other is never cut
        off here (WAV and FLAC declare their length, checked by the decoder's caller).

    Returns
    -------
    bool
        True only when the container shows the cut; a file cut exactly between two pages
        or frames, or one whose structure is not recognised, gives False.
    """
    if fmt == "OGG":
        return _ogg_cut(data)
    if fmt == "MP3":
        return mp3_walk(data).cut
    return False


def _ogg_cut(data: bytes) -> bool:
    """The last Ogg page (header, segment table and body) does not fit in the file."""
    last = data.rfind(_OGG_PAGE)
    if last < 0:
        return False
    if last + _OGG_HEADER > len(data):
        return True
    segments = data[last + 26]
    table_end = last + _OGG_HEADER + segments
    if table_end > len(data):
        return True
    return table_end + sum(data[last + _OGG_HEADER : table_end]) > len(data)


def _id3_end(data: bytes) -> int:
    """Where the audio starts: after a leading ID3v2 tag, if any."""
    if len(data) < 10 or data[:3] != b"ID3":
        return 0
    size = 0
    for b in data[6:10]:
        size = (size << 7) | (b & 0x7F)
    return 10 + size + (10 if data[5] & 0x10 else 0)


def _mp3_frame(data: bytes, pos: int) -> int | None:
    """The length in bytes of the MP3 frame whose header starts at ``pos``, else None (no
    frame header there, or a free-format frame, whose length is not in its header)."""
    if pos + 4 > len(data):
        return None
    b1, b2 = data[pos + 1], data[pos + 2]
    if data[pos] != 0xFF or b1 & 0xE0 != 0xE0:
        return None
    version, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _BITRATES[mpeg1, layer][bitrate_index] * 1000
    rate = _RATES[version][rate_index]
    padding = (b2 >> 1) & 1
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 144 if mpeg1 or layer == 2 else 72
    return per_frame * bitrate // rate + padding


def _first_frame(data: bytes) -> int | None:
    """Where the first MP3 frame starts (searched for in the first 64 KiB of audio)."""
    start = _id3_end(data)
    for pos in range(start, min(len(data), start + _SEARCH)):
        if _mp3_frame(data, pos) is not None:
            return pos
    return None


@dataclass(frozen=True)
class Mp3Walk:
    """What walking an MP3's frames from the first found.

    Attributes
    ----------
    frames : int
        Frames whole in the file.
    cut : bool
        The last frame (or its header) runs past the end of the file.
    skipped : int
        Bytes between frames that are not a frame (damage the decoder skips over; a tag
        after the last frame does not count).
    """

    frames: int
    cut: bool
    skipped: int


def _resync(data: bytes, pos: int) -> int | None:
    """The next frame after ``pos`` that is followed by another frame (or the file's end):
    where a decoder picks up again after damage."""
    while (pos := data.find(b"\xff", pos)) >= 0:
        length = _mp3_frame(data, pos)
        if length is not None and (
            pos + length >= len(data) or _mp3_frame(data, pos + length) is not None
        ):
            return pos
        pos += 1
    return None


def mp3_walk(data: bytes) -> Mp3Walk:
    """Walk an MP3's frames from the first to the end of the file, a tag after them
    (ID3v1, APE, Lyrics3, ID3v2), or the end of the frames, picking up again after bytes
    that are not a frame, as the decoder does.

    Parameters
    ----------
    data : bytes
        The whole file.

    Returns
    -------
    Mp3Walk (all zero when no frame is found)
    """
    pos, frames, skipped = _first_frame(data), 0, 0
    if pos is None:
        return Mp3Walk(0, False, 0)
    while pos < len(data):
        length = _mp3_frame(data, pos)
        if length is None:
            if data.startswith(_TAGS, pos):
                break
            if len(data) - pos < 4:  # a frame header cut after its first bytes
                return Mp3Walk(frames, data[pos] == 0xFF, skipped)
            found = _resync(data, pos + 1)
            if found is None:
                skipped += len(data) - pos
                break
            skipped, pos = skipped + found - pos, found
            continue
        if pos + length > len(data):
            return Mp3Walk(frames, True, skipped)
        pos += length
        frames += 1
    return Mp3Walk(frames, False, skipped)


def _declares_length(data: bytes, pos: int) -> bool:
    """Whether the MP3 frame at ``pos`` (the first) is a Xing, Info or VBRI header, which
    gives the number of frames, so the decoder's length is the length the file was saved
    with (without one it is estimated from the file's size and first bit rate)."""
    frame = data[pos : pos + (_mp3_frame(data, pos) or 0)]
    return any(tag in frame for tag in _LENGTH_TAGS)


def mp3_with_length(data: bytes, frames: int) -> bytes | None:
    """An MP3 without a length header with a Xing header giving its number of frames
    (``frames``, :attr:`Mp3Walk.frames`) put before its first frame, else None (it has
    one, it is not Layer III, or no frames were found).

    libsndfile stops decoding such a file at the length it estimates from the file's size
    and first frame's bit rate: for a variable bit rate, a fraction of the audio (2.4 s of
    a 6.0 s file in the tests), without a word. The Xing frame is the first frame's
    header, its side information left zero, the tag and the count; the decoder reads it
    as a header and outputs no samples for it.
    """
    pos = _first_frame(data)
    if pos is None or not frames or _declares_length(data, pos):
        return None
    if (data[pos + 1] >> 1) & 3 != 1:  # Xing is Layer III's
        return None
    header = data[pos : pos + 1] + bytes([data[pos + 1] | 1]) + data[pos + 2 : pos + 4]  # no CRC
    length = _mp3_frame(data, pos) or 0
    mpeg1, mono = (header[1] >> 3) & 3 == 3, header[3] >> 6 == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    tag = b"Xing" + (1).to_bytes(4, "big") + frames.to_bytes(4, "big")  # flag 1: frames
    if 4 + side + len(tag) > length:
        return None
    xing = header + bytes(side) + tag + bytes(length - 4 - side - len(tag))
    return data[:pos] + xing + data[pos:]


_UNREAD_KINDS = (
    (4, b"ftyp", "AAC audio in an MPEG-4 file (.m4a, .mp4: voice memos, phone recorders)"),
    (0, b"\x1aE\xdf\xa3", "a WebM or Matroska file (.webm, .mka: browser and screen recorders)"),
    (0, b"#!AMR", "AMR audio (.amr, .3gp: phone voice recorders)"),
    (0, b"0&\xb2u\x8ef\xcf\x11", "Windows Media Audio (.wma)"),
)
"""(offset, signature, what it is) of audio files people record that the decoder
(libsndfile) does not read."""


def unread_kind(data: bytes) -> str | None:
    """What an audio file the decoder cannot read is, from its first bytes (``"AAC audio
    in an MPEG-4 file (…)"``), else None (not a kind recognised here)."""
    for offset, signature, what in _UNREAD_KINDS:
        if data[offset : offset + len(signature)] == signature:
            return what
    return None
