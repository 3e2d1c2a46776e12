/* Opportunities: one per posting.  Lever de-duplicates by email onto the
 * existing contact (the reply says `deduped`), so a candidate already known
 * to Lever for another posting gets a new opportunity on this one; for the
 * same posting we look first and never create a second.  The PDF goes
 * through the opportunity files route (multipart, max 30 MB). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lever.h"

/* The opportunity of this email on this posting, or none. */
static int find_opportunity(lever *l, const atsb_candidate *c, char *opp, size_t osz,
                            char *contact, size_t csz, atsb_error *err)
{
    opp[0] = contact[0] = '\0';
    if (!c->email || !*c->email)
        return ATSB_OK; /* without an email Lever cannot match either */
    char *e = atsb_util_url_encode(l->api, c->email), *p = atsb_util_url_encode(l->api, c->job_remote_id ? c->job_remote_id : "");
    /* confidentiality=all: Lever lists non-confidential opportunities only
     * by default, and one on a confidential posting must be found too, or
     * a lost reply would become a second opportunity. */
    char *path = e && p ? atsb_util_printf("/opportunities?email=%s&posting_id=%s&confidentiality=all",
                                    e, p) : NULL;
    free(e);
    free(p);
    if (!path)
        return l->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    lv_reply r;
    int rc = lv_call(l, "GET", path, NULL, NULL, 0, 1, &r, err);
    free(path);
    if (rc)
        return rc;
    json_object *data;
    if (json_object_object_get_ex(r.json, "data", &data) && json_object_is_type(data, json_type_array) &&
        json_object_array_length(data)) {
        json_object *o = json_object_array_get_idx(data, 0);
        snprintf(opp, osz, "%s", lv_str(o, "id") ? lv_str(o, "id") : "");
        snprintf(contact, csz, "%s", lv_str(o, "contact") ? lv_str(o, "contact") : "");
    }
    lv_reply_free(&r);
    return ATSB_OK;
}

static int has_file(lever *l, const char *opp, const char *name, int *out, atsb_error *err)
{
    *out = 0;
    char *e = atsb_util_url_encode(l->api, opp);
    char *path = e ? atsb_util_printf("/opportunities/%s/files", e) : NULL;
    free(e);
    if (!path)
        return l->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    lv_reply r;
    int rc = lv_call(l, "GET", path, NULL, NULL, 0, 1, &r, err);
    free(path);
    if (rc)
        return rc;
    json_object *data;
    if (json_object_object_get_ex(r.json, "data", &data) && json_object_is_type(data, json_type_array))
        for (size_t i = 0; i < json_object_array_length(data); i++)
            if (lv_str(json_object_array_get_idx(data, i), "name") && name &&
                !strcmp(lv_str(json_object_array_get_idx(data, i), "name"), name))
                *out = 1;
    lv_reply_free(&r);
    return ATSB_OK;
}

static void add_str_array(json_object *o, const char *key, const char *value)
{
    if (!value || !*value)
        return;
    json_object *a = json_object_new_array();
    json_object_array_add(a, json_object_new_string(value));
    json_object_object_add(o, key, a);
}

static int create_opportunity(lever *l, const atsb_candidate *c, char *opp, size_t osz,
                              char *contact, size_t csz, atsb_error *err)
{
    json_object *b = json_object_new_object();
    char *name = atsb_util_printf("%s %s", c->first_name ? c->first_name : "", c->last_name ? c->last_name : "");
    json_object_object_add(b, "name", json_object_new_string(name ? name : ""));
    free(name);
    add_str_array(b, "emails", c->email);
    if (c->phone && *c->phone) {
        json_object *phones = json_object_new_array(), *ph = json_object_new_object();
        json_object_object_add(ph, "type", json_object_new_string("mobile"));
        json_object_object_add(ph, "value", json_object_new_string(c->phone));
        json_object_array_add(phones, ph);
        json_object_object_add(b, "phones", phones);
    }
    add_str_array(b, "links", c->profile_url);
    add_str_array(b, "sources", c->source_name);
    add_str_array(b, "tags", c->source_name);
    add_str_array(b, "postings", c->job_remote_id);
    json_object_object_add(b, "origin", json_object_new_string("sourced"));
    char *u = atsb_util_url_encode(l->api, l->perform_as);
    char *path = u ? atsb_util_printf("/opportunities?perform_as=%s", u) : NULL;
    free(u);
    const char *body = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN);
    lv_reply r;
    int rc = path ? lv_call(l, "POST", path, "application/json", body, strlen(body), 0, &r, err)
                  : l->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    free(path);
    json_object_put(b);
    if (rc)
        return rc;
    json_object *data = NULL, *dedup;
    json_object_object_get_ex(r.json, "data", &data);
    snprintf(opp, osz, "%s", lv_str(data, "id") ? lv_str(data, "id") : "");
    snprintf(contact, csz, "%s", lv_str(data, "contact") ? lv_str(data, "contact") : "");
    /* `deduped` sits beside `data`, not inside it (the create reply,
     * corbaltcode/lever-data-api-go createOpportunityResponseJSON). */
    if (json_object_object_get_ex(r.json, "deduped", &dedup) && json_object_get_boolean(dedup))
        l->api->log(l->host, ATSB_LOG_INFO,
                    "Lever matched an existing contact by email; the new opportunity is linked to it");
    lv_reply_free(&r);
    if (!opp[0])
        return l->api->set_error(err, ATSB_ERR_TRANSIENT, "POST /opportunities: reply without an id");
    return ATSB_OK;
}

