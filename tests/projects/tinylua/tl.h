#ifndef TL_H
#define TL_H
/* The makefile's CC carries the configuration, as lua's `CC= gcc -std=gnu99` does. */
#ifndef TL_MAXDEPTH
#error "tinylua must be built with the makefile's CC (it defines TL_MAXDEPTH)"
#endif

double tl_eval(const char **s, int depth);
double tl_number(const char **s);
#endif
