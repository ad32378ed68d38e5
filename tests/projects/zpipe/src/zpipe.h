#ifndef ZPIPE_H
#define ZPIPE_H
#include <stdio.h>
int zpipe_deflate(FILE *source, FILE *dest, int level);
int zpipe_inflate(FILE *source, FILE *dest);
int zpipe_selftest(void);
#endif
