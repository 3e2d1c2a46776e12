/* The US-location rule on hostile text: up to four newline-separated fields
 * (country code, region, city, free text), any of them absent. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sync/location.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *field[4] = { NULL, NULL, NULL, NULL };
    char *p = copy;
    for (int i = 0; i < 4 && p; i++) {
        field[i] = *p == '\x01' ? NULL : p;  /* \x01 alone: the field is absent */
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        p = nl ? nl + 1 : NULL;
    }
    location_input in = { field[0], field[1], field[2], field[3] };
    char country[8];
    location_verdict v = location_classify(&in, country, sizeof(country));
    /* The contract: a known verdict, and a code only with a verdict. */
    if (v != LOCATION_UNKNOWN && v != LOCATION_US && v != LOCATION_NON_US)
        abort();
    if (strlen(country) >= sizeof(country) || (v == LOCATION_US && strcmp(country, "US") != 0 && country[0]))
        abort();
    free(copy);
    return 0;
}
