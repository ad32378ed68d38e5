#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "meter.h"

/* Reads its meter from SYSCONFDIR/tinytoprc (the configure prefix's etc/, compiled in, as
   htop's is), draws it with libmeter, and puts a full block through ncursesw's complex
   characters (setcchar/getcchar: wide-character curses, no terminal needed). */
int main(void) {
    char name[32], bar[64];
    int percent;
    FILE *rc = fopen(SYSCONFDIR "/tinytoprc", "r");
    if (rc == NULL || fscanf(rc, "meter = %31s %d", name, &percent) != 2) {
        fprintf(stderr, "tinytop: cannot read %s\n", SYSCONFDIR "/tinytoprc");
        return 1;
    }
    fclose(rc);
    if (meter_bar(bar, sizeof bar, TT_METER_WIDTH, percent) < 0)
        return 1;
    setlocale(LC_ALL, "C.UTF-8");
    cchar_t cell;
    wchar_t in[] = L"\u2588", out[CCHARW_MAX + 1] = {0};
    attr_t attrs;
    short pair;
    if (setcchar(&cell, in, A_BOLD, 0, NULL) != OK || getcchar(&cell, out, &attrs, &pair, NULL) != OK) {
        fputs("tinytop: cchar round trip failed\n", stderr);
        return 1;
    }
    printf("%s %s: %s %s %d%% U+%04X %s\n", PACKAGE_NAME, PACKAGE_VERSION, name, bar, percent,
           (unsigned)out[0], (attrs & A_BOLD) ? "bold" : "plain");
    return out[0] == in[0] ? 0 : 1;
}
