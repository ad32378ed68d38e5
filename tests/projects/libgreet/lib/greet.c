#include <stdio.h>
#include "greet.h"

const char *greet_version(void) { return "libgreet 1.0.0"; }

void greet(const char *greeting, const char *who) { printf("%s, %s!\n", greeting, who); }
