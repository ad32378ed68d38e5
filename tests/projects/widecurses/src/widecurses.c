#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <wchar.h>

/* Wide-character curses without a terminal: a complex character built and read back
   (setcchar/getcchar are in ncursesw only), and the library's version. */
int main(void) {
    setlocale(LC_ALL, "C.UTF-8");
    cchar_t cell;
    wchar_t in[] = L"\u00e9", out[CCHARW_MAX + 1] = {0};
    attr_t attrs;
    short pair;
    if (setcchar(&cell, in, A_BOLD, 0, NULL) != OK || getcchar(&cell, out, &attrs, &pair, NULL) != OK) {
        fputs("cchar round trip failed\n", stderr);
        return 1;
    }
    printf("%s: U+%04X %s\n", curses_version(), (unsigned)out[0], (attrs & A_BOLD) ? "bold" : "plain");
    return out[0] == in[0] ? 0 : 1;
}
