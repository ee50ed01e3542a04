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
typedef struct { int type; sqlite3_int64 i; double d; char *s; int n; } Cell;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
/* Binds row `row` of `cells` to parameters first..first+ncol-1 of `stmt`, texts without a copy. */
static void bind_row(sqlite3_stmt *stmt, const Cell *row, int ncol, int first) {
  for (int c = 0; c < ncol; c++) {
    const Cell *x = &row[c]; int p = first + c;
    if (x->type == SQLITE_INTEGER) sqlite3_bind_int64(stmt, p, x->i);
    else if (x->type == SQLITE_FLOAT) sqlite3_bind_double(stmt, p, x->d);
    else if (x->type == SQLITE_TEXT) sqlite3_bind_text(stmt, p, x->s, x->n, SQLITE_STATIC);
    else sqlite3_bind_null(stmt, p);
  }
}
static void check(int rc, sqlite3 *db, const char *what) { if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) { fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db)); exit(1); } }
int main(int argc, char **argv) {
  const char *src = argv[1], *dst = argv[2]; int multi = argc > 3 ? atoi(argv[3]) : 1;
  sqlite3 *in, *out; check(sqlite3_open(src, &in), in, "open src");
  sqlite3_stmt *q; int ncol = 21;
  check(sqlite3_prepare_v2(in, "SELECT * FROM exchange ORDER BY dataset_version_id, process_ordinal, ordinal", -1, &q, 0), in, "select");
  size_t cap = 1000000, n = 0; Cell *cells = malloc(sizeof(Cell) * cap * ncol);
  while (sqlite3_step(q) == SQLITE_ROW) {
    for (int c = 0; c < ncol; c++) { Cell *x = &cells[n * ncol + c]; x->type = sqlite3_column_type(q, c);
      if (x->type == SQLITE_INTEGER) x->i = sqlite3_column_int64(q, c);
      else if (x->type == SQLITE_FLOAT) x->d = sqlite3_column_double(q, c);
      else if (x->type == SQLITE_TEXT) { x->n = sqlite3_column_bytes(q, c); x->s = malloc(x->n + 1); memcpy(x->s, sqlite3_column_text(q, c), x->n); } }
    n++;
  }
  sqlite3_finalize(q);
  char *pschema, *xschema; sqlite3_stmt *s;
  sqlite3_prepare_v2(in, "SELECT sql FROM sqlite_schema WHERE name = 'process'", -1, &s, 0); sqlite3_step(s); pschema = strdup((const char *)sqlite3_column_text(s, 0)); sqlite3_finalize(s);
  sqlite3_prepare_v2(in, "SELECT sql FROM sqlite_schema WHERE name = 'exchange'", -1, &s, 0); sqlite3_step(s); xschema = strdup((const char *)sqlite3_column_text(s, 0)); sqlite3_finalize(s);
  remove(dst); char wal[4096]; snprintf(wal, sizeof wal, "%s-wal", dst); remove(wal);
  check(sqlite3_open(dst, &out), out, "open dst");
  check(sqlite3_exec(out, "PRAGMA page_size=65536; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; CREATE TABLE dataset_version(id INTEGER PRIMARY KEY)", 0, 0, 0), out, "setup");
  check(sqlite3_exec(out, pschema, 0, 0, 0), out, "process"); check(sqlite3_exec(out, xschema, 0, 0, 0), out, "exchange");
  char attach[4200]; snprintf(attach, sizeof attach, "ATTACH '%s' AS src", src); check(sqlite3_exec(out, attach, 0, 0, 0), out, "attach");
  check(sqlite3_exec(out, "BEGIN IMMEDIATE; INSERT INTO dataset_version SELECT id FROM src.dataset_version; INSERT INTO main.process SELECT * FROM src.process", 0, 0, 0), out, "process rows");
  /* one statement of `multi` rows */
  size_t sqllen = 64 + (size_t)multi * (ncol * 3 + 4); char *sql = malloc(sqllen); strcpy(sql, "INSERT INTO main.exchange VALUES ");
  for (int r = 0; r < multi; r++) { strcat(sql, r ? ",(" : "("); for (int c = 0; c < ncol; c++) strcat(sql, c ? ",?" : "?"); strcat(sql, ")"); }
  sqlite3_stmt *ins; check(sqlite3_prepare_v3(out, sql, -1, SQLITE_PREPARE_PERSISTENT, &ins, 0), out, "prepare");
  double t0 = now(); clock_t c0 = clock();
  size_t row = 0;
  while (row + multi <= n) {
    for (int r = 0; r < multi; r++) bind_row(ins, &cells[(row + r) * ncol], ncol, r * ncol + 1);
    check(sqlite3_step(ins), out, "step"); sqlite3_reset(ins); row += multi;
  }
  /* the rows left over, one statement each */
  sqlite3_stmt *one; check(sqlite3_prepare_v2(out, "INSERT INTO main.exchange VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &one, 0), out, "prepare one");
  for (; row < n; row++) {
    bind_row(one, &cells[row * ncol], ncol, 1);
    check(sqlite3_step(one), out, "step one"); sqlite3_reset(one);
  }
  double t1 = now(); clock_t c1 = clock();
  check(sqlite3_exec(out, "COMMIT", 0, 0, 0), out, "commit");
  double t2 = now(); clock_t c2 = clock();
  printf("%zu of %zu rows, %d per statement: insert %.2f s (cpu %.2f), commit+checkpoint %.2f s (cpu %.2f)\n", row, n, multi, t1 - t0, (double)(c1 - c0) / CLOCKS_PER_SEC, t2 - t1, (double)(c2 - c1) / CLOCKS_PER_SEC);
  return 0;
}
