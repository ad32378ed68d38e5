/* link: -llz4 */
#include <lz4.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    char text[4096], packed[LZ4_COMPRESSBOUND(4096)], unpacked[4096];
    for (size_t i = 0; i < sizeof text; i++) text[i] = "nixbuild"[i % 8];
    int n = LZ4_compress_default(text, packed, sizeof text, sizeof packed);
    int m = n > 0 ? LZ4_decompress_safe(packed, unpacked, n, sizeof unpacked) : -1;
    if (n <= 0 || m != (int)sizeof text || memcmp(text, unpacked, sizeof text) != 0) {
        printf("lz4: round trip failed (%d, %d)\n", n, m);
        return 1;
    }
    printf("ok lz4 %s\n", LZ4_versionString());
    return 0;
}
