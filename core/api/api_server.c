/* The listener: libmicrohttpd, one thread per connection (a long-poll of
 * the feed may hold its connection), the body collected up to
 * api.max_body_bytes, then auth, rate limit and the route's handler. */
#include "api/api_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

store *api_store_get(api_server *s, atsb_error *err)
{
    store *st = NULL;
    pthread_mutex_lock(&s->pool_lock);
    while (!s->n_free && s->n_open >= s->pool_max)
        pthread_cond_wait(&s->pool_cond, &s->pool_lock);
    if (s->n_free) {
        st = s->pool[--s->n_free];
        pthread_mutex_unlock(&s->pool_lock);
        return st;
    }
    s->n_open++;
    pthread_mutex_unlock(&s->pool_lock);
    if (store_open(&st, s->cfg->store_path, err) != ATSB_OK) {
        pthread_mutex_lock(&s->pool_lock);
        s->n_open--;
        pthread_cond_signal(&s->pool_cond);
        pthread_mutex_unlock(&s->pool_lock);
        return NULL;
    }
    return st;
}

void api_store_put(api_server *s, store *st)
{
    if (!st)
        return;
    store_rollback(st); /* a handler never leaves a transaction open */
    pthread_mutex_lock(&s->pool_lock);
    s->pool[s->n_free++] = st;
    pthread_cond_signal(&s->pool_cond);
    pthread_mutex_unlock(&s->pool_lock);
}

static void dispatch(api_req *r)
{
    char path[1024];
    str_copy(path, sizeof(path), r->url);
    char allow[64] = "";
    int known = 0;
    if (api_static_wanted(r->method, path)) {
        api_static_serve(r);
        return;
    }
    const api_route *rt = api_route_match(r->method, path, r, &known, allow, sizeof(allow));
    if (!rt) {
        if (known) {
            str_copy(r->allow, sizeof(r->allow), allow);
            api_problem(r, 405, "method-not-allowed", NULL, "%s is not allowed on %s (allowed: %s)",
                        r->method, r->url, allow);
        } else {
            api_problem(r, 404, "not-found", NULL, "no such resource: %s", r->url);
        }
        return;
    }
    if (r->too_large) {
        api_problem(r, 413, "body-too-large", NULL,
                    "the request body is larger than api.max_body_bytes (%ld bytes)",
                    r->srv->cfg->api_max_body);
        return;
    }
    atsb_error err = ATSB_ERROR_INIT;
    if (!(r->st = api_store_get(r->srv, &err))) {
        api_fail(r, CORE_ERR_STORE, err.message);
        return;
    }
    int metrics_open = str_eq(rt->pattern, "/metrics") && r->srv->cfg->api_metrics_open;
    if (rt->auth && !metrics_open && (api_auth(r, rt->auth) < 0 || api_rate_limit(r) < 0))
        return;
    rt->fn(r);
}

