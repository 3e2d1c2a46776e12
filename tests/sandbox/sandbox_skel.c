/* The SDK example's API (sdk/examples/skeleton/skeleton.c) under /skeleton:
 * Bearer API key; GET /jobs?page&per_page -> {jobs, next_page};
 * GET /candidates?email&job_id (each with its "attachments");
 * POST /candidates (candidate and application at once, optionally with
 * resume_base64); POST /candidates/{id}/attachments?filename=NAME (the raw
 * file as the body).  Third-party connector authors test against it with
 * the conformance kit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sandbox.h"

#define sget sb_sget

int sb_skeleton(sandbox *sb, const sb_request *rq, sb_response *rs)
{
    if (strncmp(rq->path, "/skeleton/", 10) != 0)
        return 0;
    int ok = 0;
    json_object *keys = sb_arr(sb->skel, "api_keys");
    for (size_t i = 0; rq->authorization && !strncmp(rq->authorization, "Bearer ", 7) &&
                       i < json_object_array_length(keys); i++)
        ok |= !strcmp(json_object_get_string(json_object_array_get_idx(keys, i)), rq->authorization + 7);
    if (!ok) {
        sb_text(rs, 401, "{\"error\":\"invalid api key\"}");
        return 1;
    }
    const char *r = rq->path + 10;
    json_object *cands = sb_arr(sb->skel, "candidates");
    if (!strcmp(rq->method, "GET") && !strcmp(r, "jobs")) {
        char *p = sb_query(rq->query, "page"), *pp = sb_query(rq->query, "per_page");
        long page = p ? sb_num(p) : 1, per = pp ? sb_num(pp) : 100;
        free(p);
        free(pp);
        if (page < 1 || per < 1 || per > 100) {
            sb_text(rs, 400, "{\"error\":\"page >= 1 and per_page 1..100\"}");
            return 1;
        }
        json_object *all = sb_arr(sb->skel, "jobs"), *out = json_object_new_array();
        size_t n = json_object_array_length(all), lo = (size_t)((page - 1) * per);
        for (size_t i = lo; i < n && i < lo + (size_t)per; i++)
            json_object_array_add(out, json_object_get(json_object_array_get_idx(all, i)));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "jobs", out);
        json_object_object_add(o, "next_page", lo + (size_t)per < n ? json_object_new_int((int)page + 1) : NULL);
        sb_json(rs, 200, o);
    } else if (!strcmp(rq->method, "GET") && !strcmp(r, "candidates")) {
        char *email = sb_query(rq->query, "email"), *job = sb_query(rq->query, "job_id");
        json_object *out = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(cands); i++) {
            json_object *c = json_object_array_get_idx(cands, i);
            if ((!email || (sget(c, "email") && !strcasecmp(sget(c, "email"), email))) &&
                (!job || (sget(c, "job_id") && !strcmp(sget(c, "job_id"), job))))
                json_object_array_add(out, json_object_get(c));
        }
        free(email);
        free(job);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "candidates", out);
        sb_json(rs, 200, o);
    } else if (!strcmp(rq->method, "POST") && !strcmp(r, "candidates")) {
        json_object *b = json_tokener_parse(rq->body);
        if (!b || !sget(b, "first_name") || !*sget(b, "first_name") || !sget(b, "last_name") ||
            !sget(b, "job_id")) {
            json_object_put(b);
            sb_text(rs, 422, "{\"error\":\"first_name, last_name and job_id are required\"}");
            return 1;
        }
        char id[32], app[32];
        snprintf(id, sizeof(id), "sk-c-%ld", sb_new_id(sb));
        snprintf(app, sizeof(app), "sk-a-%ld", sb_new_id(sb));
        json_object *c = json_object_new_object();
        json_object_object_add(c, "id", json_object_new_string(id));
        json_object_object_add(c, "application_id", json_object_new_string(app));
        json_object_object_foreach(b, k, v) {
            if (strcmp(k, "resume_base64") != 0)
                json_object_object_add(c, k, json_object_get(v));
        }
        json_object *files = json_object_new_array();
        json_object_object_add(c, "attachments", files);
        if (sget(b, "resume_base64") && sget(b, "resume_filename")) {
            size_t len = 0;
            unsigned char *bytes = sb_b64_decode(sget(b, "resume_base64"), &len);
            char *path = bytes ? sb_save_file(sb, sb_new_id(sb), sget(b, "resume_filename"), bytes, len) : NULL;
            json_object *att = json_object_new_object();
            json_object_object_add(att, "filename", json_object_new_string(sget(b, "resume_filename")));
            json_object_object_add(att, "size", json_object_new_int64((int64_t)len));
            if (path)
                json_object_object_add(att, "saved_path", json_object_new_string(path));
            sb_record(sb, "attachments", att);
            json_object_array_add(files, att);
            free(path);
            free(bytes);
        }
        json_object_array_add(cands, c);
        sb_record(sb, "candidates", c);
        sb_record(sb, "applications", c);
        json_object_put(b);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(id));
        json_object_object_add(o, "application_id", json_object_new_string(app));
        sb_json(rs, 201, o);
    } else if (!strcmp(rq->method, "POST") && !strncmp(r, "candidates/", 11) &&
               strlen(r) > 23 && !strcmp(r + strlen(r) - 12, "/attachments")) {
        /* The raw file: the body is its bytes, NULs and all. */
        size_t idlen = strlen(r) - 11 - 12;
        json_object *c = NULL;
        for (size_t i = 0; i < json_object_array_length(cands); i++) {
            json_object *x = json_object_array_get_idx(cands, i);
            if (sget(x, "id") && strlen(sget(x, "id")) == idlen && !strncmp(sget(x, "id"), r + 11, idlen))
                c = x;
        }
        char *fname = sb_query(rq->query, "filename");
        if (!c) {
            sb_text(rs, 404, "{\"error\":\"no such candidate\"}");
        } else if (!fname || !*fname || strchr(fname, '/') || !rq->body_len) {
            sb_text(rs, 422, "{\"error\":\"filename and a non-empty body are required\"}");
        } else {
            json_object *files;
            if (!json_object_object_get_ex(c, "attachments", &files)) {
                files = json_object_new_array();
                json_object_object_add(c, "attachments", files);
            }
            long id = sb_new_id(sb);
            char *path = sb_save_file(sb, id, fname, rq->body, rq->body_len);
            json_object *att = json_object_new_object();
            json_object_object_add(att, "filename", json_object_new_string(fname));
            json_object_object_add(att, "size", json_object_new_int64((int64_t)rq->body_len));
            if (path)
                json_object_object_add(att, "saved_path", json_object_new_string(path));
            sb_record(sb, "attachments", att);
            json_object_array_add(files, att);
            free(path);
            json_object *o = json_object_new_object();
            json_object_object_add(o, "id", json_object_new_int64(id));
            sb_json(rs, 201, o);
        }
        free(fname);
    } else {
        sb_text(rs, 404, "{\"error\":\"not found\"}");
    }
    return 1;
}

void sb_skeleton_init(sandbox *sb, json_object *fixture)
{
    json_object *s;
    sb->skel = json_object_object_get_ex(fixture, "skeleton", &s)
                   ? json_tokener_parse(json_object_to_json_string(s))
                   : json_object_new_object();
}
