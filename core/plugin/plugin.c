#include "plugin/plugin.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <libgen.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "plugin/abi.h"
#include "plugin/elfsyms.h"

void plugin_registry_init(plugin_registry *reg)
{
    memset(reg, 0, sizeof(*reg));
}

static int reject(plugin_registry *reg, const char *path, const char *fmt, ...)
    ATSB_PRINTF(3, 4);

static int reject(plugin_registry *reg, const char *path, const char *fmt, ...)
{
    char reason[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    log_warn("plugins", "refused %s: %s", path, reason);
    plugin_rejection *n = realloc(reg->rejected, (reg->n_rejected + 1) * sizeof(*n));
    if (!n)
        return -1;
    reg->rejected = n;
    n[reg->n_rejected].path = str_dup(path);
    n[reg->n_rejected].reason = str_dup(reason);
    reg->n_rejected++;
    return -1;
}

static int valid_name(const char *s, size_t max)
{
    if (str_empty(s) || strlen(s) > max)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-'))
            return 0;
    return 1;
}

static const atsb_setting_spec *setting_at(const atsb_connector *d, size_t i)
{
    return (const atsb_setting_spec *)((const char *)d->settings + i * d->setting_size);
}

int plugin_check_descriptor(const atsb_connector *d, char *reason, size_t size)
{
#define FAIL(...) do { snprintf(reason, size, __VA_ARGS__); return -1; } while (0)
    if (d->magic != ATSB_CONNECTOR_MAGIC)
        FAIL("bad magic 0x%08x (expected 0x%08x): not an atsbridge connector descriptor",
             (unsigned)d->magic, (unsigned)ATSB_CONNECTOR_MAGIC);
    /* Like PostgreSQL: on a major mismatch say only that, since the rest of
     * the struct may not even have the fields we expect. */
    if (d->abi_major != ATSB_ABI_MAJOR)
        FAIL("ABI major mismatch: connector is ABI %u.%u, host is ABI %u.%u",
             d->abi_major, d->abi_minor, ATSB_ABI_MAJOR, ATSB_ABI_MINOR);
    if (d->abi_minor > ATSB_ABI_MINOR)
        FAIL("ABI minor too new: connector needs ABI %u.%u, host supports up to %u.%u",
             d->abi_major, d->abi_minor, ATSB_ABI_MAJOR, ATSB_ABI_MINOR);
    if (d->struct_size < ABI_MIN_CONNECTOR)
        FAIL("descriptor too small: struct_size %u, ABI 1.0 needs at least %zu",
             (unsigned)d->struct_size, (size_t)ABI_MIN_CONNECTOR);
    if (!valid_name(d->name, 32))
        FAIL("invalid descriptor: name %s%s%s is missing or not [a-z0-9_-]{1,32}",
             d->name ? "\"" : "", d->name ? d->name : "(null)", d->name ? "\"" : "");
    if (str_empty(d->version))
        FAIL("invalid descriptor: connector \"%s\" has no version", d->name);
    const char *missing = !d->create ? "create" : !d->destroy ? "destroy"
                        : !d->check ? "check" : !d->list_jobs ? "list_jobs"
                        : !d->push_candidate ? "push_candidate"
                        : !d->find_candidate ? "find_candidate" : NULL;
    if (missing)
        FAIL("invalid descriptor: connector \"%s\" has no %s operation", d->name, missing);
    if (d->settings) {
        if (d->setting_size < ABI_MIN_SETTING_SPEC)
            FAIL("invalid descriptor: setting_size %u is smaller than ABI 1.0's %zu",
                 (unsigned)d->setting_size, (size_t)ABI_MIN_SETTING_SPEC);
        size_t i;
        for (i = 0; i < PLUGIN_MAX_SETTINGS && setting_at(d, i)->name; i++) {
            const atsb_setting_spec *s = setting_at(d, i);
            if (!valid_name(s->name, 64))
                FAIL("invalid descriptor: setting %zu name \"%s\" is not [a-z0-9_-]",
                     i, s->name);
            if (s->type < ATSB_SETTING_STRING || s->type > ATSB_SETTING_URL)
                FAIL("invalid descriptor: setting \"%s\" has unknown type %d", s->name,
                     (int)s->type);
            for (size_t j = 0; j < i; j++)
                if (str_eq(setting_at(d, j)->name, s->name))
                    FAIL("invalid descriptor: setting \"%s\" is declared twice", s->name);
        }
        if (i == PLUGIN_MAX_SETTINGS)
            FAIL("invalid descriptor: more than %d settings (missing NULL terminator?)",
                 PLUGIN_MAX_SETTINGS);
    }
    return 0;
#undef FAIL
}

/* Who may have written the file (or swapped it, for a directory): root or
 * the user running us, and nobody else: not another owner, not a group,
 * not others.  A directory writable by others is refused even when sticky:
 * anyone could add a .so. */
static int trusted(plugin_registry *reg, const char *path, const struct stat *st,
                   const char *what, const char *name)
{
    uid_t me = geteuid();
    if (st->st_uid != 0 && st->st_uid != me)
        return reject(reg, path, "%s%s%s is owned by uid %u, not by root or uid %u (which runs "
                      "atsbridge)", what, name ? " " : "", name ? name : "",
                      (unsigned)st->st_uid, (unsigned)me);
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return reject(reg, path, "%s%s%s is writable by group or others (mode %04o); "
                      "fix with chmod go-w", what, name ? " " : "", name ? name : "",
                      (unsigned)(st->st_mode & 07777));
    return 0;
}

/* Whether the object behind handle h was mapped from the file st
 * describes: the mapping holding its dynamic section names the device and
 * inode in /proc/self/maps. */
static int handle_is_file(void *h, const struct stat *st)
{
    struct link_map *lm = NULL;
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm)
        return 0;
    uintptr_t addr = (uintptr_t)lm->l_ld;
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return 0;
    char line[1024];
    int same = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi, off, ino;
        unsigned maj, min;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perms, &off, &maj, &min,
                   &ino) != 7)
            continue;
        if (addr >= lo && addr < hi) {
            same = ino == (unsigned long)st->st_ino && makedev(maj, min) == st->st_dev;
            break;
        }
    }
    fclose(f);
    return same;
}

