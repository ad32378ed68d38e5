/* link: -lsqlite3 */
#include <sqlite3.h>
#include <stdio.h>

int main(void) {
    sqlite3 *db;
    sqlite3_stmt *st;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return 1;
    char *err = NULL;
    if (sqlite3_exec(db,
                     "create table t(x integer);"
                     "insert into t values (1), (2), (39);",
                     NULL, NULL, &err) != SQLITE_OK) {
        printf("sqlite: %s\n", err);
        return 1;
    }
    if (sqlite3_prepare_v2(db, "select sum(x), count(*) from t", -1, &st, NULL) != SQLITE_OK) return 1;
    if (sqlite3_step(st) != SQLITE_ROW) return 1;
    int sum = sqlite3_column_int(st, 0), count = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (sum != 42 || count != 3) {
        printf("sqlite: sum %d count %d, want 42 and 3\n", sum, count);
        return 1;
    }
    printf("ok sqlite %s\n", sqlite3_libversion());
    return 0;
}
