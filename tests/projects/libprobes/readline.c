/* link: -lreadline */
#include <stdio.h>
#include <string.h>
#include <readline/history.h>
#include <readline/readline.h>

int main(void) {
    using_history();
    add_history("first");
    add_history("second");
    HIST_ENTRY *e = history_get(history_base + 1);
    if (history_length != 2 || e == NULL || strcmp(e->line, "second") != 0) {
        printf("readline: history has %d entries\n", history_length);
        return 1;
    }
    char *expanded = NULL;
    /* "!!" is the previous line, "!f" the last one starting with f. */
    if (history_expand("echo !f", &expanded) != 1 || strcmp(expanded, "echo first") != 0) {
        printf("readline: history_expand gave %s\n", expanded ? expanded : "(null)");
        return 1;
    }
    printf("ok readline %s\n", rl_library_version);
    return 0;
}