/* dlopen by the descriptor we checked: the path may be swapped between
 * our checks and the loader's open (TOCTOU), /proc/self/fd/N cannot.
 * glibc hands back an object already loaded under the same name (or an
 * alias it recorded), and N is reused once closed, so an answer mapped
 * from another file sends us to another descriptor number.  The same file
 * loaded twice (SIGHUP reloads) is the same object, as with a path. */
static void *dlopen_fd(int *fd, const struct stat *st, char *name, size_t size)
{
    for (int tries = 0; tries < 64; tries++) {
        snprintf(name, size, "/proc/self/fd/%d", *fd);
        void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (!h || handle_is_file(h, st))
            return h;
        dlclose(h);
        int other = fcntl(*fd, F_DUPFD_CLOEXEC, *fd + 1);
        if (other < 0)
            return NULL;
        close(*fd);
        *fd = other;
    }
    return NULL;
}

/* Open `name` in the directory dfd once, without following a symlink,
 * check the file through that descriptor (type, owner, mode, ELF exports),
 * and load that same descriptor.  `path` is only for messages. */
static int load_at(plugin_registry *reg, int dfd, const char *name, const char *path)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ELOOP)
            return reject(reg, path, "is a symbolic link; symlinks are refused (put the file "
                          "itself in the plugin directory)");
        return reject(reg, path, "cannot open: %s", strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return reject(reg, path, "cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return reject(reg, path, "not a regular file");
    }
    if (trusted(reg, path, &st, "file", NULL) < 0) {
        close(fd);
        return -1;
    }
    /* Before dlopen, which runs the library's constructors: a file that
     * does not even export our entry point never gets to run code. */
    char reason[512];
    char **names = NULL;
    size_t n_names = 0;
    if (elf_exported_symbols_fd(fd, &names, &n_names, reason, sizeof(reason)) < 0) {
        close(fd);
        return reject(reg, path, "not a loadable shared object: %s", reason);
    }
    int exported = 0;
    for (size_t i = 0; i < n_names; i++)
        exported |= str_eq(names[i], ATSB_ENTRY_SYMBOL);
    elf_symbols_free(names, n_names);
    if (!exported) {
        close(fd);
        return reject(reg, path, "missing entry symbol %s (use ATSB_CONNECTOR_DEFINE)",
                      ATSB_ENTRY_SYMBOL);
    }
    char fdname[64];
    void *h = dlopen_fd(&fd, &st, fdname, sizeof(fdname));
    close(fd); /* the mapping stays */
    if (!h) {
        const char *e = dlerror();
        /* dlerror names /proc/self/fd/N; the admin knows the file. */
        const char *tail = e && !strncmp(e, fdname, strlen(fdname)) ? e + strlen(fdname) : NULL;
        if (tail)
            return reject(reg, path, "dlopen failed (not a loadable shared object?): %s%s",
                          path, tail);
        return reject(reg, path, "dlopen failed (not a loadable shared object?): %s",
                      e ? e : "unknown error");
    }
    dlerror();
    void *sym = dlsym(h, ATSB_ENTRY_SYMBOL);
    const char *e = dlerror();
    if (e || !sym) {
        dlclose(h);
        return reject(reg, path, "missing entry symbol %s (use ATSB_CONNECTOR_DEFINE)",
                      ATSB_ENTRY_SYMBOL);
    }
    atsb_connector_entry_fn entry;
    /* POSIX guarantees this conversion works for dlsym results. */
    memcpy(&entry, &sym, sizeof(entry));
    const atsb_connector *d = entry(ATSB_ABI_VERSION(ATSB_ABI_MAJOR, ATSB_ABI_MINOR));
    if (!d) {
        dlclose(h);
        return reject(reg, path, "entry function returned NULL (connector refused host ABI %u.%u)",
                      ATSB_ABI_MAJOR, ATSB_ABI_MINOR);
    }
    if (plugin_check_descriptor(d, reason, sizeof(reason)) < 0) {
        dlclose(h);
        return reject(reg, path, "%s", reason);
    }
    for (size_t i = 0; i < reg->n_plugins; i++) {
        if (str_eq(reg->plugins[i].desc.name, d->name)) {
            char name[64];
            str_copy(name, sizeof(name), d->name);
            dlclose(h);
            return reject(reg, path, "duplicate connector name \"%s\" (already loaded from %s)",
                          name, reg->plugins[i].path);
        }
    }

    plugin p;
    memset(&p, 0, sizeof(p));
    /* Zero-extend: fields a 1.0 connector lacks read as NULL/0. */
    memcpy(&p.desc, d, d->struct_size < sizeof(p.desc) ? d->struct_size : sizeof(p.desc));
    p.handle = h;
    p.path = str_dup(path);
    size_t n = 0;
    if (d->settings)
        while (setting_at(d, n)->name)
            n++;
    p.settings = calloc(n + 1, sizeof(*p.settings));
    plugin *grown = realloc(reg->plugins, (reg->n_plugins + 1) * sizeof(*grown));
    if (!p.path || !p.settings || !grown) {
        free(p.path);
        free(p.settings);
        if (grown)
            reg->plugins = grown;
        dlclose(h);
        return reject(reg, path, "out of memory");
    }
    /* Each entry as long as the connector's (setting_size), zero-extended
     * to ours: fields a newer connector appended are kept up to what this
     * host knows, fields an older one lacks read as 0. */
    size_t take = d->setting_size < sizeof(*p.settings) ? d->setting_size : sizeof(*p.settings);
    for (size_t i = 0; i < n; i++)
        memcpy(&p.settings[i], setting_at(d, i), take);
    p.n_settings = n;
    reg->plugins = grown;
    reg->plugins[reg->n_plugins++] = p;
    log_debug("plugins", "loaded %s %s (ABI %u.%u) from %s", p.desc.name,
              p.desc.version, p.desc.abi_major, p.desc.abi_minor, path);
    return 0;
}

