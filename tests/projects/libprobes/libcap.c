/* link: -lcap */
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

int main(void) {
    cap_t caps = cap_from_text("cap_net_bind_service,cap_chown=ep");
    if (caps == NULL) return 1;
    cap_flag_value_t v = CAP_CLEAR;
    cap_get_flag(caps, CAP_NET_BIND_SERVICE, CAP_EFFECTIVE, &v);
    char *text = cap_to_text(caps, NULL);
    if (v != CAP_SET || text == NULL || strcmp(text, "cap_chown,cap_net_bind_service=ep") != 0) {
        printf("libcap: %s\n", text ? text : "(null)");
        return 1;
    }
    cap_free(text);
    cap_free(caps);
    printf("ok libcap %s\n", cap_to_name(CAP_CHOWN));
    return 0;
}
