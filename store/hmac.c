/*
 * hmac.c - SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and VERP tags.
 *
 * A straightforward implementation over 64-byte blocks; speed does not
 * matter here (one MAC per webhook or per bounce), correctness does:
 * tests/unit/test_store_hmac.c checks FIPS 180-4's and RFC 4231's vectors.
 */
#include "hmac.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#define VERP_MAX_ADDR 512

struct sha256_ctx {
    uint32_t h[8];
    unsigned char buf[64];
    size_t nbuf;
    uint64_t total;
};

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(struct sha256_ctx *c, const unsigned char *p)
{
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, c->h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t s1 = ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25);
        uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
        uint32_t t1 = v[7] + s1 + ch + K[i] + w[i];
        uint32_t s0 = ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22);
        uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
        memmove(v + 1, v, 7 * sizeof *v);
        v[4] += t1;
        v[0] = t1 + s0 + maj;
    }
    for (int i = 0; i < 8; i++)
        c->h[i] += v[i];
}

static void sha_init(struct sha256_ctx *c)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof h0);
    c->nbuf = 0;
    c->total = 0;
}

static void sha_update(struct sha256_ctx *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    c->total += len;
    while (len > 0) {
        size_t n = 64 - c->nbuf < len ? 64 - c->nbuf : len;
        memcpy(c->buf + c->nbuf, p, n);
        c->nbuf += n;
        p += n;
        len -= n;
        if (c->nbuf == 64) {
            block(c, c->buf);
            c->nbuf = 0;
        }
    }
}

static void sha_final(struct sha256_ctx *c, unsigned char out[HMAC_LEN])
{
    uint64_t bits = c->total * 8;
    unsigned char pad = 0x80, zero = 0, len[8];
    sha_update(c, &pad, 1);
    while (c->nbuf != 56)
        sha_update(c, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha_update(c, len, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
}

void sha256(const void *data, size_t len, unsigned char out[HMAC_LEN])
{
    struct sha256_ctx c;
    sha_init(&c);
    sha_update(&c, data, len);
    sha_final(&c, out);
}

void hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                 unsigned char out[HMAC_LEN])
{
    unsigned char k[64] = {0}, pad[64], inner[HMAC_LEN];
    if (keylen > 64)
        sha256(key, keylen, k); /* RFC 2104: a long key is hashed first */
    else
        memcpy(k, key, keylen);
    struct sha256_ctx c;
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    sha_init(&c);
    sha_update(&c, pad, 64);
    sha_update(&c, data, len);
    sha_final(&c, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    sha_init(&c);
    sha_update(&c, pad, 64);
    sha_update(&c, inner, HMAC_LEN);
    sha_final(&c, out);
}

void hmac_hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

int verp_tag(const char *key, const char *addr, char out[VERP_TAG_HEX + 1])
{
    char low[VERP_MAX_ADDR];
    size_t n = strlen(addr);
    if (n >= sizeof low)
        return -1;
    /* Lower-cased: MTAs may change the case of what they return. */
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)addr[i]);
    unsigned char mac[HMAC_LEN];
    hmac_sha256(key, strlen(key), low, n, mac);
    hmac_hex(mac, VERP_TAG_HEX / 2, out);
    return 0;
}

int verp_sign(const char *key, const char *addr, char *out, size_t outlen)
{
    const char *at = strrchr(addr, '@');
    char tag[VERP_TAG_HEX + 1];
    if (at == NULL || at == addr || verp_tag(key, addr, tag) != 0)
        return -1;
    size_t local = (size_t)(at - addr), need = strlen(addr) + 1 + VERP_TAG_HEX + 1;
    if (need > outlen)
        return -1;
    memcpy(out, addr, local);
    out[local] = '+';
    memcpy(out + local + 1, tag, VERP_TAG_HEX);
    strcpy(out + local + 1 + VERP_TAG_HEX, at);
    return 0;
}
