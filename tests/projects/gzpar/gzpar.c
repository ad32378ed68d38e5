/* gzpar: compresses a block on a worker thread with zlib and checks it
 * round-trips; --selftest prints what a user checks after building it. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include "yarn.h"

static const char text[] = "gzpar: the quick brown fox jumps over the lazy dog";

struct job {
    unsigned char packed[256];
    uLongf plen;
    int status;
};

static void *deflate_block(void *arg) {
    struct job *job = arg;
    job->plen = sizeof job->packed;
    job->status = compress2(job->packed, &job->plen, (const Bytef *)text, sizeof text, Z_BEST_COMPRESSION);
    return NULL;
}

int main(int argc, char **argv) {
    struct job job;
    unsigned char unpacked[256];
    uLongf ulen = sizeof unpacked;
    const char *name = strrchr(argv[0], '/');
    if (yarn_run(deflate_block, &job, NULL) != 0 || job.status != Z_OK) return 1;
    if (uncompress(unpacked, &ulen, job.packed, job.plen) != Z_OK) return 1;
    printf("%s %s, zlib %s\n", name ? name + 1 : argv[0], argc > 1 ? argv[1] : "", zlibVersion());
    printf("crc32 %08lx, ratio %.2f\n", crc32(0L, (const Bytef *)text, sizeof text - 1),
           floor(100.0 * job.plen / sizeof text) / 100.0);
    printf("round-trip %s\n", ulen == sizeof text && memcmp(text, unpacked, ulen) == 0 ? "ok" : "FAILED");
    return 0;
}
