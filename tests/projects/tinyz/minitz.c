/* minitz: the library's test program (zlib's minigzip, in spirit). */
#include <stdio.h>
#include <string.h>
#include "tinyz.h"

int main(int argc, char **argv) {
    const char *text = argc > 1 ? argv[1] : "aaaabbbcccd";
    unsigned char packed[512], unpacked[256];
    size_t n = strlen(text);
    if (n > 255) return 2;
    size_t p = tinyz_pack((const unsigned char *)text, n, packed);
    size_t u = tinyz_unpack(packed, p, unpacked);
    printf("tinyz %s\n", tinyz_version());
    printf("%zu -> %zu bytes, adler32 %08lx\n", n, p, tinyz_adler32((const unsigned char *)text, n));
    printf("round-trip %s\n", u == n && memcmp(text, unpacked, n) == 0 ? "ok" : "FAILED");
    return 0;
}
