/* Runs every probe of this directory in one program: the Makefile compiles
 * each <attr>.c with -Dmain=probe_<attr>. Prints each probe's line and exits
 * non-zero if any probe failed. */
#include <stdio.h>

#define PROBES                                                                  \
    X(bzip2) X(curl) X(expat) X(icu) X(libcap) X(libevent) X(libffi) X(libuv)  \
    X(libxcrypt) X(libyaml) X(lz4) X(ncurses) X(openssl) X(pcre2) X(readline) \
    X(sqlite) X(xz) X(zlib) X(zstd)

#define X(name) int probe_##name(void);
PROBES
#undef X

int main(void) {
    int failed = 0;
#define X(name)                                  \
    if (probe_##name() != 0) {                   \
        printf("FAILED %s\n", #name);            \
        failed = 1;                              \
    }                                            \
    fflush(stdout);
    PROBES
#undef X
    return failed;
}
