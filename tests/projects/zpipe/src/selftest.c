#include <string.h>
#include <zlib.h>
#include "zpipe.h"

int zpipe_selftest(void) {
    static const char text[] = "zpipe: the quick brown fox jumps over the lazy dog";
    unsigned char packed[256], unpacked[256];
    uLongf plen = sizeof packed, ulen = sizeof unpacked;
    if (compress(packed, &plen, (const Bytef *)text, sizeof text) != Z_OK) return 1;
    if (uncompress(unpacked, &ulen, packed, plen) != Z_OK) return 1;
    printf("zlib %s\n", zlibVersion());
    printf("crc32 %08lx\n", crc32(0L, (const Bytef *)text, sizeof text - 1));
    printf("round-trip %s\n", ulen == sizeof text && memcmp(text, unpacked, ulen) == 0 ? "ok" : "FAILED");
    return 0;
}
