#!/usr/bin/env python3
"""clk_oracle.py: an independent model of clkhash's v3 CLK encoding, for tests.

clkhash cannot be installed where tiphub is built (no PyPI), so this script
re-states, with the Python standard library only, what clkhash's source does
(bloomfilter.py, comparators.py, field_formats.py, key_derivation.py,
schema.py, clk.py; see docs/internals/clk.md), leaning on Python itself for
the parts where a C port could drift: int(), float(), round(),
datetime.strptime(), re, str.upper()/lower(), str.encode(). It was written
for tiphub, not copied from clkhash.

tiphub's unit tests (tests/unit/test_clk_vectors.c) hold CLKs that this script
computed; regenerate them with:

    python3 docs/internals/clk_oracle.py SCHEMA.json SECRET IN.csv

which prints {"clks": [...]} as clkhash's CLI writes it (json.dump, no
trailing newline). The CSV has a header row, like clkhash's CLI expects.
"""
import base64
import csv
import hashlib
import hmac
import json
import re
import struct
import sys
from datetime import datetime


def hkdf(secret, n_bytes, hash_name, salt, info):
    """RFC 5869, as cryptography's HKDF computes it."""
    hlen = hashlib.new(hash_name).digest_size
    if salt is None:
        salt = b"\x00" * hlen
    prk = hmac.new(salt, secret, hash_name).digest()
    out, block, i = b"", b"", 1
    while len(out) < n_bytes:
        block = hmac.new(prk, block + (info or b"") + bytes([i]), hash_name).digest()
        out += block
        i += 1
    return out[:n_bytes]


class Feature:
    def __init__(self, d):
        self.identifier = d["identifier"]
        self.ignored = bool(d.get("ignored", False))
        if self.ignored:
            return
        fmt, h = d["format"], d["hashing"]
        self.type = fmt["type"]
        self.encoding = fmt.get("encoding", "utf-8")
        self.pattern = re.compile("(?:{})\\Z".format(fmt["pattern"])) if "pattern" in fmt else None
        self.case = fmt.get("case", "mixed")
        self.min_len, self.max_len = fmt.get("minLength"), fmt.get("maxLength")
        self.minimum, self.maximum = fmt.get("minimum"), fmt.get("maximum")
        self.date_format = fmt.get("format")
        self.values = set(fmt.get("values", []))
        c = h["comparison"]
        self.cmp = c["type"]
        self.n = c.get("n")
        self.positional = bool(c.get("positional", False))
        if self.cmp == "numeric":
            self.fp = c.get("fractional_precision", 0)
            self.interval = int(round(c["thresholdDistance"] * pow(10, self.fp)))
            self.resolution = c["resolution"]
        st = h["strategy"]
        self.per_feature = "bitsPerFeature" in st
        self.bits = st.get("bitsPerFeature", st.get("bitsPerToken"))
        hh = h.get("hash", {"type": "blakeHash"})
        self.hash = hh["type"]
        self.non_singular = bool(hh.get("prevent_singularity", False))
        mv = h.get("missingValue")
        self.sentinel = mv["sentinel"] if mv else None
        self.replace = mv.get("replaceWith", mv["sentinel"]) if mv else None

    def missing(self, v):
        return self.sentinel is not None and v == self.sentinel

    def validate(self, v):
        if self.missing(v):
            return
        v.encode(self.encoding)
        if self.type == "string":
            if self.pattern is not None:
                assert self.pattern.match(v), "pattern"
                return
            assert self.min_len is None or len(v) >= self.min_len, "minLength"
            assert self.max_len is None or len(v) <= self.max_len, "maxLength"
            assert self.case != "upper" or v.upper() == v, "case"
            assert self.case != "lower" or v.lower() == v, "case"
        elif self.type == "integer":
            x = int(v, 10)
            assert self.minimum is None or x >= self.minimum, "minimum"
            assert self.maximum is None or x <= self.maximum, "maximum"
        elif self.type == "date":
            datetime.strptime(v, self.date_format)
        elif self.type == "enum":
            assert v in self.values, "enum"

    def format(self, v):
        if self.missing(v):
            return self.replace
        if self.type == "integer":
            return str(int(v, 10))
        if self.type == "date":
            return datetime.strptime(v, self.date_format).strftime("%Y%m%d")
        return v

    def tokens(self, word):
        if len(word) == 0:
            return []
        if self.cmp == "exact":
            return [word]
        if self.cmp == "ngram":
            n = self.n
            if n > 1:
                word = " " * (n - 1) + word + " " * (n - 1)
            grams = [word[i:i + n] for i in range(len(word) - n + 1)]
            if self.positional:
                grams = ["%d %s" % (i + 1, g) for i, g in enumerate(grams)]
            return grams
        try:
            v = int(word, base=10)
            if self.fp > 0:
                v *= pow(10, self.fp)
        except ValueError:
            f = float(word)
            v = int(round(f * pow(10, self.fp))) if self.fp > 0 else int(f)
        v = v * 2 * self.resolution
        r = v % self.interval
        if r != 0:
            v = v - r if r < self.interval / 2 else v + (self.interval - r)
        return [str(v + i * self.interval) for i in range(-self.resolution, self.resolution + 1)]

    def ks(self, count):
        if not self.per_feature:
            return [self.bits] * count
        k, r = int(self.bits / count), self.bits % count
        return [k + 1] * r + [k] * (count - r)


