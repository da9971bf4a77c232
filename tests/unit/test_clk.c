/*
 * test_clk.c: unit tests for the clk module's building blocks: HKDF, keyed
 * BLAKE2b, HMAC-SHA1/MD5, tokenisers, strategies, Python-compatible parsing of
 * integers and dates, base64, schema errors, folding.
 *
 * Known answers come from the published specifications (RFC 5869, RFC 7693 and
 * the BLAKE2 reference KAT file, RFC 2202) and from clkhash's own docstrings (the
 * bigrams of 'clkhash', the numeric tokens of 25). The HKDF-SHA512 vector was
 * computed independently with Python's hmac module (docs/internals/clk_oracle.py).
 * Whole-CLK vectors are in test_clk_vectors.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clk.h"
#include "clk_int.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void seq(uint8_t *p, size_t n, uint8_t from)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(from + i);
}

/* ==== HKDF ==== */

static void test_hkdf_rfc5869(void **state)
{
    uint8_t ikm[80], salt[80], info[80], okm[82];
    char h[200];
    struct err e;
    (void)state;

    /* Test case 1 */
    memset(ikm, 0x0b, 22);
    seq(salt, 13, 0);
    seq(info, 10, 0xf0);
    assert_int_equal(clk__hkdf(256, ikm, 22, salt, 13, info, 10, okm, 42, &e), 0);
    hex(okm, 42, h);
    assert_string_equal(h, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf3400"
                           "7208d5b887185865");
    /* Test case 2 */
    seq(ikm, 80, 0);
    seq(salt, 80, 0x60);
    seq(info, 80, 0xb0);
    assert_int_equal(clk__hkdf(256, ikm, 80, salt, 80, info, 80, okm, 82, &e), 0);
    hex(okm, 82, h);
    assert_string_equal(h, "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c5904"
                           "5a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c581"
                           "79ec3e87c14c01d5c1f3434f1d87");
    /* Test case 3: no salt, no info */
    memset(ikm, 0x0b, 22);
    assert_int_equal(clk__hkdf(256, ikm, 22, NULL, 0, NULL, 0, okm, 42, &e), 0);
    hex(okm, 42, h);
    assert_string_equal(h, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d20"
                           "1395faa4b61a96c8");
    /* An empty salt is the same as none (HMAC pads keys with zeros). */
    assert_int_equal(clk__hkdf(256, ikm, 22, salt, 0, NULL, 0, okm, 42, &e), 0);
    hex(okm, 42, h);
    assert_string_equal(h, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d20"
                           "1395faa4b61a96c8");
}

static void test_hkdf_sha512_and_limits(void **state)
{
    uint8_t ikm[22], salt[13], info[10], okm[42];
    uint8_t *big = malloc(255 * 64 + 1);
    char h[100];
    struct err e;
    (void)state;

    memset(ikm, 0x0b, sizeof(ikm));
    seq(salt, 13, 0);
    seq(info, 10, 0xf0);
    assert_int_equal(clk__hkdf(512, ikm, 22, salt, 13, info, 10, okm, 42, &e), 0);
    hex(okm, 42, h);
    assert_string_equal(h, "832390086cda71fb47625bb5ceb168e4c8e26a1a16ed34d9fc7fe92c148157933"
                           "8da362cb8d9f925d7cb");
    /* 255 * HashLen is the most HKDF can give. */
    assert_int_equal(clk__hkdf(512, ikm, 22, NULL, 0, NULL, 0, big, 255 * 64, &e), 0);
    assert_int_equal(clk__hkdf(512, ikm, 22, NULL, 0, NULL, 0, big, 255 * 64 + 1, &e), ERR_INVALID);
    assert_int_equal(clk__hkdf(256, ikm, 22, NULL, 0, NULL, 0, big, 255 * 32 + 1, &e), ERR_INVALID);
    assert_int_equal(clk__hkdf(256, ikm, 0, NULL, 0, NULL, 0, big, 32, &e), ERR_INVALID);
    free(big);
}

/* ==== BLAKE2b ==== */

