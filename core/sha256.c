#include "core/sha256.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mrv_sha256 {
    EVP_MD_CTX *ctx;
};

enum mrv_status mrv_sha256_create(struct mrv_sha256 **out, struct mrv_error *err)
{
    *out = NULL;
    struct mrv_sha256 *h = malloc(sizeof *h);
    if (!h)
        return mrv_error_set(err, MRV_ENOMEM, "sha256: out of memory");
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(h->ctx);
        free(h);
        return mrv_error_set(err, MRV_EINTERNAL, "sha256: OpenSSL digest init failed");
    }
    *out = h;
    return MRV_OK;
}

void mrv_sha256_update(struct mrv_sha256 *h, const void *data, size_t n)
{
    EVP_DigestUpdate(h->ctx, data, n);
}

void mrv_sha256_final(struct mrv_sha256 *h, unsigned char raw[32],
                      char hex[MRV_SHA256_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(h->ctx, md, &len);
    if (raw)
        memcpy(raw, md, 32);
    if (hex) {
        static const char digits[] = "0123456789abcdef";
        for (int i = 0; i < 32; i++) {
            hex[2 * i] = digits[md[i] >> 4];
            hex[2 * i + 1] = digits[md[i] & 15];
        }
        hex[64] = '\0';
    }
}

void mrv_sha256_destroy(struct mrv_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

enum mrv_status mrv_sha256_hex(const void *data, size_t n,
                               char hex[MRV_SHA256_HEX], struct mrv_error *err)
{
    struct mrv_sha256 *h;
    enum mrv_status s = mrv_sha256_create(&h, err);
    if (s != MRV_OK)
        return s;
    mrv_sha256_update(h, data, n);
    mrv_sha256_final(h, NULL, hex);
    mrv_sha256_destroy(h);
    return MRV_OK;
}

enum mrv_status mrv_sha256_file(const char *path, char hex[MRV_SHA256_HEX],
                                struct mrv_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mrv_error_set(err, MRV_EIO, "%s: cannot open for hashing: %s",
                             path, strerror(errno));
    struct mrv_sha256 *h;
    enum mrv_status s = mrv_sha256_create(&h, err);
    if (s != MRV_OK) {
        fclose(f);
        return s;
    }
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        mrv_sha256_update(h, buf, n);
    if (ferror(f)) {
        s = mrv_error_set(err, MRV_EIO, "%s: read error while hashing", path);
    } else {
        mrv_sha256_final(h, NULL, hex);
    }
    mrv_sha256_destroy(h);
    fclose(f);
    return s;
}
