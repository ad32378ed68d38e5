/* digest WORD...: the SHA-256 of each WORD, after the OpenSSL version line. */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

int main(int argc, char **argv) {
    printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
    /* libssl too, so the program needs both of openssl's libraries. */
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    printf("tls-context %s\n", ctx != NULL ? "ok" : "FAILED");
    SSL_CTX_free(ctx);
    for (int i = 1; i < argc; i++) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (!EVP_Digest(argv[i], strlen(argv[i]), md, &len, EVP_sha256(), NULL)) return 1;
        printf("sha256(%s)=", argv[i]);
        for (unsigned int j = 0; j < len; j++) printf("%02x", md[j]);
        printf("\n");
    }
    return 0;
}
