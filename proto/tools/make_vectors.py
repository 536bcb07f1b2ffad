#!/usr/bin/env python3
"""Golden msgpack test vectors from their JSON meaning.

For every proto/vectors/NAME.json this writes NAME.msgpack with an encoder
written here from the msgpack spec (standard library only), independent of
msgpack-c, following the canonical rules of proto/ENVELOPE.md:

  * integers in the smallest form: >= 0 as positive fixint/uint 8/16/32/64,
    < 0 as negative fixint/int 8/16/32/64;
  * a JSON number with a fraction or an exponent is a float64;
  * strings as fixstr/str8/str16/str32 by UTF-8 byte length;
  * {"$bin": "<base64>"} (the only key) is bin 8/16/32;
  * arrays and maps in the smallest header; map keys in the order written.

  make_vectors.py           write every .msgpack
  make_vectors.py --check   exit 1 if any .msgpack is missing or differs
"""
import base64
import json
import os
import struct
import sys

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors")


def pack_int(value):
    if value >= 0:
        if value < 0x80:
            return bytes([value])
        for tag, fmt, limit in ((0xcc, ">B", 1 << 8), (0xcd, ">H", 1 << 16),
                                (0xce, ">I", 1 << 32), (0xcf, ">Q", 1 << 64)):
            if value < limit:
                return bytes([tag]) + struct.pack(fmt, value)
        raise ValueError("integer too large: %d" % value)
    if value >= -32:
        return struct.pack(">b", value)
    for tag, fmt, limit in ((0xd0, ">b", 1 << 7), (0xd1, ">h", 1 << 15),
                            (0xd2, ">i", 1 << 31), (0xd3, ">q", 1 << 63)):
        if value >= -limit:
            return bytes([tag]) + struct.pack(fmt, value)
    raise ValueError("integer too small: %d" % value)


def pack_header(size, fix_tag, fix_limit, tags):
    """Header for str/bin/array/map: a fix form (if any) then 8/16/32-bit sizes."""
    if fix_tag is not None and size < fix_limit:
        return bytes([fix_tag | size])
    for tag, fmt, limit in tags:
        if tag is not None and size < limit:
            return bytes([tag]) + struct.pack(fmt, size)
    raise ValueError("too long: %d" % size)


STR_TAGS = ((0xd9, ">B", 1 << 8), (0xda, ">H", 1 << 16), (0xdb, ">I", 1 << 32))
BIN_TAGS = ((0xc4, ">B", 1 << 8), (0xc5, ">H", 1 << 16), (0xc6, ">I", 1 << 32))
ARRAY_TAGS = ((0xdc, ">H", 1 << 16), (0xdd, ">I", 1 << 32))
MAP_TAGS = ((0xde, ">H", 1 << 16), (0xdf, ">I", 1 << 32))


def pack(value):
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        return pack_int(value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return pack_header(len(data), 0xa0, 32, STR_TAGS) + data
    if isinstance(value, Pairs):       # before list: Pairs is a list
        if any(key == "$bin" for key, _ in value):
            if len(value) != 1 or not isinstance(value[0][1], str):
                raise ValueError("$bin must be the only key, with a base64 string")
            data = base64.b64decode(value[0][1], validate=True)
            return pack_header(len(data), None, 0, BIN_TAGS) + data
        out = pack_header(len(value), 0x80, 16, MAP_TAGS)
        for key, item in value:
            out += pack(key) + pack(item)
        return out
    if isinstance(value, list):
        return pack_header(len(value), 0x90, 16, ARRAY_TAGS) + b"".join(pack(v) for v in value)
    raise TypeError("cannot pack %r" % (value,))


class Pairs(list):
    """A JSON object as its (key, value) pairs, in the order written."""


def pairs_hook(items):
    keys = [key for key, _ in items]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key in %r" % keys)
    return Pairs(items)


def encode_file(path):
    with open(path, encoding="utf-8") as f:
        return pack(json.load(f, object_pairs_hook=pairs_hook))


def main():
    check = "--check" in sys.argv[1:]
    stale = 0
    names = sorted(n[:-5] for n in os.listdir(VECTORS) if n.endswith(".json"))
    for name in names:
        data = encode_file(os.path.join(VECTORS, name + ".json"))
        target = os.path.join(VECTORS, name + ".msgpack")
        old = open(target, "rb").read() if os.path.exists(target) else None
        if old == data:
            continue
        stale += 1
        if check:
            print("stale vector: %s.msgpack" % name, file=sys.stderr)
        else:
            with open(target, "wb") as f:
                f.write(data)
            print("wrote %s.msgpack (%d bytes)" % (name, len(data)))
    orphans = [n for n in os.listdir(VECTORS) if n.endswith(".msgpack") and n[:-8] not in names]
    for orphan in orphans:
        print("vector without JSON meaning: %s" % orphan, file=sys.stderr)
    return 1 if (check and stale) or orphans else 0


if __name__ == "__main__":
    sys.exit(main())
