#include <stdio.h>
#include <string.h>
#include "tinylz.h"

/* tinylz -V: the version; tinylz -b: compress and expand generated data, check the round trip. */
int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "-V") == 0) {
        puts("tinylz 1.0");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "-b") == 0) {
        static unsigned char data[100000], packed[200000], back[100000];
        for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)('a' + (i / 37) % 26);
        size_t p = tinylz_compress(data, sizeof data, packed);
        size_t b = tinylz_decompress(packed, p, back);
        if (b != sizeof data || memcmp(data, back, b) != 0) {
            fputs("round trip failed\n", stderr);
            return 1;
        }
        printf("round trip ok: %zu -> %zu bytes\n", sizeof data, p);
        return 0;
    }
    fputs("usage: tinylz -V | -b\n", stderr);
    return 2;
}
