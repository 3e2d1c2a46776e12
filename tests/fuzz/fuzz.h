/* Shared by the libFuzzer targets and by replay.c, which runs the same
 * targets over the stored corpora in the ordinary test suite (gcc, no
 * libFuzzer), so every seed and every crash input kept as a regression seed
 * is checked on every `make test`. */
#ifndef ATSB_TESTS_FUZZ_H
#define ATSB_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
