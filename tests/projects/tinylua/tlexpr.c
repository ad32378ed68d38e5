#include <math.h>
#include "tl.h"

/* expr := term (('+'|'-') term)*; term := factor (('*'|'/'|'^') factor)*; factor := number | '(' expr ')' */
static double factor(const char **s, int depth) {
    if (depth > TL_MAXDEPTH)
        return NAN;
    while (**s == ' ')
        (*s)++;
    if (**s == '(') {
        (*s)++;
        double v = tl_eval(s, depth + 1);
        if (**s == ')')
            (*s)++;
        return v;
    }
    return tl_number(s);
}

static double term(const char **s, int depth) {
    double v = factor(s, depth);
    for (;;) {
        while (**s == ' ')
            (*s)++;
        char op = **s;
        if (op != '*' && op != '/' && op != '^')
            return v;
        (*s)++;
        double r = factor(s, depth);
        v = op == '*' ? v * r : op == '/' ? v / r : pow(v, r);
    }
}

double tl_eval(const char **s, int depth) {
    double v = term(s, depth);
    for (;;) {
        while (**s == ' ')
            (*s)++;
        char op = **s;
        if (op != '+' && op != '-')
            return v;
        (*s)++;
        double r = term(s, depth);
        v = op == '+' ? v + r : v - r;
    }
}
