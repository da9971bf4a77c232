/*
 * clk_kdf.c: HKDF (RFC 5869), the key derivation clkhash uses to turn the shared
 * secret into per-feature keys.
 *
 * clkhash's generate_key_lists() asks HKDF for 2 * nfeatures keys of keySize bytes
 * in one call (salt and info from the schema, hash SHA256 or SHA512) and gives
 * feature i the keys 2i and 2i+1. This file only runs HKDF; clk_encode.c slices
 * the output. We use OpenSSL's EVP_KDF "HKDF" (libsodium 1.0.18 has none).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "clk_int.h"
#include "strutil.h"

#include "banned.h"

/* OpenSSL's HKDF refuses an info longer than this (HKDF_MAXBUF). */
#define CLK_HKDF_MAX_INFO 1024

int clk__hkdf(unsigned hash_bits, const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
              size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len,
              struct err *e)
{
    EVP_KDF *kdf = NULL;
    EVP_KDF_CTX *ctx = NULL;
    OSSL_PARAM params[6];
    OSSL_PARAM *p = params;
    char digest[16];
    size_t hash_len = hash_bits == 512 ? 64 : 32;
    int rc = 0;

    if (hash_bits != 256 && hash_bits != 512)
        return err_set(e, ERR_INVALID, "unsupported HKDF hash SHA%u", hash_bits);
    if (out_len == 0 || out_len > 255 * hash_len)
        return err_set(e, ERR_INVALID,
                       "HKDF cannot derive %zu bytes with SHA%u (at most %zu): use fewer "
                       "features or a smaller keySize",
                       out_len, hash_bits, 255 * hash_len);
    if (ikm_len == 0)
        return err_set(e, ERR_INVALID, "the secret is empty");
    if (info != NULL && info_len > CLK_HKDF_MAX_INFO)
        return err_set(e, ERR_UNSUPPORTED, "HKDF info longer than %d bytes is not supported",
                       CLK_HKDF_MAX_INFO);

    str_copy(digest, hash_bits == 512 ? "SHA512" : "SHA256", sizeof(digest));
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    /*
     * An absent salt is HashLen zero bytes (RFC 5869 2.2). An empty salt gives the
     * same HMAC key, since HMAC pads keys with zeros; so both leave it unset.
     */
    if (salt != NULL && salt_len > 0)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    if (info != NULL && info_len > 0)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *p = OSSL_PARAM_construct_end();

    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (kdf == NULL) {
        rc = err_set(e, ERR_INVALID, "OpenSSL has no HKDF");
        goto out;
    }
    ctx = EVP_KDF_CTX_new(kdf);
    if (ctx == NULL) {
        rc = err_set(e, ERR_NOMEM, "cannot make an HKDF context");
        goto out;
    }
    if (EVP_KDF_derive(ctx, out, out_len, params) != 1) {
        const char *why = ERR_reason_error_string(ERR_get_error());
        rc = err_set(e, ERR_INVALID, "HKDF failed: %s", why != NULL ? why : "unknown error");
        goto out;
    }
out:
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    ERR_clear_error();
    return rc;
}
