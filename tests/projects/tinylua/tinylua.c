#include <stdio.h>
#include <string.h>
#include "tl.h"

/* tinylua -e EXPR: prints the value of an arithmetic expression, as `lua -e 'print(EXPR)'` would. */
int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "-e") == 0) {
        const char *s = argv[2];
        printf("%.14g\n", tl_eval(&s, 0));
        return *s == '\0' ? 0 : 1;
    }
    fprintf(stderr, "usage: tinylua -e EXPR\n");
    return 1;
}
