/* JSON in and out: strict bodies (one object, known members, typed), query
 * parameters, cursors. */
#include "api/api_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One tokener per connection thread, reset per body: allocating one (its
 * parse stack and buffer) cost a fifth of the parse itself. */
static pthread_key_t tok_key;
static pthread_once_t tok_once = PTHREAD_ONCE_INIT;

static void tok_free(void *tok)
{
    json_tokener_free(tok);
}

static void tok_key_make(void)
{
    pthread_key_create(&tok_key, tok_free);
}

static json_tokener *thread_tokener(void)
{
    pthread_once(&tok_once, tok_key_make);
    json_tokener *tok = pthread_getspecific(tok_key);
    if (tok) {
        json_tokener_reset(tok);
        return tok;
    }
    if ((tok = json_tokener_new()) && pthread_setspecific(tok_key, tok) != 0) {
        json_tokener_free(tok);
        tok = NULL;
    }
    return tok;
}

int api_json_reply(api_req *r, int status, json_object *obj)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE,
                                                      &len);
    free(r->out);
    r->out = str_ndup(s, len);
    r->out_len = r->out ? len : 0;
    r->status = status;
    r->content_type = "application/json";
    json_object_put(obj);
    return 0;
}

json_object *api_json_body(api_req *r)
{
    const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
        api_problem(r, 415, "unsupported-media-type", NULL,
                    "the body must be JSON (Content-Type: application/json)");
        return NULL;
    }
    json_tokener *tok = thread_tokener();
    if (!tok) {
        api_problem(r, 500, "internal", NULL, "out of memory");
        return NULL;
    }
    json_object *o = json_tokener_parse_ex(tok, r->body.data ? r->body.data : "",
                                           (int)r->body.len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (e != json_tokener_success) {
        json_object_put(o);
        api_problem(r, 400, "malformed-json", NULL, "the body is not valid JSON: %s",
                    e == json_tokener_continue ? "unexpected end of input"
                                               : json_tokener_error_desc(e));
        return NULL;
    }
    for (size_t i = end; i < r->body.len; i++)
        if (!isspace((unsigned char)r->body.data[i])) {
            json_object_put(o);
            api_problem(r, 400, "malformed-json", NULL,
                        "the body is not valid JSON: data after the value at byte %zu", i + 1);
            return NULL;
        }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        api_problem(r, 400, "malformed-json", NULL, "the body must be a JSON object");
        return NULL;
    }
    return o;
}

int api_json_only(api_req *r, json_object *o, const char *const *allowed)
{
    json_object_object_foreach(o, key, val) {
        (void)val;
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = str_eq(*a, key);
        if (!ok) {
            char shown[80];
            str_copy(shown, sizeof(shown), key);
            for (char *p = shown; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    *p = '?';
            api_problem(r, 422, "unknown-field", shown, "field %s: unknown field", shown);
            return -1;
        }
    }
    return 0;
}

int api_json_str(api_req *r, json_object *o, const char *name, int required, const char **out)
{
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(o, name, &v) || json_object_is_type(v, json_type_null)) {
        if (required) {
            api_problem(r, 422, "missing-field", name, "field %s: required", name);
            return -1;
        }
        return 0;
    }
    if (!json_object_is_type(v, json_type_string)) {
        api_problem(r, 422, "wrong-type", name, "field %s: expected a string", name);
        return -1;
    }
    *out = json_object_get_string(v);
    return 0;
}

int api_json_int(api_req *r, json_object *o, const char *name, int64_t min, int64_t max,
                 int *present, int64_t *out)
{
    json_object *v;
    *present = 0;
    if (!json_object_object_get_ex(o, name, &v) || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_int)) {
        api_problem(r, 422, "wrong-type", name, "field %s: expected a whole number", name);
        return -1;
    }
    int64_t n = json_object_get_int64(v);
    if (n < min || n > max) {
        api_problem(r, 422, "out-of-range", name, "field %s: %lld is outside %lld..%lld", name,
                    (long long)n, (long long)min, (long long)max);
        return -1;
    }
    *present = 1;
    *out = n;
    return 0;
}

int api_json_bool(api_req *r, json_object *o, const char *name, int *present, int *out)
{
    json_object *v;
    *present = 0;
    if (!json_object_object_get_ex(o, name, &v) || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_boolean)) {
        api_problem(r, 422, "wrong-type", name, "field %s: expected true or false", name);
        return -1;
    }
    *present = 1;
    *out = json_object_get_boolean(v);
    return 0;
}

const char *api_query(api_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int api_query_limit(api_req *r, int def, int max)
{
    const char *v = api_query(r, "limit");
    long n;
    if (!v)
        return def;
    if (str_to_long(v, &n) < 0 || n < 1 || n > max) {
        api_problem(r, 400, "bad-parameter", "limit", "parameter limit: expected 1..%d", max);
        return -1;
    }
    return (int)n;
}

int api_query_cursor(api_req *r, const char *name, int64_t *out)
{
    const char *v = api_query(r, name);
    long n;
    *out = 0;
    if (!v || !*v)
        return 0;
    if (v[0] != 'c' || str_to_long(v + 1, &n) < 0 || n < 0) {
        api_problem(r, 400, "bad-cursor", name,
                    "parameter %s: not a cursor this server gave out", name);
        return -1;
    }
    *out = n;
    return 0;
}

json_object *api_cursor_json(int64_t id)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "c%lld", (long long)id);
    return json_object_new_string(buf);
}

void api_page_init(api_page *p)
{
    p->items = json_object_new_array();
    p->last = 0;
    p->n = 0;
}

int api_list_args(api_req *r, store_org *o, int *limit, int64_t *after, const char **state,
                  const char *const *states)
{
    if (api_org(r, o) < 0 || (*limit = api_query_limit(r, 100, 1000)) < 0 ||
        api_query_cursor(r, "cursor", after) < 0)
        return -1;
    *state = api_query(r, "state");
    if (!*state)
        return 0;
    strbuf names;
    sb_init(&names);
    for (const char *const *s = states; *s; s++) {
        if (str_eq(*s, *state)) {
            sb_free(&names);
            return 0;
        }
        sb_printf(&names, "%s%s", names.len ? ", " : "", *s);
    }
    api_problem(r, 400, "bad-parameter", "state", "parameter state: expected one of %s",
                names.data ? names.data : "");
    sb_free(&names);
    return -1;
}

void api_page_add(api_page *p, json_object *item, int64_t id)
{
    json_object_array_add(p->items, item);
    p->last = id;
    p->n++;
}

int api_page_reply(api_req *r, api_page *p, int limit, int rc, const atsb_error *err)
{
    if (rc) {
        json_object_put(p->items);
        return api_fail(r, rc, err->message);
    }
    json_object *out = json_object_new_object();
    json_object_object_add(out, "items", p->items);
    json_object_object_add(out, "next_cursor", p->n == limit ? api_cursor_json(p->last) : NULL);
    return api_json_reply(r, 200, out);
}

json_object *api_time_json(int64_t t)
{
    if (t <= 0)
        return NULL;
    char buf[40];
    time_format_iso(t, buf, sizeof(buf));
    return json_object_new_string(buf);
}

json_object *api_str_json(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}
