/* zpipe: `zpipe < in > out` deflates, `zpipe -d < in > out` inflates,
 * `zpipe --selftest` checks a round trip in memory and prints the CRC-32. */
#include <string.h>
#include <zlib.h>
#include "zpipe.h"

#define CHUNK 16384

int zpipe_deflate(FILE *source, FILE *dest, int level) {
    unsigned char in[CHUNK], out[CHUNK];
    z_stream strm = {0};
    int flush, ret = deflateInit(&strm, level);
    if (ret != Z_OK) return ret;
    do {
        strm.avail_in = fread(in, 1, CHUNK, source);
        if (ferror(source)) { deflateEnd(&strm); return Z_ERRNO; }
        flush = feof(source) ? Z_FINISH : Z_NO_FLUSH;
        strm.next_in = in;
        do {
            strm.avail_out = CHUNK;
            strm.next_out = out;
            deflate(&strm, flush);
            size_t have = CHUNK - strm.avail_out;
            if (fwrite(out, 1, have, dest) != have) { deflateEnd(&strm); return Z_ERRNO; }
        } while (strm.avail_out == 0);
    } while (flush != Z_FINISH);
    deflateEnd(&strm);
    return Z_OK;
}

int zpipe_inflate(FILE *source, FILE *dest) {
    unsigned char in[CHUNK], out[CHUNK];
    z_stream strm = {0};
    int ret = inflateInit(&strm);
    if (ret != Z_OK) return ret;
    do {
        strm.avail_in = fread(in, 1, CHUNK, source);
        if (ferror(source)) { inflateEnd(&strm); return Z_ERRNO; }
        if (strm.avail_in == 0) break;
        strm.next_in = in;
        do {
            strm.avail_out = CHUNK;
            strm.next_out = out;
            ret = inflate(&strm, Z_NO_FLUSH);
            if (ret == Z_NEED_DICT || ret == Z_DATA_ERROR || ret == Z_MEM_ERROR) { inflateEnd(&strm); return Z_DATA_ERROR; }
            size_t have = CHUNK - strm.avail_out;
            if (fwrite(out, 1, have, dest) != have) { inflateEnd(&strm); return Z_ERRNO; }
        } while (strm.avail_out == 0);
    } while (ret != Z_STREAM_END);
    inflateEnd(&strm);
    return ret == Z_STREAM_END ? Z_OK : Z_DATA_ERROR;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--selftest") == 0) return zpipe_selftest();
    if (argc == 2 && strcmp(argv[1], "-d") == 0) return zpipe_inflate(stdin, stdout) == Z_OK ? 0 : 1;
    if (argc == 1) return zpipe_deflate(stdin, stdout, Z_DEFAULT_COMPRESSION) == Z_OK ? 0 : 1;
    fputs("usage: zpipe [-d | --selftest] < source > dest\n", stderr);
    return 2;
}
