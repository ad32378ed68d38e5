/* link: -llzma */
#include <lzma.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    uint8_t text[4096], packed[4096], unpacked[4096];
    for (size_t i = 0; i < sizeof text; i++) text[i] = (uint8_t) "nixbuild"[i % 8];
    size_t n = 0, in_pos = 0, out_pos = 0;
    if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, text, sizeof text, packed, &n, sizeof packed) != LZMA_OK)
        return 1;
    uint64_t memlimit = UINT64_MAX;
    if (lzma_stream_buffer_decode(&memlimit, 0, NULL, packed, &in_pos, n, unpacked, &out_pos, sizeof unpacked) != LZMA_OK ||
        out_pos != sizeof text || memcmp(text, unpacked, out_pos) != 0) {
        printf("xz: round trip failed\n");
        return 1;
    }
    printf("ok xz %s\n", lzma_version_string());
    return 0;
}
