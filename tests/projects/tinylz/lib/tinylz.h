#ifndef TINYLZ_H
#define TINYLZ_H
#include <stddef.h>
/* Run-length coding: (count, byte) pairs. */
size_t tinylz_compress(const unsigned char *in, size_t n, unsigned char *out);
size_t tinylz_decompress(const unsigned char *in, size_t n, unsigned char *out);
#endif
