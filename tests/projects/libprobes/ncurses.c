/* link: -lncursesw -ltinfo */
/* Functions that need no terminal: key names and control-character
 * rendering come from ncurses' own tables. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    const char *up = keyname(KEY_UP);
    const char *ctrl_a = unctrl(1);
    if (up == NULL || strcmp(up, "KEY_UP") != 0 || ctrl_a == NULL || strcmp(ctrl_a, "^A") != 0) {
        printf("ncurses: keyname(KEY_UP)=%s unctrl(1)=%s\n", up ? up : "(null)", ctrl_a ? ctrl_a : "(null)");
        return 1;
    }
    printf("ok ncurses %s\n", curses_version());
    return 0;
}
