/* yarn: a small thread helper, after pigz's yarn.c. */
#ifndef YARN_H
#define YARN_H
typedef void *(*yarn_fn)(void *);
int yarn_run(yarn_fn fn, void *arg, void **result);
#endif
