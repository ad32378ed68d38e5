/* link: -lexpat */
#include <expat.h>
#include <stdio.h>
#include <string.h>

static int elements = 0, with_x = 0;

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attrs) {
    (void)data;
    (void)name;
    elements++;
    for (int i = 0; attrs[i] != NULL; i += 2)
        if (strcmp(attrs[i], "x") == 0) with_x++;
}

static void XMLCALL on_end(void *data, const XML_Char *name) {
    (void)data;
    (void)name;
}

int main(void) {
    const char *doc = "<a><b x='1'/><b x='2'/><c/></a>";
    XML_Parser p = XML_ParserCreate(NULL);
    XML_SetElementHandler(p, on_start, on_end);
    if (XML_Parse(p, doc, (int)strlen(doc), 1) != XML_STATUS_OK || elements != 4 || with_x != 2) {
        printf("expat: %d elements, %d with x\n", elements, with_x);
        return 1;
    }
    XML_ParserFree(p);
    printf("ok expat %s\n", XML_ExpatVersion());
    return 0;
}
