/* hello-zlib: greets, then compresses the greeting with zlib and checks that
 * it comes back unchanged.
 *
 *   hello-zlib    prints the greeting, zlib's version, the compressed size
 *                 and the CRC-32 of the greeting
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(void) {
    static const char greeting[] = "Hello from nixbuild, compressed by zlib!";
    unsigned char packed[128], unpacked[128];
    uLongf plen = sizeof packed, ulen = sizeof unpacked;
    printf("%s\n", greeting);
    printf("zlib %s\n", zlibVersion());
    if (compress2(packed, &plen, (const Bytef *)greeting, sizeof greeting, Z_BEST_COMPRESSION) != Z_OK ||
        uncompress(unpacked, &ulen, packed, plen) != Z_OK ||
        ulen != sizeof greeting || memcmp(unpacked, greeting, ulen) != 0) {
        fprintf(stderr, "zlib round trip failed\n");
        return 1;
    }
    printf("round-trip ok (%lu bytes compressed)\n", (unsigned long)plen);
    printf("crc32 %08lx\n", crc32(0L, (const Bytef *)greeting, sizeof greeting - 1));
    return 0;
}
