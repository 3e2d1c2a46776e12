#include "plugin/elfsyms.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

void elf_symbols_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

int elf_exported_symbols(const char *path, char ***names, size_t *count, char *reason,
                         size_t size)
{
    *names = NULL;
    *count = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(reason, size, "cannot open: %s", strerror(errno));
        return -1;
    }
    int rc = elf_exported_symbols_fd(fd, names, count, reason, size);
    close(fd);
    return rc;
}

int elf_exported_symbols_fd(int fd, char ***names, size_t *count, char *reason, size_t size)
{
    *names = NULL;
    *count = 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        snprintf(reason, size, "not an ELF file");
        return -1;
    }
    size_t len = (size_t)st.st_size;
    const unsigned char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        snprintf(reason, size, "cannot map: %s", strerror(errno));
        return -1;
    }
    int rc = -1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
        snprintf(reason, size, "not a 64-bit ELF file");
        goto done;
    }
    /* Bounds by subtraction: the loader parses this before dlopen, so
     * offsets near 2^64 must not wrap past the checks. */
    if (eh->e_shoff == 0 || eh->e_shoff > len ||
        (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > len - eh->e_shoff) {
        snprintf(reason, size, "ELF section table out of bounds");
        goto done;
    }
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNSYM)
            continue;
        if (sh[i].sh_link >= eh->e_shnum || sh[i].sh_offset > len ||
            sh[i].sh_size > len - sh[i].sh_offset ||
            sh[i].sh_entsize != sizeof(Elf64_Sym))
            break;
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        if (strs->sh_offset > len || strs->sh_size > len - strs->sh_offset)
            break;
        const Elf64_Sym *sym = (const Elf64_Sym *)(m + sh[i].sh_offset);
        size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
        for (size_t k = 0; k < n; k++) {
            int bind = ELF64_ST_BIND(sym[k].st_info), type = ELF64_ST_TYPE(sym[k].st_info);
            if (sym[k].st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK) ||
                (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE && type != STT_GNU_IFUNC) ||
                ELF64_ST_VISIBILITY(sym[k].st_other) != STV_DEFAULT)
                continue;
            if (sym[k].st_name >= strs->sh_size)
                continue;
            const char *name = (const char *)(m + strs->sh_offset + sym[k].st_name);
            size_t room = strs->sh_size - sym[k].st_name;
            if (!*name || strnlen(name, room) == room) /* empty, or unterminated */
                continue;
            char **g = realloc(*names, (*count + 1) * sizeof(char *));
            if (!g)
                goto done;
            *names = g;
            (*names)[(*count)++] = str_dup(name);
        }
        rc = 0;
        goto done;
    }
    snprintf(reason, size, "no dynamic symbol table");
done:
    munmap((void *)m, len);
    if (rc) {
        elf_symbols_free(*names, *count);
        *names = NULL;
        *count = 0;
    }
    return rc;
}
