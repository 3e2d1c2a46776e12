/* The resume validator on hostile PDFs, with the default limits: the check
 * every PDF resume passes at intake before it can reach a render.  It
 * accepts or refuses with a reason; it never crashes, and what it accepts
 * has pages. */
#include <stdlib.h>

#include "cands/profile.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    atsb_error err = ATSB_ERROR_INIT;
    int pages = 0;
    int rc = profile_check_pdf(data, size, NULL, &pages, &err);
    if (rc == 0 && pages < 1)
        abort();
    if (rc != 0 && !err.message[0])
        abort();
    return 0;
}
