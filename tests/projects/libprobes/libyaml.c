/* link: -lyaml */
#include <stdio.h>
#include <string.h>
#include <yaml.h>

int main(void) {
    const char *doc = "a: 1\nb: [2, 3]\n";
    yaml_parser_t parser;
    yaml_event_t event;
    int scalars = 0, sequences = 0, done = 0;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)doc, strlen(doc));
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) return 1;
        if (event.type == YAML_SCALAR_EVENT) scalars++;
        if (event.type == YAML_SEQUENCE_START_EVENT) sequences++;
        done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    if (scalars != 5 || sequences != 1) {
        printf("libyaml: %d scalars, %d sequences\n", scalars, sequences);
        return 1;
    }
    printf("ok libyaml %s\n", yaml_get_version_string());
    return 0;
}
