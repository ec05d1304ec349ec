#include "proxy/upstream/tls_context.hpp"

#include <stdexcept>

namespace litmus::upstream {

ssl::context make_client_tls_context(const config::tls_config& cfg)
{
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.set_verify_mode(ssl::verify_peer);
    error_code ec;
    ctx.set_default_verify_paths(ec);
    if (ec)
        throw std::runtime_error("cannot load the system CA store: " + ec.message());
    if (!cfg.ca_file.empty()) {
        ctx.load_verify_file(cfg.ca_file, ec);
        if (ec)
            throw std::runtime_error("tls.ca_file: cannot load CA bundle '" + cfg.ca_file +
                                     "': " + ec.message());
    }
    return ctx;
}

}  // namespace litmus::upstream
