/* link: -levent */
#include <event2/event.h>
#include <stdio.h>

static int fired = 0;

static void on_timer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)arg;
    if (what & EV_TIMEOUT) fired++;
}

int main(void) {
    struct event_base *base = event_base_new();
    if (base == NULL) return 1;
    struct timeval tv = {0, 10000};
    struct event *ev = evtimer_new(base, on_timer, NULL);
    evtimer_add(ev, &tv);
    event_base_dispatch(base);
    event_free(ev);
    event_base_free(base);
    if (fired != 1) {
        printf("libevent: the timer fired %d times\n", fired);
        return 1;
    }
    printf("ok libevent %s\n", event_get_version());
    return 0;
}