static void test_blake2b_kat(void **state)
{
    uint8_t key[64], out[64], salt[16] = {0};
    struct clk__blake_mid mid;
    char h[130];
    (void)state;

    assert_true(sodium_init() >= 0);
    /* RFC 7693 appendix A: BLAKE2b-512("abc") */
    crypto_generichash_blake2b(out, 64, (const uint8_t *)"abc", 3, NULL, 0);
    hex(out, 64, h);
    assert_string_equal(h, "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5"
                           "392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    /* BLAKE2 reference blake2b-kat.txt, keyed: key 00..3f, message 00 */
    seq(key, 64, 0);
    crypto_generichash_blake2b(out, 64, (const uint8_t *)"", 1, key, 64);
    hex(out, 64, h);
    assert_string_equal(h, "961f6dd1e4dd30f63901690c512e78e4b45e4742ed197c3c5e45c549fd25f2e4187b0b"
                           "c9fe30492b16b0d0bc4ef9b0f34c7003fac09a5ef1532e69430234cebd");
    /* our split compression gives the same */
    clk__blake2b_mid(&mid, key, 64, salt);
    clk__blake2b_tail(&mid, (const uint8_t *)"", 1, out);
    hex(out, 64, h);
    assert_string_equal(h, "961f6dd1e4dd30f63901690c512e78e4b45e4742ed197c3c5e45c549fd25f2e4187b0b"
                           "c9fe30492b16b0d0bc4ef9b0f34c7003fac09a5ef1532e69430234cebd");
    /* Python: hashlib.blake2b(b'smith', key=b'k' * 64, salt=b'0') */
    memset(key, 'k', 64);
    salt[0] = '0';
    clk__blake2b_mid(&mid, key, 64, salt);
    clk__blake2b_tail(&mid, (const uint8_t *)"smith", 5, out);
    hex(out, 64, h);
    assert_string_equal(h, "556692a742f49ba832ab616606c913fc3fa9cccd9826792ba4ce928ce0d41e26c74045"
                           "99f3cd6175bed31706f6ff319e6139faed45f430663ea035a116c1e5f4");
}

static void test_blake2b_split_matches_libsodium(void **state)
{
    uint8_t key[64], salt[16], msg[128], a[64], b[64];
    struct clk__blake_mid mid;
    unsigned seed = 12345;
    int round;
    (void)state;

    assert_true(sodium_init() >= 0);
    for (round = 0; round < 500; round++) {
        size_t klen = 1 + (size_t)(rand_r(&seed) % 64), mlen = 1 + (size_t)(rand_r(&seed) % 128);
        randombytes_buf(key, sizeof(key));
        randombytes_buf(salt, sizeof(salt));
        randombytes_buf(msg, sizeof(msg));
        crypto_generichash_blake2b_salt_personal(a, 64, msg, mlen, key, klen, salt, NULL);
        clk__blake2b_mid(&mid, key, klen, salt);
        clk__blake2b_tail(&mid, msg, mlen, b);
        assert_memory_equal(a, b, 64);
    }
}

static void test_blake2b_four_lanes(void **state)
{
    struct clk__blake_mid mids[4];
    const struct clk__blake_mid *mp[4];
    uint8_t key[64], salt[16], blocks[4][128], out4[4][64], one[64];
    size_t len[4];
    unsigned seed = 99;
    int round, lane;
    (void)state;

    for (round = 0; round < 200; round++) {
        for (lane = 0; lane < 4; lane++) {
            size_t klen = 1 + (size_t)(rand_r(&seed) % 64);
            randombytes_buf(key, sizeof(key));
            randombytes_buf(salt, sizeof(salt));
            clk__blake2b_mid(&mids[lane], key, klen, salt);
            mp[lane] = &mids[lane];
            len[lane] = 1 + (size_t)(rand_r(&seed) % 128);
            memset(blocks[lane], 0, 128);
            randombytes_buf(blocks[lane], len[lane]);
        }
        clk__blake2b_tail4(mp, (const uint8_t(*)[128])blocks, len, out4);
        for (lane = 0; lane < 4; lane++) {
            clk__blake2b_tail(mp[lane], blocks[lane], len[lane], one);
            assert_memory_equal(out4[lane], one, 64);
        }
    }
}

/* ==== HMAC (RFC 2202) ==== */

static void test_hmac_rfc2202(void **state)
{
    struct clk__hmac_sha1 s;
    struct clk__hmac_md5 m;
    uint8_t key[80], out[20];
    char h[64];
    static const char tc6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    (void)state;

    memset(key, 0x0b, 20);
    clk__hmac_sha1_init(&s, key, 20);
    clk__hmac_sha1(&s, (const uint8_t *)"Hi There", 8, out);
    hex(out, 20, h);
    assert_string_equal(h, "b617318655057264e28bc0b6fb378c8ef146be00");
    clk__hmac_md5_init(&m, key, 16);
    clk__hmac_md5(&m, (const uint8_t *)"Hi There", 8, out);
    hex(out, 16, h);
    assert_string_equal(h, "9294727a3638bb1c13f48ef8158bfc9d");

    clk__hmac_sha1_init(&s, (const uint8_t *)"Jefe", 4);
    clk__hmac_sha1(&s, (const uint8_t *)"what do ya want for nothing?", 28, out);
    hex(out, 20, h);
    assert_string_equal(h, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    clk__hmac_md5_init(&m, (const uint8_t *)"Jefe", 4);
    clk__hmac_md5(&m, (const uint8_t *)"what do ya want for nothing?", 28, out);
    hex(out, 16, h);
    assert_string_equal(h, "750c783e6ab0b503eaa86e310a5db738");

    memset(key, 0xaa, 80);
    clk__hmac_sha1_init(&s, key, 80);
    clk__hmac_sha1(&s, (const uint8_t *)tc6, strlen(tc6), out);
    hex(out, 20, h);
    assert_string_equal(h, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
    clk__hmac_md5_init(&m, key, 80);
    clk__hmac_md5(&m, (const uint8_t *)tc6, strlen(tc6), out);
    hex(out, 16, h);
    assert_string_equal(h, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
}

/* ==== tokenisers and strategies ==== */

/* Tokens of value under feature f joined by '|'. */
static void tokens_of(struct clk__feature *f, const char *value, char *out, size_t size)
{
    struct clk__scratch sc;
    struct err e;
    size_t n = 0, i, used = 0;

    memset(&sc, 0, sizeof(sc));
    buf_init(&sc.value, 1 << 16);
    buf_init(&sc.norm, 1 << 16);
    buf_init(&sc.token, 1 << 16);
    buf_init(&sc.padded, 1 << 16);
    assert_int_equal(buf_puts(&sc.value, value), 0);
    assert_int_equal(clk__tokens_prepare(f, &sc, &n, &e), 0);
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        int w;
        assert_int_equal(clk__token(f, &sc, i, &e), 0);
        w = snprintf(out + used, size - used, "%s%.*s", i > 0 ? "|" : "", (int)sc.token.len,
                     sc.token.data);
        assert_true(w > 0 && (size_t)w < size - used);
        used += (size_t)w;
    }
    buf_release(&sc.value);
    buf_release(&sc.norm);
    buf_release(&sc.token);
    buf_release(&sc.padded);
    free(sc.cps);
    free(sc.offs);
}

static void test_ngram_tokens(void **state)
{
    struct clk__feature f;
    char out[512];
    (void)state;

    memset(&f, 0, sizeof(f));
    f.identifier = "x";
    f.cmp = CLK_CMP_NGRAM;
    f.ngram_n = 2;
    /* clkhash's NgramComparison docstring */
    tokens_of(&f, "clkhash", out, sizeof(out));
    assert_string_equal(out, " c|cl|lk|kh|ha|as|sh|h ");
    tokens_of(&f, "smith", out, sizeof(out));
    assert_string_equal(out, " s|sm|mi|it|th|h ");
    f.positional = true;
    tokens_of(&f, "clkhash", out, sizeof(out));
    assert_string_equal(out, "1  c|2 cl|3 lk|4 kh|5 ha|6 as|7 sh|8 h ");
    /* no tokens for an empty value */
    tokens_of(&f, "", out, sizeof(out));
    assert_string_equal(out, "");
    /* unigrams are not padded; code points, not bytes */
    f.positional = false;
    f.ngram_n = 1;
    tokens_of(&f, "Zoë", out, sizeof(out));
    assert_string_equal(out, "Z|o|ë");
    f.ngram_n = 3;
    tokens_of(&f, "ab", out, sizeof(out));
    assert_string_equal(out, "  a| ab|ab |b  ");
    /* exact */
    f.cmp = CLK_CMP_EXACT;
    tokens_of(&f, "Ivan Petrov", out, sizeof(out));
    assert_string_equal(out, "Ivan Petrov");
}

static void test_numeric_tokens(void **state)
{
    struct clk__feature f;
    char out[512];
    (void)state;

    memset(&f, 0, sizeof(f));
    f.identifier = "x";
    f.cmp = CLK_CMP_NUMERIC;
    /* clkhash's NumericComparison docstring: x=25, threshold 8, resolution 2 */
    f.num_interval = 8;
    f.num_resolution = 2;
    tokens_of(&f, "25", out, sizeof(out));
    assert_string_equal(out, "88|96|104|112|120");
    /* int() accepts spaces, sign and underscores; float() the rest */
    tokens_of(&f, " +2_5 ", out, sizeof(out));
    assert_string_equal(out, "88|96|104|112|120");
    tokens_of(&f, "25.9", out, sizeof(out)); /* int(25.9) = 25 */
    assert_string_equal(out, "88|96|104|112|120");
    tokens_of(&f, "-3", out, sizeof(out)); /* -12: residue 4 rounds up */
    assert_string_equal(out, "-24|-16|-8|0|8");
    /* fractional_precision 1, threshold 2.5 -> interval 25 */
    f.num_interval = 25;
    f.num_resolution = 1;
    f.num_fractional = 1;
    tokens_of(&f, "1.25", out, sizeof(out)); /* round(12.5) = 12 (half to even), *2 = 24 */
    assert_string_equal(out, "0|25|50");
}

static void test_strategies(void **state)
{
    struct clk__feature f;
    size_t i;
    uint64_t sum = 0;
    (void)state;

    memset(&f, 0, sizeof(f));
    f.bits_per_feature = true;
    f.bits = 100;
    /* 100 over 7 tokens: 14 each, the first 2 get 15 */
    assert_int_equal(clk__bits_for_token(&f, 0, 7), 15);
    assert_int_equal(clk__bits_for_token(&f, 1, 7), 15);
    assert_int_equal(clk__bits_for_token(&f, 2, 7), 14);
    for (i = 0; i < 7; i++)
        sum += clk__bits_for_token(&f, i, 7);
    assert_int_equal(sum, 100);
    f.bits = 3; /* fewer bits than tokens: the first 3 get one */
    assert_int_equal(clk__bits_for_token(&f, 2, 7), 1);
    assert_int_equal(clk__bits_for_token(&f, 3, 7), 0);
    f.bits_per_feature = false;
    f.bits = 20;
    assert_int_equal(clk__bits_for_token(&f, 5, 7), 20);
}

static void test_token_encodings(void **state)
{
    struct buf b;
    static const uint8_t u16[] = {0x3d, 0xd8, 0x00, 0xde}; /* U+1F600 as UTF-16LE */
    static const uint8_t u32[] = {0x00, 0xf6, 0x01, 0x00};
    (void)state;

    buf_init(&b, 64);
    assert_int_equal(clk__encode_cp(&b, CLK_ENC_UTF16, 0x1F600), 0);
    assert_memory_equal(b.data, u16, 4);
    buf_reset(&b);
    assert_int_equal(clk__encode_cp(&b, CLK_ENC_UTF32, 0x1F600), 0);
    assert_memory_equal(b.data, u32, 4);
    buf_release(&b);
}

/* ==== Python-compatible parsing ==== */

static void check_int(const char *in, const char *want)
{
    struct buf b;
    buf_init(&b, 256);
    if (want == NULL) {
        assert_int_equal(clk__py_int_canonical(in, strlen(in), &b), ERR_INVALID);
    } else {
        assert_int_equal(clk__py_int_canonical(in, strlen(in), &b), 0);
        assert_string_equal(b.data, want);
    }
    buf_release(&b);
}

static void test_python_int(void **state)
{
    (void)state;
    check_int("+007", "7");
    check_int(" -0 ", "0");
    check_int("-12", "-12");
    check_int("1_000", "1000");
    check_int("\xc2\xa0"
              "42\t",
              "42");                     /* NBSP and tab around */
    check_int("\xd9\xa3\xd9\xa2", "32"); /* Arabic-Indic digits */
    check_int("123456789012345678901234567890", "123456789012345678901234567890");
    check_int("1__0", NULL);
    check_int("_1", NULL);
    check_int("1_", NULL);
    check_int("", NULL);
    check_int("-", NULL);
    check_int("1.0", NULL);
    check_int("0x10", NULL);
}

static void check_date(const char *fmt, const char *in, const char *want)
{
    struct clk__date *d = NULL;
    struct buf b;
    char why[128];

    assert_int_equal(clk__date_compile(fmt, &d, why, sizeof(why)), 0);
    buf_init(&b, 256);
    if (want == NULL) {
        assert_int_equal(clk__date_format(d, in, strlen(in), &b, why, sizeof(why)), ERR_INVALID);
    } else {
        assert_int_equal(clk__date_format(d, in, strlen(in), &b, why, sizeof(why)), 0);
        assert_string_equal(b.data, want);
    }
    buf_release(&b);
    clk__date_free(d);
}

static void test_python_strptime(void **state)
{
    struct clk__date *d = NULL;
    char why[128];
    (void)state;

    check_date("%Y-%m-%d", "2024-02-29", "20240229");
    check_date("%Y-%m-%d", "2023-02-29", NULL);         /* not a leap year */
    check_date("%Y-%m-%d", "2024-2-3", "20240203");     /* one-digit month and day */
    check_date("%Y-%m-%d", "2024-02-03x", NULL);        /* unconverted data remains */
    check_date("%Y-%m-%d", "0000-01-01", NULL);         /* year 0 */
    check_date("%Y/%m/%d", "0999/01/02", "9990102");    /* glibc does not pad %Y */
    check_date("%d %B %Y", "5 MARCH 1999", "19990305"); /* names ignore case */
    check_date("%d %b %Y", "05 sep 1999", "19990905");
    check_date("%d  %m %Y", "05 \t 09 1999", "19990905"); /* white space runs */
    check_date("%y%m%d", "690101", "19690101");
    check_date("%y%m%d", "680101", "20680101");
    check_date("%Y%m%d", "20240131", "20240131");
    check_date("%Y%m%d", "2024131", "20240131"); /* backtracking: m=1, d=31 */
    check_date("%Y %j", "2020 60", "20200229");
    check_date("%m/%d", "02/29", NULL);                   /* no year: 1900 is not a leap year */
    check_date("%d.%m.%Y T", "01.02.2003 t", "20030201"); /* literals ignore case */
    assert_int_equal(clk__date_compile("%Y-%m-%", &d, why, sizeof(why)), ERR_INVALID);
    assert_int_equal(clk__date_compile("%Y %Y", &d, why, sizeof(why)), ERR_INVALID);
    assert_int_equal(clk__date_compile("%Q", &d, why, sizeof(why)), ERR_INVALID);
}

/* ==== folding ==== */

static void test_fold(void **state)
{
    uint8_t bf[8] = {0xF0, 0x0F, 0xAA, 0x55, 0xFF, 0x00, 0xAA, 0xAA};
    uint8_t odd[2] = {0xB0, 0x00}; /* 6 bits 101100 -> halves 101 ^ 100 = 001 */
    (void)state;

    assert_int_equal(clk__fold(bf, 64, 1), 32);
    assert_int_equal(bf[0], 0x0F);
    assert_int_equal(bf[1], 0x0F);
    assert_int_equal(bf[2], 0x00);
    assert_int_equal(bf[3], 0xFF);
    assert_int_equal(clk__fold(bf, 32, 1), 16);
    assert_int_equal(bf[0], 0x0F);
    assert_int_equal(bf[1], 0xF0);
    assert_int_equal(clk__fold(odd, 6, 1), 3);
    assert_int_equal(odd[0] & 0xE0, 0x20);
}

/* ==== schemas ==== */

static const char *schema_error(const char *json)
{
    static struct err e;
    struct clk_schema *s = NULL;

    err_init(&e);
    if (clk_schema_parse(json, strlen(json), &s, &e) == 0) {
        clk_schema_free(s);
        return "";
    }
    return e.msg;
}

#define HEAD     "{\"version\":3,\"clkConfig\":{\"l\":1024,\"kdf\":{\"type\":\"HKDF\"}},\"features\":["
#define NAMEF(h) "{\"identifier\":\"n\",\"format\":{\"type\":\"string\"},\"hashing\":" h "}"

static void test_schema_errors(void **state)
{
    (void)state;
    assert_string_equal(schema_error(HEAD "{\"identifier\":\"id\",\"ignored\":true}," NAMEF(
                            "{\"comparison\":{\"type\":\"ngram\",\"n\":0},\"strategy\":{"
                            "\"bitsPerToken\":5}}") "]}"),
                        "features[1].hashing.comparison.n: must be a positive integer");
    assert_string_equal(schema_error(HEAD NAMEF("{\"comparison\":{\"type\":\"ngram\",\"n\":2},"
                                                "\"strategy\":{\"bitsPerToken\":5,"
                                                "\"bitsPerFeature\":5}}") "]}"),
                        "features[0].hashing.strategy: must hold exactly one of bitsPerToken, "
                        "bitsPerFeature");
    assert_string_equal(
        schema_error(HEAD NAMEF("{\"comparison\":{\"type\":\"ngram\",\"n\":2},\"strategy\":{"
                                "\"bitsPerToken\":5},\"weight\":2}") "]}"),
        "features[0].hashing: unknown key 'weight' (allowed: hash, strategy, comparison, "
        "missingValue)");
    assert_string_equal(schema_error(HEAD "{\"identifier\":\"id\",\"ignored\":true,\"x\":1}]}"),
                        "features[0]: unknown key 'x' (allowed: identifier, ignored, description)");
    assert_string_equal(
        schema_error(HEAD NAMEF("{\"comparison\":{\"type\":\"ngram\",\"n\":2},\"strategy\":{"
                                "\"bitsPerToken\":5},\"hash\":{\"type\":\"blakeHash\","
                                "\"prevent_singularity\":true}}") "]}"),
        "features[0].hashing.hash.prevent_singularity: is only allowed with doubleHash");
    assert_string_equal(schema_error("{\"version\":3,\"clkConfig\":{\"l\":1000,\"kdf\":{\"type\":"
                                     "\"HKDF\"}},\"features\":[" NAMEF(
                                         "{\"comparison\":{\"type\":\"exact\"},\"strategy\":{"
                                         "\"bitsPerToken\":5}}") "]}"),
                        "clkConfig.l: blakeHash (features[0]) needs l * 2^xor_folds to be a power "
                        "of two, not 1000");
    assert_string_equal(schema_error("{\"version\":3,\"clkConfig\":{\"l\":1024,\"kdf\":{\"type\":"
                                     "\"HKDF\",\"salt\":\"abc\"}},\"features\":[]}"),
                        "clkConfig.kdf.salt: invalid base64: incorrect padding");
    assert_string_equal(schema_error("{\"version\":3,\"clkConfig\":{\"l\":1024,\"kdf\":{\"type\":"
                                     "\"HKDF\",\"hash\":\"MD5\"}},\"features\":[]}"),
                        "clkConfig.kdf.hash: must be one of SHA256, SHA512");
    assert_string_equal(schema_error("{\"version\":2,\"clkConfig\":{},\"features\":[]}"),
                        "version: only version 3 schemas are supported (clkhash's 'clkutil "
                        "convert-schema' upgrades versions 1 and 2)");
    assert_string_equal(schema_error("{\"version\":3,\"features\":[]}"), "clkConfig: is required");
    assert_string_equal(
        schema_error(HEAD
                     "{\"identifier\":\"d\",\"format\":{\"type\":\"string\",\"pattern\":\"(\"},"
                     "\"hashing\":{\"comparison\":{\"type\":\"exact\"},\"strategy\":{"
                     "\"bitsPerToken\":5}}}]}"),
        "features[0].format.pattern: invalid regular expression: missing closing parenthesis");
    assert_string_equal(
        schema_error(HEAD "{\"identifier\":\"d\",\"format\":{\"type\":\"string\",\"pattern\":\"a\","
                          "\"maxLength\":3},\"hashing\":{\"comparison\":{\"type\":\"exact\"},"
                          "\"strategy\":{\"bitsPerToken\":5}}}]}"),
        "features[0].format: unknown key 'maxLength' (allowed: type, encoding, pattern, "
        "description)");
    assert_string_equal(
        schema_error(HEAD NAMEF("{\"comparison\":{\"type\":\"numeric\",\"thresholdDistance\":0.01,"
                                "\"resolution\":2},\"strategy\":{\"bitsPerToken\":5}}") "]}"),
        "features[0].hashing.comparison.thresholdDistance: not enough fractional precision to "
        "encode thresholdDistance");
    assert_string_equal(schema_error("[1,2]"), "schema: must be a JSON object");
    assert_true(strncmp(schema_error("{"), "schema is not valid JSON", 24) == 0);
}

static void test_schema_good(void **state)
{
    static const char json[] =
        "{\"version\":3,\"clkConfig\":{\"l\":1024,\"xorFolds\":1,\"kdf\":{\"type\":\"HKDF\","
        "\"salt\":\"SCbL 2zHN\\nnmsc=\"}},\"extra\":1,\"features\":["
        "{\"identifier\":\"rec_id\",\"ignored\":true},"
        "{\"identifier\":\"n\",\"format\":{\"type\":\"string\"},\"hashing\":{\"comparison\":{"
        "\"type\":\"ngram\",\"n\":2},\"strategy\":{\"bitsPerToken\":5},\"hash\":{\"type\":"
        "\"doubleHash\"}}}]}";
    struct clk_schema *s = NULL;
    struct err e;
    (void)state;

    assert_int_equal(clk_schema_parse(json, strlen(json), &s, &e), 0);
    assert_int_equal(clk_schema_nfeatures(s), 2);
    assert_string_equal(clk_schema_identifier(s, 0), "rec_id");
    assert_true(clk_schema_ignored(s, 0));
    assert_false(clk_schema_ignored(s, 1));
    assert_int_equal(clk_schema_l(s), 1024);
    /* clkhash reads xor_folds, not xorFolds */
    assert_int_equal(s->xor_folds, 0);
    /* base64 skips characters outside the alphabet, as Python does */
    assert_int_equal(s->salt_len, 9);
    assert_int_equal(clk_schema_nwarnings(s), 2);
    assert_non_null(strstr(clk_schema_warning(s, 0), "xorFolds is ignored"));
    assert_non_null(strstr(clk_schema_warning(s, 1), "doubleHash"));
    clk_schema_free(s);
}

static void test_encode_errors_name_no_values(void **state)
{
    static const char json[] =
        "{\"version\":3,\"clkConfig\":{\"l\":64,\"kdf\":{\"type\":\"HKDF\"}},\"features\":["
        "{\"identifier\":\"dob\",\"format\":{\"type\":\"date\",\"format\":\"%Y-%m-%d\"},"
        "\"hashing\":{\"comparison\":{\"type\":\"ngram\",\"n\":1},\"strategy\":{"
        "\"bitsPerToken\":5}}}]}";
    struct clk_schema *s = NULL;
    struct clk_encoder *enc = NULL;
    struct clk_value v = {"1999-13-45", 10};
    uint8_t out[8];
    struct err e;
    (void)state;

    assert_int_equal(clk_schema_parse(json, strlen(json), &s, &e), 0);
    assert_int_equal(clk_encoder_new(s, "k", 1, 0, &enc, &e), 0);
    assert_int_equal(clk_encoder_bytes(enc), 8);
    assert_int_equal(clk_encode(enc, &v, 1, out, NULL, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "column 'dob'"));
    assert_null(strstr(e.msg, "1999"));
    assert_int_equal(clk_encode(enc, &v, 2, out, NULL, &e), ERR_INVALID);
    clk_encoder_free(enc);
    enc = NULL;
    /* an empty secret is refused */
    assert_int_equal(clk_encoder_new(s, "", 0, 0, &enc, &e), ERR_INVALID);
    assert_null(enc);
    clk_schema_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hkdf_rfc5869),
        cmocka_unit_test(test_hkdf_sha512_and_limits),
        cmocka_unit_test(test_blake2b_kat),
        cmocka_unit_test(test_blake2b_split_matches_libsodium),
        cmocka_unit_test(test_blake2b_four_lanes),
        cmocka_unit_test(test_hmac_rfc2202),
        cmocka_unit_test(test_ngram_tokens),
        cmocka_unit_test(test_numeric_tokens),
        cmocka_unit_test(test_strategies),
        cmocka_unit_test(test_token_encodings),
        cmocka_unit_test(test_python_int),
        cmocka_unit_test(test_python_strptime),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_schema_good),
        cmocka_unit_test(test_encode_errors_name_no_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
