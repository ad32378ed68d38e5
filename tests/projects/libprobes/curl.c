/* link: -lcurl */
/* Reads a file through a file:// URL (no network) and escapes a string. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static char got[64];
static size_t got_len = 0;

static size_t on_data(char *ptr, size_t size, size_t n, void *user) {
    (void)user;
    size_t len = size * n;
    if (got_len + len >= sizeof got) return 0;
    memcpy(got + got_len, ptr, len);
    got_len += len;
    return len;
}

int main(void) {
    const char *path = "/tmp/curl-probe.txt";
    FILE *f = fopen(path, "w");
    if (f == NULL) return 1;
    fputs("hello through curl\n", f);
    fclose(f);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, "file:///tmp/curl-probe.txt");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    CURLcode rc = curl_easy_perform(h);
    char *escaped = curl_easy_escape(h, "a b&c", 0);
    if (rc != CURLE_OK || strcmp(got, "hello through curl\n") != 0 || strcmp(escaped, "a%20b%26c") != 0) {
        printf("curl: %s, read %zu bytes, escaped %s\n", curl_easy_strerror(rc), got_len, escaped);
        return 1;
    }
    curl_free(escaped);
    curl_easy_cleanup(h);
    curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    printf("ok curl %s %s\n", info->version, info->ssl_version ? info->ssl_version : "");
    curl_global_cleanup();
    return 0;
}
