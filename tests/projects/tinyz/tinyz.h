#ifndef TINYZ_H
#define TINYZ_H
#define TINYZ_VERSION "1.3.1"
#include <stddef.h>
const char *tinyz_version(void);
/* Run-length encode src into dst (pairs of count, byte); returns the length. */
size_t tinyz_pack(const unsigned char *src, size_t n, unsigned char *dst);
size_t tinyz_unpack(const unsigned char *src, size_t n, unsigned char *dst);
unsigned long tinyz_adler32(const unsigned char *buf, size_t n);
#endif
