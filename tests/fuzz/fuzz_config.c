/* The config loader on hostile text: libconfig's parser plus our
 * validation.  Either it loads or it says why, naming a line. */
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/util.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    config cfg;
    memset(&cfg, 0, sizeof(cfg));
    atsb_error err = ATSB_ERROR_INIT;
    int rc = config_load_string(&cfg, "fuzz.conf", text, &err);
    if (rc != ATSB_OK && (rc != ATSB_ERR_CONFIG || !err.message[0]))
        abort(); /* every refusal is a config error with a message */
    if (rc == ATSB_OK && (cfg.workers < 1 || !cfg.store_path))
        abort();
    config_free(&cfg);
    free(text);
    return 0;
}
