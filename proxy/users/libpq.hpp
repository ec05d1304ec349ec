#pragma once
// The libpq functions the PostgreSQL user store calls, resolved from
// libpq.so.5 when a PostgreSQL store is first made, instead of linked.
//
// Why: a linked libpq is loaded into every proxy, PostgreSQL store or not,
// and brings GnuTLS, Kerberos, LDAP and SASL with it. Their pages and their
// load-time constructors made 3.5 MiB of a proxy's 17.4 MiB idle RSS (Debian
// 12; the bench's "RSS idle"), for a store most proxies never configure.
// (systemd loads its optional libraries the same way, for the same reason.)

#include <libpq-fe.h>

namespace litmus::users {

/// Named as the C functions, so that a call reads `pq.PQexec(...)`.
struct libpq_functions {
    decltype(&::PQclear) PQclear;
    decltype(&::PQcmdTuples) PQcmdTuples;
    decltype(&::PQconnectdbParams) PQconnectdbParams;
    decltype(&::PQconninfoFree) PQconninfoFree;
    decltype(&::PQconninfoParse) PQconninfoParse;
    decltype(&::PQerrorMessage) PQerrorMessage;
    decltype(&::PQexec) PQexec;
    decltype(&::PQexecParams) PQexecParams;
    decltype(&::PQfinish) PQfinish;
    decltype(&::PQfreemem) PQfreemem;
    decltype(&::PQgetlength) PQgetlength;
    decltype(&::PQgetvalue) PQgetvalue;
    decltype(&::PQntuples) PQntuples;
    decltype(&::PQresultStatus) PQresultStatus;
    decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor;
    decltype(&::PQstatus) PQstatus;
    decltype(&::PQunescapeBytea) PQunescapeBytea;
};

/// Loads libpq.so.5 on the first call (thread-safe) and keeps it loaded until
/// exit. Throws std::runtime_error saying what is missing (the library: the
/// Debian package is libpq5; or one of its functions).
const libpq_functions& libpq();

}  // namespace litmus::users
