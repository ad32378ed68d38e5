#include "tinylz.h"

size_t tinylz_compress(const unsigned char *in, size_t n, unsigned char *out) {
    size_t i = 0, o = 0;
    while (i < n) {
        unsigned char c = in[i];
        size_t run = 1;
        while (i + run < n && in[i + run] == c && run < 255) run++;
        out[o++] = (unsigned char)run;
        out[o++] = c;
        i += run;
    }
    return o;
}

size_t tinylz_decompress(const unsigned char *in, size_t n, unsigned char *out) {
    size_t o = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        for (unsigned k = 0; k < in[i]; k++) out[o++] = in[i + 1];
    return o;
}
