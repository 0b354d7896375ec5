"""A large JSON document written and gzipped in pieces, so that writing it again after a small
change compresses only the pieces that changed.

A big chain's map is 12 MB of JSON. After an edit to one problem it is written again, and
compressing all of it took longer than reading and writing it (about 95 ms of a 214 ms rebuild).
Most of it is the same as before: the links, their enterprises and institutions, and all the
other problems. So the document is cut into pieces at places that do not move when an item
changes (a list is cut after each item whose id is a multiple of a step), each piece is
compressed on its own (a raw deflate stream ended by a sync flush, which leaves it
byte-aligned and independent of the pieces before it), and the gzip member is the pieces'
streams one after another with a final empty block. A piece whose bytes (by SHA-256) were in
the previous document is copied from its compressed form instead of compressed again.

The compressed document is all that is kept (a tenth of the plain one); a client that does not
accept gzip gets it decompressed.
"""

import gzip
import hashlib
import struct
import zlib
from collections.abc import Callable, Iterator

_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name, no time, unknown OS
_FINAL_BLOCK = b"\x03\x00"  # an empty fixed-Huffman block with the final bit set
# A list's pieces are about this long: a piece starts with nothing to refer back to, so small
# pieces compress worse; a large one costs more to compress again. Shorter lists are written
# with their neighbours.
PIECE_BYTES = 64 * 1024
SHORT_LIST = 64


class GzippedJson:
    """One JSON document, gzipped; ``pieces`` maps each piece's SHA-256 to where its
    compressed stream lies in ``gzipped`` (read by the next document written for the same key)."""

    __slots__ = ("gzipped", "pieces", "steps", "compressed", "_zl_size")

    def __init__(self, gzipped: bytes, pieces: dict[bytes, tuple[int, int]], steps: dict, compressed: int):
        self.gzipped, self.pieces, self.steps, self.compressed = gzipped, pieces, steps, compressed
        self._zl_size = len(gzipped) + 80 * len(pieces) + 100

    @property
    def plain(self) -> bytes:
        return gzip.decompress(self.gzipped)


def _groups(items: list, step: int) -> Iterator[list]:
    group: list = []
    for item in items:
        group.append(item)
        ident = item.get("id") if isinstance(item, dict) else None
        # Cut after an id that is a multiple of ``step``: an item changed, added or removed
        # changes its own piece only. Items without an int id are cut by count.
        if (ident % step == 0) if isinstance(ident, int) and not isinstance(ident, bool) else len(group) >= step:
            yield group
            group = []
    if group:
        yield group


def _step(items: list, dumps, previous: int | None) -> int:
    """How many items a piece of ``items`` holds on average: about ``PIECE_BYTES`` by a sample,
    or the step the previous document used while it is within a factor of two of that, so
    that the places it is cut at stay where they were."""
    sample = items[::max(1, len(items) // 16)][:16]
    wanted = max(1, PIECE_BYTES * len(sample) // max(1, len(dumps(sample))))
    return previous if previous and wanted // 2 <= previous <= wanted * 2 else wanted


def dump_pieces(data: dict, dumps: Callable[[object], bytes], previous: "GzippedJson | None" = None
                ) -> tuple[list[bytes], dict]:
    """``dumps(data)`` (a compact JSON writer such as orjson's) as a list of pieces whose
    concatenation is exactly ``dumps(data)``: each long list of ``data`` in pieces of items,
    everything else in the pieces between them. Also returns the steps the lists were cut by
    (pass the result as ``previous`` when writing the document again)."""
    pieces: list[bytes] = []
    steps: dict = {}
    before = previous.steps if previous is not None else {}
    glue = bytearray(b"{")
    for index, (key, value) in enumerate(data.items()):
        glue += (b"," if index else b"") + dumps({key: value} if not isinstance(value, list)
                                                 or len(value) < SHORT_LIST else {key: []})[1:-1]
        if isinstance(value, list) and len(value) >= SHORT_LIST:
            del glue[-1]  # the "]" of the empty list: the items come first
            pieces.append(bytes(glue))
            glue = bytearray()
            step = steps[key] = _step(value, dumps, before.get(key))
            for number, group in enumerate(_groups(value, step)):
                pieces.append((b"," if number else b"") + dumps(group)[1:-1])
            glue += b"]"
    glue += b"}"
    pieces.append(bytes(glue))
    return pieces, steps


def gzip_pieces(pieces: list[bytes], previous: GzippedJson | None = None, level: int = 5, steps: dict | None = None
                ) -> GzippedJson:
    """Gzip the concatenation of ``pieces``, compressing only those not in ``previous``."""
    out = bytearray(_HEADER)
    index: dict[bytes, tuple[int, int]] = {}
    known = previous.pieces if previous is not None else {}
    crc, size, compressed = 0, 0, 0
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
        size += len(piece)
        digest = hashlib.sha256(piece).digest()
        start = len(out)
        where = known.get(digest)
        if where is not None:
            out += previous.gzipped[where[0]:where[1]]
        else:
            compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
            out += compressor.compress(piece)
            out += compressor.flush(zlib.Z_SYNC_FLUSH)
            compressed += 1
        index[digest] = (start, len(out))
    out += _FINAL_BLOCK
    out += struct.pack("<II", crc, size & 0xFFFFFFFF)
    return GzippedJson(bytes(out), index, steps or {}, compressed)


def gzip_json(data: dict, dumps: Callable[[object], bytes], previous: GzippedJson | None = None,
              level: int = 5) -> GzippedJson:
    """``dumps(data)`` gzipped, reusing what it shares with ``previous`` (the same document
    written before)."""
    pieces, steps = dump_pieces(data, dumps, previous)
    return gzip_pieces(pieces, previous, level, steps)
