/* squash: stdin gzipped to stdout; as "unsquash" (or with -d): expanded. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static int copy(gzFile in, FILE *out) {
    char buf[16384];
    int n;
    while ((n = gzread(in, buf, sizeof buf)) > 0)
        if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) return 1;
    return n < 0;
}

int main(int argc, char **argv) {
    const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int expand = strcmp(self, "unsquash") == 0 || (argc > 1 && strcmp(argv[1], "-d") == 0);
    if (argc > 1 && strcmp(argv[1], "-V") == 0) {
        printf("squash with zlib %s\n", zlibVersion());
        return 0;
    }
    if (expand) {
        gzFile in = gzdopen(0, "rb");
        return in == NULL || copy(in, stdout) || gzclose(in) != Z_OK;
    }
    gzFile out = gzdopen(1, "wb9");
    char buf[16384];
    size_t n;
    if (out == NULL) return 1;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (gzwrite(out, buf, (unsigned)n) != (int)n) return 1;
    return gzclose(out) != Z_OK;
}
