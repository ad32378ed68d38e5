#ifndef METER_H
#define METER_H
#include <stddef.h>

/* Draws a bar of `width` cells, `percent` of them filled with '#', into buf (NUL-terminated).
   Returns the number of filled cells. */
int meter_bar(char *buf, size_t size, int width, int percent);

#endif
