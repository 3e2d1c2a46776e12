/* The PostgreSQL twin of store_schema.c's migrations: the same tables,
 * columns (in the same order), constraints, indexes and triggers, so one
 * set of store queries and a copy between the two backends both work. */
#ifndef ATSB_CORE_STORE_SCHEMA_PG_H
#define ATSB_CORE_STORE_SCHEMA_PG_H

/* PostgreSQL migrations; entry i moves the schema from version i to i+1, same numbering and
 * meaning as SQLite's.  Each entry is several statements for one PQexec inside one
 * transaction. */
int store_schema_pg_count(void);
const char *store_schema_pg_sql(int i); /* 0-based; NULL when out of range */

#endif
