// The floor of SQLite's own work for the exchange rows of an import (docs/benchmarks.md, issue 3, fifth pass).
//
// Reads every exchange row of a database an `ecoref import` made, then inserts them into a fresh database with
// the same `process` and `exchange` schema through the SQLite C API: one prepared INSERT of N rows (argument 3,
// default 1), every value bound SQLITE_STATIC (no copy), one transaction, WAL, 64 KiB pages, foreign keys on;
// the same compile-time options as ecoref's bundled SQLite (.cargo/config.toml). What it prints, set against
// the SQLite thread of `ecoref import`, is what ecoref's client side (sqlx binding, copies, hand-offs) costs.
//
// Build (the amalgamation libsqlite3-sys bundles; ~20 s):
//   S=$(ls -d ~/.cargo/registry/src/*/libsqlite3-sys-0.37.0/sqlite3)
//   F="-DSQLITE_DEFAULT_MEMSTATUS=0 -DSQLITE_DEFAULT_LOOKASIDE=1200,2048 -DSQLITE_STMTJRNL_SPILL=-1"
//   gcc -O2 -I$S $F -o /tmp/sqlite-floor benches/sqlite_floor/floor.c $S/sqlite3.c -lpthread -lm -ldl
// Run:
//   ecoref --database-url sqlite:///tmp/src.sqlite import ecospold2 <release> --source synth
//   /tmp/sqlite-floor /tmp/src.sqlite /tmp/floor.sqlite 1     (and 256: rows per INSERT, as ecoref uses)

#include "sqlite3.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NCOL 21 /* columns of the exchange table */

typedef struct {
  int type;
  sqlite3_int64 i;
  double d;
  char *s;
  int n;
} Cell;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void check(int rc, sqlite3 *db, const char *what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
  }
}

static void exec(sqlite3 *db, const char *sql) { check(sqlite3_exec(db, sql, 0, 0, 0), db, sql); }

/* The CREATE statement of table `name` in `db` (to be freed). */
static char *schema_of(sqlite3 *db, const char *name) {
  sqlite3_stmt *s;
  check(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_schema WHERE name = ?", -1, &s, 0), db, "schema");
  sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
  check(sqlite3_step(s), db, "schema");
  char *sql = strdup((const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  return sql;
}

/* Every exchange row of `db`, in key order; `*n` rows of NCOL cells. */
static Cell *read_rows(sqlite3 *db, size_t *n) {
  sqlite3_stmt *q;
  check(sqlite3_prepare_v2(db, "SELECT * FROM exchange ORDER BY dataset_version_id, process_ordinal, ordinal", -1, &q, 0),
        db, "select");
  size_t cap = 1 << 16;
  Cell *cells = malloc(sizeof(Cell) * cap * NCOL);
  *n = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    if (*n == cap) {
      cap *= 2;
      cells = realloc(cells, sizeof(Cell) * cap * NCOL);
    }
    for (int c = 0; c < NCOL; c++) {
      Cell *x = &cells[*n * NCOL + c];
      x->type = sqlite3_column_type(q, c);
      if (x->type == SQLITE_INTEGER) x->i = sqlite3_column_int64(q, c);
      else if (x->type == SQLITE_FLOAT) x->d = sqlite3_column_double(q, c);
      else if (x->type == SQLITE_TEXT) {
        x->n = sqlite3_column_bytes(q, c);
        x->s = malloc(x->n + 1);
        memcpy(x->s, sqlite3_column_text(q, c), x->n);
      }
    }
    (*n)++;
  }
  sqlite3_finalize(q);
  return cells;
}

/* Binds one row to parameters first..first+NCOL-1 of `stmt`, texts without a copy. */
static void bind_row(sqlite3_stmt *stmt, const Cell *row, int first) {
  for (int c = 0; c < NCOL; c++) {
    const Cell *x = &row[c];
    int p = first + c;
    if (x->type == SQLITE_INTEGER) sqlite3_bind_int64(stmt, p, x->i);
    else if (x->type == SQLITE_FLOAT) sqlite3_bind_double(stmt, p, x->d);
    else if (x->type == SQLITE_TEXT) sqlite3_bind_text(stmt, p, x->s, x->n, SQLITE_STATIC);
    else sqlite3_bind_null(stmt, p);
  }
}

/* A prepared INSERT of `rows` rows into main.exchange. */
static sqlite3_stmt *insert_of(sqlite3 *db, int rows) {
  char *sql = malloc(64 + (size_t)rows * (NCOL * 2 + 4));
  strcpy(sql, "INSERT INTO main.exchange VALUES ");
  for (int r = 0; r < rows; r++) {
    strcat(sql, r ? ",(" : "(");
    for (int c = 0; c < NCOL; c++) strcat(sql, c ? ",?" : "?");
    strcat(sql, ")");
  }
  sqlite3_stmt *stmt;
  check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, 0), db, "prepare");
  free(sql);
  return stmt;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s SOURCE.sqlite NEW.sqlite [ROWS_PER_INSERT]\n", argv[0]);
    return 2;
  }
  const char *src = argv[1], *dst = argv[2];
  int multi = argc > 3 ? atoi(argv[3]) : 1;
  if (multi < 1 || multi * NCOL > 32766) multi = 1;

  sqlite3 *in, *out;
  check(sqlite3_open(src, &in), in, "open the source");
  size_t n;
  Cell *cells = read_rows(in, &n);
  char *process_schema = schema_of(in, "process"), *exchange_schema = schema_of(in, "exchange");

  char wal[4096];
  snprintf(wal, sizeof wal, "%s-wal", dst);
  remove(dst);
  remove(wal);
  check(sqlite3_open(dst, &out), out, "open the new database");
  exec(out, "PRAGMA page_size=65536; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
  exec(out, "CREATE TABLE dataset_version (id INTEGER PRIMARY KEY)");
  exec(out, process_schema);
  exec(out, exchange_schema);
  char attach[4200];
  snprintf(attach, sizeof attach, "ATTACH '%s' AS src", src);
  exec(out, attach);
  exec(out, "BEGIN IMMEDIATE");
  exec(out, "INSERT INTO dataset_version SELECT id FROM src.dataset_version");
  exec(out, "INSERT INTO main.process SELECT * FROM src.process");

  sqlite3_stmt *batch = insert_of(out, multi), *one = insert_of(out, 1);
  double t0 = now();
  clock_t c0 = clock();
  size_t row = 0;
  for (; row + multi <= n; row += multi) {
    for (int r = 0; r < multi; r++) bind_row(batch, &cells[(row + r) * NCOL], r * NCOL + 1);
    check(sqlite3_step(batch), out, "step");
    sqlite3_reset(batch);
  }
  for (; row < n; row++) { /* the rows left over */
    bind_row(one, &cells[row * NCOL], 1);
    check(sqlite3_step(one), out, "step");
    sqlite3_reset(one);
  }
  double t1 = now();
  clock_t c1 = clock();
  exec(out, "COMMIT");
  double t2 = now();
  clock_t c2 = clock();
  printf("%zu rows, %d per statement: insert %.2f s (cpu %.2f), commit+checkpoint %.2f s (cpu %.2f)\n", n, multi,
         t1 - t0, (double)(c1 - c0) / CLOCKS_PER_SEC, t2 - t1, (double)(c2 - c1) / CLOCKS_PER_SEC);
  return 0;
}