/* The directory's checks, through its descriptor; the message names the
 * file being refused, as every refusal does. */
static int dir_trusted(plugin_registry *reg, const char *path, const char *dir,
                       const struct stat *st)
{
    return trusted(reg, path, st, "directory", dir);
}

int plugin_registry_load_file(plugin_registry *reg, const char *path)
{
    char *dcopy = str_dup(path), *bcopy = str_dup(path);
    int rc = -1, dfd = -1;
    if (!dcopy || !bcopy) {
        rc = reject(reg, path, "out of memory");
        goto done;
    }
    const char *dir = dirname(dcopy), *base = basename(bcopy);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (dfd < 0 || fstat(dfd, &st) != 0) {
        rc = reject(reg, path, "cannot open its directory %s: %s", dir, strerror(errno));
        goto done;
    }
    if (dir_trusted(reg, path, dir, &st) < 0)
        goto done;
    rc = load_at(reg, dfd, base, path);
done:
    if (dfd >= 0)
        close(dfd);
    free(dcopy);
    free(bcopy);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int plugin_registry_load_dir(plugin_registry *reg, const char *dir, atsb_error *err)
{
    int rc = ATSB_OK;
    char **names = NULL;
    size_t n = 0;
    DIR *d = NULL;
    free(reg->dir);
    reg->dir = str_dup(dir);
    /* Opened once: the listing, the checks and every file's openat use
     * this directory, even if the path is renamed meanwhile. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (dfd < 0 || fstat(dfd, &st) != 0) {
        rc = err_set(err, ATSB_ERR_CONFIG, "plugin directory %s: %s", dir,
                     errno == ENOTDIR ? "not a directory" : strerror(errno));
        goto done;
    }
    int lfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    if (lfd < 0 || !(d = fdopendir(lfd))) {
        if (lfd >= 0)
            close(lfd);
        rc = err_set(err, ATSB_ERR_CONFIG, "plugin directory %s: %s", dir, strerror(errno));
        goto done;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
            continue;
        char **grown = realloc(names, (n + 1) * sizeof(*names));
        if (!grown || !(grown[n] = str_dup(de->d_name))) {
            names = grown ? grown : names;
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        names = grown;
        n++;
    }
    /* Sorted, so which of two duplicates wins never depends on readdir. */
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *path = str_printf("%s/%s", dir, names[i]);
        if (!path) {
            rc = err_set(err, ATSB_ERR_INTERNAL, "out of memory");
            goto done;
        }
        if (dir_trusted(reg, path, dir, &st) == 0)
            load_at(reg, dfd, names[i], path);
        free(path);
    }
done:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (d)
        closedir(d);
    if (dfd >= 0)
        close(dfd);
    return rc;
}

