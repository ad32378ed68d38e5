#include "meter.h"

int meter_bar(char *buf, size_t size, int width, int percent) {
    int filled = width * percent / 100, i;
    if (size < (size_t)width + 3)
        return -1;
    buf[0] = '[';
    for (i = 0; i < width; i++)
        buf[i + 1] = i < filled ? '#' : '-';
    buf[width + 1] = ']';
    buf[width + 2] = '\0';
    return filled;
}
