#include <stdlib.h>
#include "tl.h"

double tl_number(const char **s) {
    char *end;
    double v = strtod(*s, &end);
    *s = end;
    return v;
}
