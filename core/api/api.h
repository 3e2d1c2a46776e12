/* The platform API: HTTP + JSON under /v1 on libmicrohttpd, for the
 * sourcing side (docs/openapi.yaml is the contract).  Run alone by
 * `atsbridge serve`, or inside the daemon when api.listen is set. */
#ifndef ATSB_CORE_API_H
#define ATSB_CORE_API_H

#include "base/config.h"
#include "plugin/plugin.h"

typedef struct api_server api_server;

/* Listen on listen (HOST:PORT; port 0 picks a free one).  cfg and reg must
 * outlive the server.  With cfg->webhook_url set, a thread delivers the
 * feed's events there. */
int api_start(api_server **out, const char *listen, const config *cfg,
              const plugin_registry *reg, atsb_error *err);
/* "http://HOST:PORT" as bound. */
const char *api_base_url(const api_server *s);
void api_stop(api_server *s);

/* A new token: stored as its hash, printed once by the caller.  org_slug
 * NULL: every organisation.  out gets the token (API_TOKEN_LEN + 1). */
#define API_TOKEN_LEN 69
struct store;
int api_token_create(struct store *st, const char *name, const char *org_slug, int read_only,
                     char out[API_TOKEN_LEN + 1], atsb_error *err);

#endif
