/* link: -licuuc */
/* Full case mapping from ICU's data: German sharp s upper-cases to "SS". */
#include <stdio.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/uversion.h>

int main(void) {
    UErrorCode err = U_ZERO_ERROR;
    UChar src[16], upper[16];
    u_strFromUTF8(src, 16, NULL, "stra\xc3\x9f" "e", -1, &err);
    int32_t n = u_strToUpper(upper, 16, src, -1, "de", &err);
    char out[32];
    u_strToUTF8(out, sizeof out, NULL, upper, n, &err);
    if (U_FAILURE(err) || n != 7 || u_charType(0x00DF) != U_LOWERCASE_LETTER) {
        printf("icu: %s (%s)\n", out, u_errorName(err));
        return 1;
    }
    UVersionInfo v;
    char version[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(v);
    u_versionToString(v, version);
    printf("ok icu %s %s\n", version, out);
    return 0;
}
