#ifndef GREET_H
#define GREET_H
const char *greet_version(void);
void greet(const char *greeting, const char *who);
#endif
