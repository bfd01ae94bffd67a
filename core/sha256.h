/* core/sha256.h — SHA-256 fingerprints (OpenSSL's implementation).
 *
 * Every input a stored number depends on is fingerprinted: dataset files,
 * generated arrays, model files, the study configuration.
 */
#ifndef MRV_CORE_SHA256_H
#define MRV_CORE_SHA256_H

#include <stddef.h>

#include "core/status.h"

#define MRV_SHA256_HEX 65 /* 64 hex digits + NUL */

struct mrv_sha256; /* opaque incremental hasher */

enum mrv_status mrv_sha256_create(struct mrv_sha256 **out, struct mrv_error *err);
void mrv_sha256_update(struct mrv_sha256 *h, const void *data, size_t n);
/* Finish into 32 raw bytes and/or a lowercase hex string (either may be
 * NULL); the hasher may not be updated afterwards. */
void mrv_sha256_final(struct mrv_sha256 *h, unsigned char raw[32],
                      char hex[MRV_SHA256_HEX]);
void mrv_sha256_destroy(struct mrv_sha256 *h);

/* One-shot digest of a buffer, as lowercase hex. */
enum mrv_status mrv_sha256_hex(const void *data, size_t n,
                               char hex[MRV_SHA256_HEX], struct mrv_error *err);

/* Digest of a file's bytes. MRV_EIO naming the path when it cannot be read. */
enum mrv_status mrv_sha256_file(const char *path, char hex[MRV_SHA256_HEX],
                                struct mrv_error *err);

#endif
