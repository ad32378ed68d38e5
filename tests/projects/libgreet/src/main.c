/* greet [NAME]: greets NAME with the greeting in ../share/greet/greeting.txt
 * (relative to the program), or "Hello" when that file is missing. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "greet.h"

int main(int argc, char **argv) {
    char exe[PATH_MAX], path[PATH_MAX + 32], greeting[128] = "Hello";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        snprintf(path, sizeof path, "%s/../share/greet/greeting.txt", exe);
        FILE *f = fopen(path, "r");
        if (f) {
            if (fgets(greeting, sizeof greeting, f)) greeting[strcspn(greeting, "\n")] = '\0';
            fclose(f);
        }
    }
    printf("%s\n", greet_version());
    greet(greeting, argc > 1 ? argv[1] : "world");
    return 0;
}
