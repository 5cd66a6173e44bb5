// libpq, loaded on the first connection instead of at start-up: see include/rehab_libpq.h.
//
// Each function of the header forwards to libpq's own, found with dlsym. rehab_libpq_load must have succeeded
// before any of them is called (RehabDatabase's Connection checks it first).

#define _GNU_SOURCE
#include "rehab_libpq.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define REHAB_LIBPQ_FUNCTIONS(X) \
    X(PQconnectdbParams, PGconn *, (const char *const *, const char *const *, int)) \
    X(PQstatus, ConnStatusType, (const PGconn *)) \
    X(PQerrorMessage, char *, (const PGconn *)) \
    X(PQfinish, void, (PGconn *)) \
    X(PQsetNoticeReceiver, PQnoticeReceiver, (PGconn *, PQnoticeReceiver, void *)) \
    X(PQsetClientEncoding, int, (PGconn *, const char *)) \
    X(PQexec, PGresult *, (PGconn *, const char *)) \
    X(PQexecParams, PGresult *, (PGconn *, const char *, int, const Oid *, const char *const *, const int *, \
                                 const int *, int)) \
    X(PQgetResult, PGresult *, (PGconn *)) \
    X(PQresultStatus, ExecStatusType, (const PGresult *)) \
    X(PQresultErrorField, char *, (const PGresult *, int)) \
    X(PQclear, void, (PGresult *)) \
    X(PQcmdTuples, char *, (PGresult *)) \
    X(PQntuples, int, (const PGresult *)) \
    X(PQnfields, int, (const PGresult *)) \
    X(PQfname, char *, (const PGresult *, int)) \
    X(PQgetvalue, char *, (const PGresult *, int, int)) \
    X(PQgetisnull, int, (const PGresult *, int, int)) \
    X(PQputCopyData, int, (PGconn *, const char *, int)) \
    X(PQputCopyEnd, int, (PGconn *, const char *))

#define REHAB_POINTER(name, result, parameters) static result(*p_##name) parameters;
REHAB_LIBPQ_FUNCTIONS(REHAB_POINTER)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded = 0;
static char failure[512];

static void load(void) {
    static const char *const names[] = {"libpq.so.5", "libpq.so", "libpq.5.dylib", "libpq.dylib"};
    void *library = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && library == NULL; i++) {
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(failure, sizeof failure, "libpq.so.5 could not be loaded (%s)", reason ? reason : "not found");
        return;
    }
#define REHAB_RESOLVE(name, result, parameters)                                                  \
    p_##name = (result(*) parameters)dlsym(library, #name);                                      \
    if (p_##name == NULL) {                                                                       \
        snprintf(failure, sizeof failure, "the libpq found lacks %s: it is older than libpq 5", #name); \
        return;                                                                                   \
    }
    REHAB_LIBPQ_FUNCTIONS(REHAB_RESOLVE)
    loaded = 1;
}

int rehab_libpq_load(char *error, size_t size) {
    pthread_once(&once, load);
    if (!loaded && error != NULL && size > 0) {
        snprintf(error, size, "%s", failure);
    }
    return loaded;
}

PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname) {
    return p_PQconnectdbParams(keywords, values, expand_dbname);
}
ConnStatusType PQstatus(const PGconn *conn) { return p_PQstatus(conn); }
char *PQerrorMessage(const PGconn *conn) { return p_PQerrorMessage(conn); }
void PQfinish(PGconn *conn) { p_PQfinish(conn); }
PQnoticeReceiver PQsetNoticeReceiver(PGconn *conn, PQnoticeReceiver proc, void *arg) {
    return p_PQsetNoticeReceiver(conn, proc, arg);
}
int PQsetClientEncoding(PGconn *conn, const char *encoding) { return p_PQsetClientEncoding(conn, encoding); }
PGresult *PQexec(PGconn *conn, const char *query) { return p_PQexec(conn, query); }
PGresult *PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                       const char *const *paramValues, const int *paramLengths, const int *paramFormats,
                       int resultFormat) {
    return p_PQexecParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat);
}
PGresult *PQgetResult(PGconn *conn) { return p_PQgetResult(conn); }
ExecStatusType PQresultStatus(const PGresult *res) { return p_PQresultStatus(res); }
char *PQresultErrorField(const PGresult *res, int fieldcode) { return p_PQresultErrorField(res, fieldcode); }
void PQclear(PGresult *res) { p_PQclear(res); }
char *PQcmdTuples(PGresult *res) { return p_PQcmdTuples(res); }
int PQntuples(const PGresult *res) { return p_PQntuples(res); }
int PQnfields(const PGresult *res) { return p_PQnfields(res); }
char *PQfname(const PGresult *res, int field_num) { return p_PQfname(res, field_num); }
char *PQgetvalue(const PGresult *res, int tup_num, int field_num) { return p_PQgetvalue(res, tup_num, field_num); }
int PQgetisnull(const PGresult *res, int tup_num, int field_num) { return p_PQgetisnull(res, tup_num, field_num); }
int PQputCopyData(PGconn *conn, const char *buffer, int nbytes) { return p_PQputCopyData(conn, buffer, nbytes); }
int PQputCopyEnd(PGconn *conn, const char *errormsg) { return p_PQputCopyEnd(conn, errormsg); }
