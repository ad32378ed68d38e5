#include "config.h"
#include <stdio.h>

int main(void) {
    printf("Hello from %s %s, configured for %s!\n", PACKAGE_NAME, PACKAGE_VERSION, BUILT_FOR);
    return 0;
}