def set_bit(bf, i):
    bf[i // 8] |= 0x80 >> (i % 8)


def blake(bf, l, key, tok, k):
    shorts = []
    for i in range((k + 31) // 32):
        shorts.extend(struct.unpack("<32H", hashlib.blake2b(tok, key=key, salt=str(i).encode()).digest()))
    for i in range(k):
        set_bit(bf, shorts[i] % l)


def double(bf, l, k1, k2, tok, k, non_singular):
    h1 = int.from_bytes(hmac.new(k1, tok, hashlib.sha1).digest(), "big") % l
    h2 = int.from_bytes(hmac.new(k2, tok, hashlib.md5).digest(), "big") % l
    j = 0
    while non_singular and h2 == 0:
        h2 = int.from_bytes(hmac.new(k2, tok + chr(j).encode(), hashlib.md5).digest(), "big") % l
        j += 1
    for i in range(k):
        set_bit(bf, (h1 + i * h2) % l)


def get_bit(bf, i):
    return (bf[i // 8] >> (7 - i % 8)) & 1


def encode(schema, features, keys, row):
    cfg = schema["clkConfig"]
    folds = cfg.get("xor_folds", 0)
    l = cfg["l"]
    hl = l * 2 ** folds
    bf = bytearray((hl + 7) // 8)
    for fi, (f, v) in enumerate(zip(features, row)):
        if f.ignored:
            continue
        toks = f.tokens(f.format(v))
        if not toks:
            continue
        for tok, k in zip(toks, f.ks(len(toks))):
            b = tok.encode(f.encoding)
            k1, k2 = keys[2 * fi], keys[2 * fi + 1]
            if f.hash == "blakeHash":
                blake(bf, hl, k1, b, k)
            else:
                double(bf, hl, k1, k2, b, k, f.non_singular)
    n = hl
    for _ in range(folds):
        half = n // 2
        bits = [get_bit(bf, i) ^ get_bit(bf, half + i) for i in range(half)]
        bf = bytearray((half + 7) // 8)
        for i, b in enumerate(bits):
            if b:
                set_bit(bf, i)
        n = half
    return base64.b64encode(bytes(bf)).decode("utf8")


def main():
    schema = json.load(open(sys.argv[1]))
    secret = sys.argv[2].encode("utf-8")
    features = [Feature(d) for d in schema["features"]]
    kdf = schema["clkConfig"]["kdf"]
    size = kdf.get("keySize", 64)
    salt = base64.b64decode(kdf["salt"]) if "salt" in kdf else None
    info = base64.b64decode(kdf["info"]) if "info" in kdf else None
    name = {"SHA256": "sha256", "SHA512": "sha512"}[kdf.get("hash", "SHA256")]
    raw = hkdf(secret, 2 * len(features) * size, name, salt, info)
    keys = [raw[i * size:(i + 1) * size] for i in range(2 * len(features))]
    with open(sys.argv[3], newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    for row in rows:
        for f, v in zip(features, row):
            if not f.ignored:
                f.validate(v)
    clks = [encode(schema, features, keys, row) for row in rows]
    json.dump({"clks": clks}, sys.stdout)


if __name__ == "__main__":
    main()
