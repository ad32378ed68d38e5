/* link: -lcrypto */
/* SHA-256 of "abc": FIPS 180-2, appendix B.1. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char hex[65];
    if (EVP_Digest("abc", 3, md, &n, EVP_sha256(), NULL) != 1 || n != 32) return 1;
    for (unsigned int i = 0; i < n; i++) sprintf(hex + 2 * i, "%02x", md[i]);
    if (strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") != 0) {
        printf("openssl: sha256(abc) = %s\n", hex);
        return 1;
    }
    printf("ok openssl %s\n", OpenSSL_version(OPENSSL_VERSION));
    return 0;
}
