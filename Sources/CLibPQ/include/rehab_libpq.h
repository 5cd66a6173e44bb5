#ifndef REHABCOUNT_LIBPQ_H
#define REHABCOUNT_LIBPQ_H

// The part of libpq's client API that RehabCount uses, declared here so that no libpq header is needed to build,
// and loaded at run time (rehab_libpq.c): commands that never connect (validate, sample, --version) run where
// libpq is not installed, and do not map it. The declarations follow libpq-fe.h and postgres_ext.h, whose ABI
// libpq 5 keeps stable.

#include <stddef.h>

typedef unsigned int Oid;
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

typedef enum {
    CONNECTION_OK,
    CONNECTION_BAD
} ConnStatusType;

typedef enum {
    PGRES_EMPTY_QUERY = 0,
    PGRES_COMMAND_OK,
    PGRES_TUPLES_OK,
    PGRES_COPY_OUT,
    PGRES_COPY_IN,
    PGRES_BAD_RESPONSE,
    PGRES_NONFATAL_ERROR,
    PGRES_FATAL_ERROR,
    PGRES_COPY_BOTH,
    PGRES_SINGLE_TUPLE,
    PGRES_PIPELINE_SYNC,
    PGRES_PIPELINE_ABORTED
} ExecStatusType;

typedef void (*PQnoticeReceiver)(void *arg, const PGresult *res);

/// Loads libpq (libpq.so.5) once; thread-safe. Returns 1 when every function below can be called, or 0 with the
/// reason in `error` (at most `size` bytes, NUL-terminated).
int rehab_libpq_load(char *error, size_t size);

PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname);
ConnStatusType PQstatus(const PGconn *conn);
char *PQerrorMessage(const PGconn *conn);
void PQfinish(PGconn *conn);
PQnoticeReceiver PQsetNoticeReceiver(PGconn *conn, PQnoticeReceiver proc, void *arg);
int PQsetClientEncoding(PGconn *conn, const char *encoding);
PGresult *PQexec(PGconn *conn, const char *query);
PGresult *PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                       const char *const *paramValues, const int *paramLengths, const int *paramFormats,
                       int resultFormat);
PGresult *PQgetResult(PGconn *conn);
ExecStatusType PQresultStatus(const PGresult *res);
char *PQresultErrorField(const PGresult *res, int fieldcode);
void PQclear(PGresult *res);
char *PQcmdTuples(PGresult *res);
int PQntuples(const PGresult *res);
int PQnfields(const PGresult *res);
char *PQfname(const PGresult *res, int field_num);
char *PQgetvalue(const PGresult *res, int tup_num, int field_num);
int PQgetisnull(const PGresult *res, int tup_num, int field_num);
int PQputCopyData(PGconn *conn, const char *buffer, int nbytes);
int PQputCopyEnd(PGconn *conn, const char *errormsg);

#endif