/* The PDF as multipart/form-data (the host builds it: boundary checked
 * against the file's bytes, the file name quoted safely). */
static int upload(lever *l, const char *opp, const atsb_attachment *a, atsb_error *err)
{
    atsb_form_part file = { .struct_size = sizeof(file), .name = "file",
                            .file_name = a->file_name ? a->file_name : "profile.pdf",
                            .content_type = a->mime_type ? a->mime_type : "application/pdf",
                            .data = a->data, .size = a->size };
    const atsb_form_part *parts[] = { &file };
    atsb_form *form = NULL;
    char *e = atsb_util_url_encode(l->api, opp);
    const char *q[] = { "perform_as", l->perform_as };
    char *files = e ? atsb_util_printf("/opportunities/%s/files", e) : NULL;
    char *path = files ? l->api->url_with_query(files, q, 1) : NULL;
    int rc = path ? l->api->form_build(parts, 1, &form, err)
                  : l->api->set_error(err, ATSB_ERR_INTERNAL, "out of memory");
    if (rc == ATSB_OK) {
        lv_reply r;
        rc = lv_call(l, "POST", path, form->content_type, form->body, form->body_len, 0, &r, err);
        lv_reply_free(&r);
    }
    l->api->form_free(form);
    l->api->free(path);
    free(files);
    free(e);
    return rc;
}

int lv_push_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err)
{
    lever *l = inst;
    int rc;
    /* Resume mode: find_candidate found the opportunity without its file.
     * Lever creates contact and opportunity in one call, so only the file
     * can be missing on its own. */
    if (atsb_util_resuming(out) && !(out->missing & ATSB_PUSH_MISSING_APPLICATION) &&
        out->application_id[0]) {
        if (c->attachment_count && c->attachments[0] &&
            (rc = upload(l, out->application_id, c->attachments[0], err)))
            return rc;
        atsb_util_push_done(out);
        return ATSB_OK;
    }
    char opp[ATSB_REMOTE_ID_MAX], contact[ATSB_REMOTE_ID_MAX];
    /* A fresh push still looks first: a 1.0 host calls it after a partial
     * push too. */
    if ((rc = find_opportunity(l, c, opp, sizeof(opp), contact, sizeof(contact), err)))
        return rc;
    if (!opp[0] && (rc = create_opportunity(l, c, opp, sizeof(opp), contact, sizeof(contact), err)))
        return rc;
    snprintf(out->candidate_id, sizeof(out->candidate_id), "%s", contact);
    snprintf(out->application_id, sizeof(out->application_id), "%s", opp);
    if (c->attachment_count && c->attachments[0]) {
        int present = 0;
        if ((rc = has_file(l, opp, c->attachments[0]->file_name, &present, err)))
            return rc;
        if (!present && (rc = upload(l, opp, c->attachments[0], err)))
            return rc;
    }
    atsb_util_push_done(out);
    return ATSB_OK;
}

int lv_find_candidate(void *inst, const atsb_candidate *c, atsb_push_result *out,
                      atsb_error *err)
{
    lever *l = inst;
    char opp[ATSB_REMOTE_ID_MAX], contact[ATSB_REMOTE_ID_MAX];
    int rc = find_opportunity(l, c, opp, sizeof(opp), contact, sizeof(contact), err);
    if (rc)
        return rc;
    if (!opp[0])
        return ATSB_ERR_NOT_FOUND;
    snprintf(out->candidate_id, sizeof(out->candidate_id), "%s", contact[0] ? contact : opp);
    snprintf(out->application_id, sizeof(out->application_id), "%s", opp);
    int present = 1;
    if (c->attachment_count && c->attachments[0] &&
        (rc = has_file(l, opp, c->attachments[0]->file_name, &present, err)))
        return rc;
    /* Without the file the push is not done: push_candidate uploads it. */
    return atsb_util_found(out, present ? 0 : ATSB_PUSH_MISSING_ATTACHMENT);
}
