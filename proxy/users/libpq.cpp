#include "proxy/users/libpq.hpp"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace litmus::users {

namespace {

constexpr const char* library = "libpq.so.5";

template <class Function>
void resolve(void* handle, Function& function, const char* name)
{
    function = reinterpret_cast<Function>(::dlsym(handle, name));
    if (!function)
        throw std::runtime_error(std::string("users.store: ") + library + " has no function " + name +
                                 " (libpq too old?)");
}

libpq_functions load()
{
    // Never closed: the store's worker threads call it until exit.
    void* handle = ::dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        throw std::runtime_error(std::string("users.store: a PostgreSQL store needs libpq (Debian package "
                                             "libpq5), which cannot be loaded: ") +
                                 ::dlerror());
    libpq_functions f;
    resolve(handle, f.PQclear, "PQclear");
    resolve(handle, f.PQcmdTuples, "PQcmdTuples");
    resolve(handle, f.PQconnectdbParams, "PQconnectdbParams");
    resolve(handle, f.PQconninfoFree, "PQconninfoFree");
    resolve(handle, f.PQconninfoParse, "PQconninfoParse");
    resolve(handle, f.PQerrorMessage, "PQerrorMessage");
    resolve(handle, f.PQexec, "PQexec");
    resolve(handle, f.PQexecParams, "PQexecParams");
    resolve(handle, f.PQfinish, "PQfinish");
    resolve(handle, f.PQfreemem, "PQfreemem");
    resolve(handle, f.PQgetlength, "PQgetlength");
    resolve(handle, f.PQgetvalue, "PQgetvalue");
    resolve(handle, f.PQntuples, "PQntuples");
    resolve(handle, f.PQresultStatus, "PQresultStatus");
    resolve(handle, f.PQsetNoticeProcessor, "PQsetNoticeProcessor");
    resolve(handle, f.PQstatus, "PQstatus");
    resolve(handle, f.PQunescapeBytea, "PQunescapeBytea");
    return f;
}

}  // namespace

const libpq_functions& libpq()
{
    static const libpq_functions functions = load();
    return functions;
}

}  // namespace litmus::users