const plugin *plugin_registry_find(const plugin_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->n_plugins; i++)
        if (str_eq(reg->plugins[i].desc.name, name))
            return &reg->plugins[i];
    return NULL;
}

void plugin_registry_free(plugin_registry *reg)
{
    for (size_t i = 0; i < reg->n_plugins; i++) {
        free(reg->plugins[i].path);
        free(reg->plugins[i].settings);
        if (reg->plugins[i].handle)
            dlclose(reg->plugins[i].handle);
    }
    for (size_t i = 0; i < reg->n_rejected; i++) {
        free(reg->rejected[i].path);
        free(reg->rejected[i].reason);
    }
    free(reg->plugins);
    free(reg->rejected);
    free(reg->dir);
    plugin_registry_init(reg);
}

const atsb_setting_spec *plugin_setting(const plugin *p, const char *name)
{
    for (size_t i = 0; i < p->n_settings; i++)
        if (str_eq(p->settings[i].name, name))
            return &p->settings[i];
    return NULL;
}

void plugin_caps_string(uint32_t caps, char *buf, size_t size)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        { ATSB_CAP_LIST_JOBS, "list-jobs" },
        { ATSB_CAP_PUSH_CANDIDATE, "push-candidate" },
        { ATSB_CAP_FIND_CANDIDATE, "find-candidate" },
        { ATSB_CAP_INCREMENTAL, "incremental" },
#ifdef ATSB_CAP_RESUMABLE /* absent from the frozen 1.0 header tests/tools/abi_host builds with */
        { ATSB_CAP_RESUMABLE, "resumable" },
#endif
    };
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (caps & names[i].bit)
            sb_printf(&sb, "%s%s", sb.len ? "," : "", names[i].name);
    str_copy(buf, size, sb.len ? sb.data : "-");
    sb_free(&sb);
}