static enum MHD_Result reply(api_req *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->out_len, r->out ? r->out : (char *)"",
                                        r->out ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    r->out = NULL;
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type",
                            r->content_type ? r->content_type : "application/json");
    /* The console's page may run its own script and style, and nothing
     * else; API answers are data, never a page, and never cached. */
    if (r->console && r->status == 200) {
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'");
        MHD_add_response_header(resp, "Cache-Control", "no-cache");
    } else {
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (r->retry_after[0])
        MHD_add_response_header(resp, "Retry-After", r->retry_after);
    if (r->allow[0])
        MHD_add_response_header(resp, "Allow", r->allow);
    if (r->location[0])
        MHD_add_response_header(resp, "Location", r->location);
    if (r->www_auth)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"atsbridge\"");
    log_debug("api", "%s %s -> %d%s%s", r->method, r->url, r->status,
              r->authed ? " token " : "", r->authed ? r->tok.name : "");
    int cls = r->status / 100;
    pthread_mutex_lock(&r->srv->stat_lock);
    r->srv->requests[cls >= 1 && cls <= 5 ? cls : 0]++;
    pthread_mutex_unlock(&r->srv->stat_lock);
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    api_server *s = cls;
    api_req *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof(*r))))
            return MHD_NO;
        r->srv = s;
        r->conn = c;
        r->method = method;
        r->url = url;
        sb_init(&r->body);
        *con_cls = r;
        /* Refuse an announced oversized body before reading any of it:
         * answered now, MHD reads no body and closes the connection. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        long n;
        if (cl && str_to_long(cl, &n) == 0 && n > s->cfg->api_max_body) {
            r->too_large = 1;
            api_problem(r, 413, "body-too-large", NULL,
                        "the request body is larger than api.max_body_bytes (%ld bytes)",
                        s->cfg->api_max_body);
            return reply(r);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_large && r->body.len + *upload_size > (size_t)s->cfg->api_max_body)
            r->too_large = 1;
        if (!r->too_large)
            sb_append(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    dispatch(r);
    if (r->st) {
        api_store_put(s, r->st);
        r->st = NULL;
    }
    return reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    api_req *r = *con_cls;
    if (!r)
        return;
    sb_free(&r->body);
    free(r->out);
    free(r);
    *con_cls = NULL;
}

int api_start(api_server **out, const char *listen, const config *cfg,
              const plugin_registry *reg, atsb_error *err)
{
    char host[256];
    int port;
    *out = NULL;
    if (config_parse_listen(listen, host, sizeof(host), &port) < 0)
        return err_set(err, ATSB_ERR_CONFIG, "api: cannot listen on \"%s\": expected HOST:PORT",
                       listen);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char ports[16];
    snprintf(ports, sizeof(ports), "%d", port);
    if (getaddrinfo(host, ports, &hints, &ai) != 0 || !ai)
        return err_set(err, ATSB_ERR_CONFIG, "api: cannot resolve listen host \"%s\"", host);
    api_server *s = calloc(1, sizeof(*s));
    if (!s) {
        freeaddrinfo(ai);
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    s->cfg = cfg;
    s->reg = reg;
    s->pool_max = cfg->store_pool_size;
    if (!(s->pool = calloc((size_t)s->pool_max, sizeof(*s->pool)))) {
        free(s);
        freeaddrinfo(ai);
        return err_set(err, ATSB_ERR_INTERNAL, "out of memory");
    }
    pthread_mutex_init(&s->pool_lock, NULL);
    pthread_cond_init(&s->pool_cond, NULL);
    pthread_mutex_init(&s->rl_lock, NULL);
    pthread_mutex_init(&s->stat_lock, NULL);
    pthread_mutex_init(&s->tok_lock, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* Header limits: MHD_OPTION_CONNECTION_MEMORY_LIMIT bounds the request
     * line and headers (431/413 beyond); CONNECTION_TIMEOUT drops a client
     * that stops sending (slowloris). */
    s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                              ai->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                              MHD_OPTION_CONNECTION_TIMEOUT,
                              (unsigned)(cfg->api_max_wait_s + 30),
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->api_max_connections,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
                              MHD_OPTION_END);
    int family = ai->ai_family;
    freeaddrinfo(ai);
    if (!s->mhd) {
        int e = errno;
        api_stop(s);
        return err_set(err, ATSB_ERR_CONFIG, "api: cannot listen on %s: %s", listen,
                       strerror(e));
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(s->base_url, sizeof(s->base_url), family == AF_INET6 ? "http://[%s]:%u"
                                                                 : "http://%s:%u",
             host, info ? info->port : (unsigned)port);
    if (cfg->webhook_url) {
        int rc = api_webhooks_start(s, err);
        if (rc) {
            api_stop(s);
            return rc;
        }
    }
    log_info("api", "listening on %s", s->base_url);
    api_static_check(cfg);
    *out = s;
    return ATSB_OK;
}

const char *api_base_url(const api_server *s)
{
    return s->base_url;
}

void api_stop(api_server *s)
{
    if (!s)
        return;
    s->stopping = 1;
    api_webhooks_stop(s);
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    /* Background syncs hold the registry: wait for them (they stop at the
     * next page when the process is stopping). */
    for (;;) {
        pthread_mutex_lock(&s->pool_lock);
        int n = s->syncs_running;
        pthread_mutex_unlock(&s->pool_lock);
        if (!n)
            break;
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < s->n_free; i++)
        store_close(s->pool[i]);
    pthread_mutex_destroy(&s->pool_lock);
    pthread_cond_destroy(&s->pool_cond);
    pthread_mutex_destroy(&s->rl_lock);
    pthread_mutex_destroy(&s->stat_lock);
    pthread_mutex_destroy(&s->tok_lock);
    explicit_bzero(s->seen, sizeof(s->seen)); /* the verified tokens are secrets */
    free(s->pool);
    free(s);
}
