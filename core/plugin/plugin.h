/* Connector loading: scan a directory, dlopen each *.so, check the ABI
 * handshake and the descriptor, and keep a registry of what loaded and what
 * was refused (with one line of reason per file). */
#ifndef ATSB_CORE_PLUGIN_H
#define ATSB_CORE_PLUGIN_H

#include <stddef.h>

#include "atsbridge/connector.h"

#define PLUGIN_MAX_SETTINGS 64

typedef struct plugin {
    char *path;
    void *handle;                   /* dlopen handle; NULL for built-ins */
    atsb_connector desc;            /* copy, zero-extended to our size */
    atsb_setting_spec *settings;    /* normalised copy (strings point into the .so) */
    size_t n_settings;
} plugin;

typedef struct plugin_rejection {
    char *path;
    char *reason;
} plugin_rejection;

typedef struct plugin_registry {
    char *dir;
    plugin *plugins;
    size_t n_plugins;
    plugin_rejection *rejected;
    size_t n_rejected;
} plugin_registry;

void plugin_registry_init(plugin_registry *reg);
/* Load every *.so in dir (sorted by name).  A refused file is recorded and
 * logged, never fatal.  Fails only when dir itself cannot be read. */
int plugin_registry_load_dir(plugin_registry *reg, const char *dir, atsb_error *err);
/* Load one file; 0 when loaded, -1 when refused (reason recorded). */
int plugin_registry_load_file(plugin_registry *reg, const char *path);
const plugin *plugin_registry_find(const plugin_registry *reg, const char *name);
void plugin_registry_free(plugin_registry *reg);

/* Check a descriptor a connector returned.  0 when acceptable; otherwise -1
 * and a reason such as "ABI major 2 does not match host ABI 1". */
int plugin_check_descriptor(const atsb_connector *d, char *reason, size_t size);

const atsb_setting_spec *plugin_setting(const plugin *p, const char *name);
/* "list-jobs,push-candidate,..." into buf */
void plugin_caps_string(uint32_t caps, char *buf, size_t size);

#endif
