/* SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104): API token hashes and
 * webhook signatures.  Small and self-contained, so the host needs no
 * crypto library of its own for them. */
#ifndef ATSB_CORE_SHA256_H
#define ATSB_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                 unsigned char out[SHA256_LEN]);
/* HMAC over the concatenation a || b, without building it. */
void hmac_sha256_2(const void *key, size_t key_len, const void *a, size_t a_len,
                   const void *b, size_t b_len, unsigned char out[SHA256_LEN]);
/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);
/* 1 when the n bytes at a and b are equal, in time independent of where
 * they differ. */
int mem_equal_ct(const void *a, const void *b, size_t n);

#endif
