/* link: -lcrypt */
/* SHA-256 crypt ("Unix crypt using SHA-256 and SHA-512") of the first input
 * of that specification's tests; the expected hash is what an independent
 * implementation, `openssl passwd -5 -salt saltstring 'Hello world!'`, gives. */
#include <crypt.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    const char *want = "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5";
    const char *got = crypt("Hello world!", "$5$saltstring");
    if (got == NULL || strcmp(got, want) != 0) {
        printf("libxcrypt: crypt gave %s, want %s\n", got ? got : "(null)", want);
        return 1;
    }
    /* A hash verifies against itself as setting (crypt reuses its buffer:
     * copy the hash first). */
    char setting[128];
    snprintf(setting, sizeof setting, "%s", got);
    if (strcmp(crypt("Hello world!", setting), want) != 0) {
        printf("libxcrypt: verification failed\n");
        return 1;
    }
    printf("ok libxcrypt %s\n", crypt_preferred_method());
    return 0;
}
