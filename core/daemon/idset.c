#include "daemon/idset.h"

#include <stdlib.h>

static size_t slot_of(const idset *s, int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 17) & (s->cap - 1);
}

static int grow(idset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    int64_t *old = s->slots;
    size_t old_cap = s->cap;
    int64_t *fresh = calloc(cap, sizeof(*fresh));
    if (!fresh)
        return -1;
    s->slots = fresh;
    s->cap = cap;
    s->n = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            idset_add(s, old[i]);
    free(old);
    return 0;
}

int idset_add(idset *s, int64_t id)
{
    /* Half full at most, so a probe stays short. */
    if ((s->n + 1) * 2 > s->cap && grow(s))
        return -1;
    size_t i = slot_of(s, id);
    while (s->slots[i] && s->slots[i] != id)
        i = (i + 1) & (s->cap - 1);
    if (!s->slots[i]) {
        s->slots[i] = id;
        s->n++;
    }
    return 0;
}

int idset_has(const idset *s, int64_t id)
{
    if (!s->cap)
        return 0;
    for (size_t i = slot_of(s, id); s->slots[i]; i = (i + 1) & (s->cap - 1))
        if (s->slots[i] == id)
            return 1;
    return 0;
}

void idset_del(idset *s, int64_t id)
{
    if (!s->cap)
        return;
    size_t i = slot_of(s, id);
    while (s->slots[i] && s->slots[i] != id)
        i = (i + 1) & (s->cap - 1);
    if (!s->slots[i])
        return;
    s->slots[i] = 0;
    s->n--;
    /* Backward shift: move up every later entry of the run that would no
     * longer be found past the hole, so lookups need no tombstones. */
    for (size_t j = (i + 1) & (s->cap - 1); s->slots[j]; j = (j + 1) & (s->cap - 1)) {
        size_t home = slot_of(s, s->slots[j]);
        /* j's entry may stay unless the hole lies cyclically in [home, j). */
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            s->slots[i] = s->slots[j];
            s->slots[j] = 0;
            i = j;
        }
    }
}

size_t idset_ids(const idset *s, int64_t *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < s->cap && k < max; i++)
        if (s->slots[i])
            out[k++] = s->slots[i];
    return k;
}

void idset_free(idset *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->n = 0;
}
