/* A small program linked against OpenSSL (libcrypto) and zlib, for
 * nixbuild's examples and end-to-end tests.
 *
 *   hello-tls           prints the library versions it runs with
 *   hello-tls --check   also hashes a string with SHA-256 through EVP and
 *                       round-trips it through compress/uncompress
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <zlib.h>

static const char MESSAGE[] = "Hello from nixbuild!";

static int sha256_hex(const char *data, size_t len, char out[65]) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return 0;
    int ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(ctx, data, len) == 1 &&
             EVP_DigestFinal_ex(ctx, digest, &n) == 1 && n == 32;
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; ok && i < n; i++) sprintf(out + 2 * i, "%02x", digest[i]);
    return ok;
}

static int zlib_round_trip(const char *data, size_t len) {
    unsigned char packed[256], unpacked[256];
    uLongf packed_len = sizeof packed, unpacked_len = sizeof unpacked;
    if (compress(packed, &packed_len, (const Bytef *)data, len) != Z_OK) return 0;
    if (uncompress(unpacked, &unpacked_len, packed, packed_len) != Z_OK) return 0;
    return unpacked_len == len && memcmp(unpacked, data, len) == 0;
}

int main(int argc, char **argv) {
    printf("%s\n", MESSAGE);
    printf("openssl=%s\n", OpenSSL_version(OPENSSL_VERSION));
    printf("zlib=%s\n", zlibVersion());
    if (argc > 1 && strcmp(argv[1], "--check") == 0) {
        char hex[65] = "";
        int sha_ok = sha256_hex(MESSAGE, strlen(MESSAGE), hex);
        printf("sha256=%s\n", sha_ok ? hex : "failed");
        int zlib_ok = zlib_round_trip(MESSAGE, strlen(MESSAGE));
        printf("zlib-round-trip=%s\n", zlib_ok ? "ok" : "failed");
        return sha_ok && zlib_ok ? 0 : 1;
    }
    return 0;
}
