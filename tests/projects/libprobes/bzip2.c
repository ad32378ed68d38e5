/* link: -lbz2 */
#include <bzlib.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    char text[4096], packed[4096], unpacked[4096];
    for (size_t i = 0; i < sizeof text; i++) text[i] = "nixbuild"[i % 8];
    unsigned int n = sizeof packed, m = sizeof unpacked;
    if (BZ2_bzBuffToBuffCompress(packed, &n, text, sizeof text, 9, 0, 0) != BZ_OK) return 1;
    if (BZ2_bzBuffToBuffDecompress(unpacked, &m, packed, n, 0, 0) != BZ_OK || m != sizeof text ||
        memcmp(text, unpacked, m) != 0) {
        printf("bzip2: round trip failed\n");
        return 1;
    }
    printf("ok bzip2 %s\n", BZ2_bzlibVersion());
    return 0;
}
