/* A tiny program for nixbuild's examples and end-to-end tests.
 *
 *   hello           prints a greeting
 *   hello --check   also reports what a distroless image should provide:
 *                   the user id, the CA bundle ($SSL_CERT_FILE), a writable /tmp
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("Hello from nixbuild!\n");
    if (argc > 1 && strcmp(argv[1], "--check") == 0) {
        const char *certs = getenv("SSL_CERT_FILE");
        printf("uid=%d gid=%d\n", (int)getuid(), (int)getgid());
        printf("certs=%s\n", certs && access(certs, R_OK) == 0 ? "readable" : "missing");
        char path[] = "/tmp/hello-XXXXXX";
        int fd = mkstemp(path);
        printf("tmp=%s\n", fd >= 0 ? "writable" : "read-only");
        if (fd >= 0) {
            close(fd);
            unlink(path);
        }
    }
    return 0;
}
