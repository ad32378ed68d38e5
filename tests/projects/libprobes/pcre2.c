/* link: -lpcre2-8 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR) "(\\d+)-(\\d+)", PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);
    if (re == NULL) return 1;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    const char *subject = "range 12-345 end";
    int rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, NULL);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (rc != 3 || ov[4] != 9 || ov[5] != 12) {
        printf("pcre2: rc %d\n", rc);
        return 1;
    }
    char version[32];
    pcre2_config(PCRE2_CONFIG_VERSION, version);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    printf("ok pcre2 %s\n", version);
    return 0;
}
