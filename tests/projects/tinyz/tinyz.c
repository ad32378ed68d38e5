#include "tinyz.h"

const char *tinyz_version(void) { return TINYZ_VERSION; }

size_t tinyz_pack(const unsigned char *src, size_t n, unsigned char *dst) {
    size_t i = 0, out = 0;
    while (i < n) {
        unsigned char c = src[i], run = 1;
        while (i + run < n && src[i + run] == c && run < 255) run++;
        dst[out++] = run;
        dst[out++] = c;
        i += run;
    }
    return out;
}

size_t tinyz_unpack(const unsigned char *src, size_t n, unsigned char *dst) {
    size_t out = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        for (unsigned char k = 0; k < src[i]; k++) dst[out++] = src[i + 1];
    return out;
}

unsigned long tinyz_adler32(const unsigned char *buf, size_t n) {
    unsigned long a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + buf[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}
