#include <pthread.h>
#include "yarn.h"

/* Run fn(arg) on a thread of its own and wait for it. */
int yarn_run(yarn_fn fn, void *arg, void **result) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, fn, arg) != 0) return -1;
    return pthread_join(thread, result);
}
