#include "proxy/forward/forwarder.hpp"

#include "proxy/forward/local_reply.hpp"
#include "proxy/forward/response_relay.hpp"
#include "proxy/forward/token_redaction.hpp"
#include "proxy/routing/header_rules.hpp"
#include "proxy/routing/retry_policy.hpp"

namespace litmus::forward {

namespace {

bool is_timeout(const error_code& ec)
{
    return ec == beast::error::timeout;
}

// Why a send or header read failed, once nothing of the response was relayed.
errc classify_exchange_failure(const error_code& ec, bool got_some)
{
    if (is_timeout(ec))
        return errc::upstream_response_timeout;
    return got_some ? errc::upstream_bad_response : errc::upstream_reset_before_response;
}

// Retry-After for a 503 about tokens: a client that retries sooner only
// waits on the same backoff.
unsigned token_retry_after(errc e)
{
    return e == errc::token_rejected ? 30 : 1;
}

}  // namespace

net::awaitable<forward_result> reply_with_error(proxy_services& svc, beast::tcp_stream& downstream, errc e,
                                                unsigned version, bool keep_alive)
{
    unsigned retry_after = source_of(e) == error_source::token ? token_retry_after(e) : 0;
    auto res = make_local_reply(e, default_message(e), version, keep_alive, retry_after);
    svc.metrics.local_reply(e).Increment();
    downstream.expires_after(svc.cfg.downstream.io_timeout);
    auto [ec, n] = co_await http::async_write(downstream, res, net::as_tuple(net::use_awaitable));
    (void)n;
    forward_result r;
    r.status = res.result_int();
    r.error = e;
    r.keep_alive = keep_alive && !ec;
    co_return r;
}

net::awaitable<forward_result> forward_request(proxy_services& svc, beast::tcp_stream& downstream,
                                               http::request<http::string_body>& req,
                                               const routing::route& route)
{
    auto& pool = *svc.pools[route.upstream];
    const auto& up_cfg = svc.cfg.upstream;
    const unsigned client_version = req.version();
    const bool client_keep_alive = req.keep_alive() && !svc.draining;
    const bool head = req.method() == http::verb::head;

    auto got = co_await svc.tokens.get();
    if (!got)
        co_return co_await reply_with_error(svc, downstream, static_cast<errc>(got.error().value()),
                                            client_version, client_keep_alive);
    token::token_ptr tok = std::move(*got);

    req.target(route.target);
    req.version(11);
    routing::prepare_upstream_request(req, pool.target().authority, tok->authorization);
    req.prepare_payload();

    forward_result result;
    bool force_fresh = false;
    for (unsigned attempts = 1;; ++attempts) {
        auto lease = co_await pool.acquire(force_fresh);
        if (!lease)
            co_return co_await reply_with_error(svc, downstream, static_cast<errc>(lease.error().value()),
                                                client_version, client_keep_alive);
        auto conn = std::move(lease->connection);
        auto& up = beast::get_lowest_layer(conn->stream);

        up.expires_after(up_cfg.response_timeout);
        auto [wec, wn] = co_await http::async_write(conn->stream, req, net::as_tuple(net::use_awaitable));
        (void)wn;

        http::response_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);  // streamed, never held whole
        if (head)
            parser.skip(true);
        error_code ec = wec;
        if (!ec) {
            up.expires_after(up_cfg.response_timeout);
            auto [rec, rn] = co_await http::async_read_header(conn->stream, conn->buffer, parser,
                                                              net::as_tuple(net::use_awaitable));
            (void)rn;
            ec = rec;
        }
        if (ec) {
            upstream::close_connection(*conn);
            // A pooled connection the server closed while we were choosing it:
            // nothing reached the application, so sending again is safe.
            if (!is_timeout(ec) && !parser.got_some() &&
                routing::may_retry(attempts, routing::attempt_failure::stale_connection, true, lease->reused)) {
                svc.metrics.retries_stale_connection.Increment();
                result.retried = true;
                force_fresh = true;
                continue;
            }
            auto e = classify_exchange_failure(ec, parser.got_some());
            auto r = co_await reply_with_error(svc, downstream, e, client_version, client_keep_alive);
            r.retried = result.retried;
            co_return r;
        }
        ++conn->requests_served;

        result.upstream_status = parser.get().result_int();
        if (result.upstream_status == 401 &&
            routing::may_retry(attempts, routing::attempt_failure::unauthorized, true, lease->reused)) {
            // The token was revoked or expired early. Drop it (if no other
            // request already did), get a fresh one through the single flight
            // and replay once. The 401's connection is closed rather than
            // drained: a 401 body is worth nothing to us.
            upstream::close_connection(*conn);
            svc.tokens.reject(*tok);
            auto fresh = co_await svc.tokens.get();
            if (!fresh)
                co_return co_await reply_with_error(svc, downstream, static_cast<errc>(fresh.error().value()),
                                                    client_version, client_keep_alive);
            tok = std::move(*fresh);
            req.set(http::field::authorization, tok->authorization);
            svc.metrics.retries_unauthorized.Increment();
            result.retried = true;
            force_fresh = false;
            continue;
        }
        if (result.upstream_status == 401)
            svc.metrics.unauthorized_passed_through.Increment();

        relay_options opt;
        opt.client_version = client_version;
        opt.client_keep_alive = client_keep_alive;
        opt.upstream_read_timeout = up_cfg.response_timeout;
        opt.downstream_write_timeout = svc.cfg.downstream.io_timeout;
        auto relayed = echoes_token(route.target)
                           ? co_await relay_redacted_response(downstream, *conn, parser, opt,
                                                              tok->value())
                           : co_await relay_response(downstream, *conn, parser, opt);
        if (relayed.upstream_complete && relayed.upstream_keep_alive)
            pool.release(std::move(conn), true);
        else
            upstream::close_connection(*conn);
        if (!relayed.downstream_started) {
            // The upstream failed before a byte reached the client: it can
            // still get a proper error.
            auto r = co_await reply_with_error(svc, downstream, errc::upstream_bad_response, client_version,
                                               client_keep_alive);
            r.upstream_status = result.upstream_status;
            r.retried = result.retried;
            co_return r;
        }
        result.status = result.upstream_status;
        result.keep_alive = relayed.downstream_complete && relayed.downstream_keep_alive;
        if (!relayed.upstream_complete)
            result.error = errc::upstream_bad_response;
        co_return result;
    }
}

}  // namespace litmus::forward
