/* link: -lzstd */
#include <stdio.h>
#include <string.h>
#include <zstd.h>

int main(void) {
    char text[4096], packed[4096], unpacked[4096];
    for (size_t i = 0; i < sizeof text; i++) text[i] = "nixbuild"[i % 8];
    size_t n = ZSTD_compress(packed, sizeof packed, text, sizeof text, 3);
    if (ZSTD_isError(n) || n >= sizeof text / 10) return 1;
    size_t m = ZSTD_decompress(unpacked, sizeof unpacked, packed, n);
    if (ZSTD_isError(m) || m != sizeof text || memcmp(text, unpacked, m) != 0) {
        printf("zstd: round trip failed\n");
        return 1;
    }
    printf("ok zstd %s\n", ZSTD_versionString());
    return 0;
}
