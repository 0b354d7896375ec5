"""A large JSON document written and gzipped in pieces, so that writing it again after a small
change compresses only the pieces that changed.

A big chain's map is 12 MB of JSON. After an edit to one problem it is written again, and
compressing all of it took longer than reading and writing it (about 95 ms of a 214 ms rebuild).
Most of it is the same as before: the links, their enterprises and institutions, and all the
other problems. So the document is cut into pieces at places that do not move when an item
changes (a list is cut after each item whose id is a multiple of a step), and each piece is
compressed on its own: a raw deflate stream primed with the 32 KB of the document before it
(what a decompressor holds in its window there, so it compresses as well as the whole
document), ended by a sync flush, which leaves it byte-aligned. The gzip member is the
pieces' streams one after another and a final empty block. A piece whose bytes and whose
32 KB before it (by SHA-256) were in the previous document is copied from its compressed form
instead of compressed again: an edit compresses its own piece and the one after it.

The compressed document is all that is kept (a tenth of the plain one); a client that does not
accept gzip gets it decompressed.
"""

import gzip
import hashlib
import struct
import zlib
from collections.abc import Callable

_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name, no time, unknown OS
_FINAL_BLOCK = b"\x03\x00"  # an empty fixed-Huffman block with the final bit set
_WINDOW = 32 * 1024  # how far back deflate refers
# A list's pieces are about this long: a large piece costs more to compress again, a small one
# more to hash (with the 32 KB before it). Shorter lists are written with their neighbours.
PIECE_BYTES = 64 * 1024
SHORT_LIST = 64


class GzippedJson:
    """One JSON document, gzipped; ``pieces`` maps each piece's SHA-256 (with the 32 KB before
    it) to where its compressed stream lies in ``gzipped``, for the next document written for
    the same key; ``steps``, what each list was cut by; ``compressed``, how many pieces were
    compressed (the others copied)."""

    __slots__ = ("gzipped", "pieces", "steps", "compressed", "_zl_size")

    def __init__(self, gzipped: bytes, pieces: dict[bytes, tuple[int, int]], steps: dict, compressed: int):
        self.gzipped, self.pieces, self.steps, self.compressed = gzipped, pieces, steps, compressed
        self._zl_size = len(gzipped) + 80 * len(pieces) + 100

    @property
    def plain(self) -> bytes:
        return gzip.decompress(self.gzipped)


def _cuts(items: list, step: int) -> list[int]:
    """Where ``items`` is cut: after each item whose id is a multiple of ``step``, so that an
    item changed, added or removed changes its own piece only; by count if not every item has
    an int id."""
    ids = [item.get("id") if type(item) is dict else None for item in items]
    if all(type(ident) is int for ident in ids):
        cuts = [number + 1 for number, ident in enumerate(ids) if ident % step == 0]
    else:
        cuts = list(range(step, len(items), step))
    if not cuts or cuts[-1] != len(items):
        cuts.append(len(items))
    return cuts


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
        long = isinstance(value, list) and len(value) >= SHORT_LIST
        glue += (b"," if index else b"") + dumps({key: [] if long else value})[1:-1]
        if long:
            del glue[-1]  # the "]" of the empty list: the items come first
            pieces.append(bytes(glue))
            glue = bytearray()
            step = steps[key] = _step(value, dumps, before.get(key))
            start = 0
            for end in _cuts(value, step):
                pieces.append((b"," if start else b"") + dumps(value[start:end])[1:-1])
                start = end
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
    window = b""  # the document's last 32 KB before the piece
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
        size += len(piece)
        hashed = hashlib.sha256(window)
        hashed.update(piece)
        digest = hashed.digest()
        start = len(out)
        where = known.get(digest)
        if where is not None:
            out += previous.gzipped[where[0]:where[1]]
        else:
            compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=window)
            out += compressor.compress(piece)
            out += compressor.flush(zlib.Z_SYNC_FLUSH)
            compressed += 1
        index[digest] = (start, len(out))
        window = piece[-_WINDOW:] if len(piece) >= _WINDOW else (window + piece)[-_WINDOW:]
    out += _FINAL_BLOCK
    out += struct.pack("<II", crc, size & 0xFFFFFFFF)
    return GzippedJson(bytes(out), index, steps or {}, compressed)


def gzip_json(data: dict, dumps: Callable[[object], bytes], previous: GzippedJson | None = None,
              level: int = 5) -> GzippedJson:
    """``dumps(data)`` gzipped, reusing what it shares with ``previous`` (the same document
    written before)."""
    pieces, steps = dump_pieces(data, dumps, previous)
    return gzip_pieces(pieces, previous, level, steps)
