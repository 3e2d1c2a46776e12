/* The dynamic symbols a shared object defines (what it exports), read from
 * its ELF .dynsym without loading it. */
#ifndef ATSB_CORE_ELFSYMS_H
#define ATSB_CORE_ELFSYMS_H

#include <stddef.h>

/* Fills *names (malloc'd array of malloc'd strings) with the exported
 * function and object symbols; 0 ok, -1 with reason. */
int elf_exported_symbols(const char *path, char ***names, size_t *count, char *reason,
                         size_t size);
/* The same, read through an open descriptor (not closed, offset unused):
 * the loader checks the very file it then dlopens. */
int elf_exported_symbols_fd(int fd, char ***names, size_t *count, char *reason, size_t size);
void elf_symbols_free(char **names, size_t count);

#endif
