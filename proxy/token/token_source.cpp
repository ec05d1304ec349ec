#include "proxy/token/token_source.ipp"

namespace litmus::token {

// The one instance the proxy uses; every other file sees it as extern.
template class basic_token_source<std::chrono::steady_clock>;

}  // namespace litmus::token
