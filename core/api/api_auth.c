/* Bearer tokens.  A token is "atsb_" + 16 hex digits (its public id, how
 * the store finds it) + 48 hex digits of secret; the store keeps only the
 * SHA-256 of the whole token, compared in constant time.  An org-scoped
 * token sees one organisation: any other is "not found", so a token cannot
 * even learn which organisations exist. */
#include "api/api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/sha256.h"

#define PUBLIC_HEX 16
#define SECRET_HEX 48

static int random_hex(char *out, size_t n_hex)
{
    unsigned char b[32];
    size_t n = n_hex / 2;
    if (n > sizeof(b))
        return -1;
    size_t got = 0;
    while (got < n) {
        ssize_t k = getrandom(b + got, n - got, 0);
        if (k < 0 && errno != EINTR)
            return -1;
        if (k > 0)
            got += (size_t)k;
    }
    hex_encode(b, n, out);
    return 0;
}

static void token_hash(const char *token, char out[2 * SHA256_LEN + 1])
{
    unsigned char d[SHA256_LEN];
    sha256(token, strlen(token), d);
    hex_encode(d, SHA256_LEN, out);
}

int api_token_create(store *st, const char *name, const char *org_slug, int read_only,
                     char out[API_TOKEN_LEN + 1], atsb_error *err)
{
    int64_t org_id = 0;
    if (org_slug) {
        store_org o;
        int rc = store_org_get(st, org_slug, &o, err);
        if (rc)
            return rc;
        org_id = o.id;
    }
    char pub[PUBLIC_HEX + 1], sec[SECRET_HEX + 1], hash[2 * SHA256_LEN + 1];
    if (random_hex(pub, PUBLIC_HEX) < 0 || random_hex(sec, SECRET_HEX) < 0)
        return err_set(err, ATSB_ERR_INTERNAL, "no randomness: %s", strerror(errno));
    snprintf(out, API_TOKEN_LEN + 1, "atsb_%s%s", pub, sec);
    token_hash(out, hash);
    return store_token_add(st, name, pub, hash, org_id, read_only, err);
}

/* The row is read on every request (revocation, scope and read-only take
 * effect at once); only the hashing is saved, for a token seen before with
 * the row's current hash.  Both compares are constant-time. */
static int token_verified(api_server *s, const char *t, const char *pub, const char *row_hash)
{
    api_token_seen *e = &s->seen[strtoul(pub + PUBLIC_HEX - 4, NULL, 16) % API_TOKEN_CACHE];
    pthread_mutex_lock(&s->tok_lock);
    int ok = str_eq(e->hash, row_hash) && mem_equal_ct(e->token, t, API_TOKEN_LEN);
    pthread_mutex_unlock(&s->tok_lock);
    if (ok)
        return 1;
    char hash[2 * SHA256_LEN + 1];
    token_hash(t, hash);
    if (!mem_equal_ct(hash, row_hash, sizeof(hash) - 1) || strlen(row_hash) != sizeof(hash) - 1)
        return 0;
    pthread_mutex_lock(&s->tok_lock);
    memcpy(e->token, t, API_TOKEN_LEN + 1);
    memcpy(e->hash, hash, sizeof(hash));
    pthread_mutex_unlock(&s->tok_lock);
    return 1;
}

int api_auth(api_req *r, int level)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    r->www_auth = 1;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return api_problem(r, 401, "unauthorized", NULL,
                           "an API token is required (Authorization: Bearer TOKEN; create one "
                           "with atsbridge token create)"), -1;
    const char *t = h + 7;
    while (*t == ' ')
        t++;
    if (strlen(t) != API_TOKEN_LEN || strncmp(t, "atsb_", 5) != 0)
        return api_problem(r, 401, "unauthorized", NULL, "the API token is not valid"), -1;
    char pub[PUBLIC_HEX + 1];
    memcpy(pub, t + 5, PUBLIC_HEX);
    pub[PUBLIC_HEX] = '\0';
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_token_find(r->st, pub, &r->tok, &err);
    if (rc == ATSB_ERR_NOT_FOUND)
        return api_problem(r, 401, "unauthorized", NULL, "the API token is not valid"), -1;
    if (rc)
        return api_fail(r, rc, err.message), -1;
    if (!token_verified(r->srv, t, pub, r->tok.hash))
        return api_problem(r, 401, "unauthorized", NULL, "the API token is not valid"), -1;
    if (r->tok.revoked_at)
        return api_problem(r, 401, "unauthorized", NULL, "the API token was revoked"), -1;
    r->www_auth = 0;
    r->authed = 1;
    if (level >= 2 && r->tok.read_only)
        return api_problem(r, 403, "read-only-token", NULL,
                           "token %s is read-only; %s %s changes something", r->tok.name,
                           r->method, r->url), -1;
    if (level >= 3 && r->tok.org_id)
        return api_problem(r, 403, "org-scoped-token", NULL,
                           "token %s is scoped to one organisation; %s %s needs an unscoped "
                           "token", r->tok.name, r->method, r->url), -1;
    /* Noted at most once a minute: a write per request would make every
     * read queue for the store's write lock. */
    int64_t now = time_now();
    if (now - r->tok.last_used_at >= 60)
        store_token_touch(r->st, r->tok.id, now, NULL);
    return 0;
}

int api_org(api_req *r, store_org *out)
{
    const char *slug = r->params[0];
    atsb_error err = ATSB_ERROR_INIT;
    int rc = store_org_get(r->st, slug, out, &err);
    if (rc == ATSB_ERR_NOT_FOUND || (!rc && r->tok.org_id && r->tok.org_id != out->id))
        return api_problem(r, 404, "not-found", NULL, "no organisation \"%s\"", slug), -1;
    if (rc)
        return api_fail(r, rc, err.message), -1;
    return 0;
}

int api_rate_limit(api_req *r)
{
    api_server *s = r->srv;
    double rate = s->cfg->api_rate_limit, burst = s->cfg->api_rate_burst;
    if (rate <= 0)
        return 0;
    int64_t now = time_now_ms();
    pthread_mutex_lock(&s->rl_lock);
    api_bucket *b = &s->buckets[(uint64_t)r->tok.id % API_BUCKETS];
    if (b->token_id != r->tok.id) {
        b->token_id = r->tok.id;
        b->tokens = burst;
        b->at_ms = now;
    }
    b->tokens += (double)(now - b->at_ms) * rate / 1000.0;
    if (b->tokens > burst)
        b->tokens = burst;
    b->at_ms = now;
    int ok = b->tokens >= 1.0;
    double wait = ok ? 0 : (1.0 - b->tokens) / rate;
    if (ok)
        b->tokens -= 1.0;
    pthread_mutex_unlock(&s->rl_lock);
    if (ok)
        return 0;
    int secs = (int)wait + ((double)(int)wait < wait);
    snprintf(r->retry_after, sizeof(r->retry_after), "%d", secs < 1 ? 1 : secs);
    api_problem(r, 429, "rate-limited", NULL,
                "token %s sent more than api.rate_limit (%d) requests per second; retry after "
                "%s s", r->tok.name, s->cfg->api_rate_limit, r->retry_after);
    return -1;
}
