/* link: -luv */
#include <stdio.h>
#include <uv.h>

static int fired = 0;

static void on_timer(uv_timer_t *t) {
    fired++;
    uv_close((uv_handle_t *)t, NULL);
}

int main(void) {
    uv_loop_t loop;
    uv_timer_t timer;
    if (uv_loop_init(&loop) != 0) return 1;
    uv_timer_init(&loop, &timer);
    uv_timer_start(&timer, on_timer, 5, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (fired != 1) {
        printf("libuv: the timer fired %d times\n", fired);
        return 1;
    }
    printf("ok libuv %s\n", uv_version_string());
    return 0;
}
