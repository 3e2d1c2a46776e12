/* The candidate record validator on hostile bytes: everything intake checks
 * before a record may be stored (ids, names, control characters, caps,
 * transcript, assessment, the resume's form and an inline PDF's check).
 * It accepts, or refuses naming a field; nothing else. */
#include <stdlib.h>
#include <string.h>

#include "cands/cand_import.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[512];
    why[0] = '\0';
    int rc = cand_record_validate((const char *)data, size, why, sizeof(why));
    if (rc != 0 && (rc != -1 || !why[0] || strnlen(why, sizeof(why)) == sizeof(why)))
        abort();
    return 0;
}
