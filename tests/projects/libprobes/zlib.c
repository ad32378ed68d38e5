/* link: -lz */
/* CRC-32 check value of "123456789" is 0xcbf43926; plus a round trip. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(void) {
    unsigned long crc = crc32(0L, (const Bytef *)"123456789", 9);
    unsigned char text[4096], packed[4096], unpacked[4096];
    for (size_t i = 0; i < sizeof text; i++) text[i] = (unsigned char)"nixbuild"[i % 8];
    uLongf n = sizeof packed, m = sizeof unpacked;
    if (crc != 0xcbf43926UL || compress(packed, &n, text, sizeof text) != Z_OK ||
        uncompress(unpacked, &m, packed, n) != Z_OK || m != sizeof text || memcmp(text, unpacked, m) != 0) {
        printf("zlib: crc %lx\n", crc);
        return 1;
    }
    printf("ok zlib %s\n", zlibVersion());
    return 0;
}
