#include "proxy/forward/forwarder.hpp"

#include "proxy/forward/body_pump.hpp"
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

errc to_errc(const error_code& ec) { return static_cast<errc>(ec.value()); }

// What one request shares across its steps.
struct exchange {
    proxy_services& svc;
    beast::tcp_stream& downstream;
    const routing::route& route;
    upstream::upstream_pool& pool;
    unsigned client_version;
    bool client_keep_alive;
    bool head;
};

using response_parser = http::response_parser<http::buffer_body>;

void prepare_response_parser(response_parser& p, bool head)
{
    p.body_limit(boost::none);  // streamed, never held whole
    // A response to HEAD has headers that describe a body it does not carry.
    if (head)
        p.skip(true);
}

net::awaitable<error_code> read_response_header(upstream::upstream_connection& conn, response_parser& parser,
                                                std::chrono::milliseconds timeout)
{
    beast::get_lowest_layer(conn.stream).expires_after(timeout);
    auto [ec, n] = co_await http::async_read_header(conn.stream, conn.buffer, parser, net::as_tuple(net::use_awaitable));
    (void)n;
    co_return ec;
}

// Relays the response whose header `parser` holds, then pools or closes the
// connection. The token is scrubbed from responses known to echo it.
net::awaitable<forward_result> deliver_response(exchange& x, std::unique_ptr<upstream::upstream_connection> conn,
                                                response_parser& parser, const token::token& tok,
                                                forward_result result)
{
    relay_options opt;
    opt.client_version = x.client_version;
    opt.client_keep_alive = x.client_keep_alive;
    opt.upstream_read_timeout = x.svc.cfg.upstream.response_timeout;
    opt.downstream_write_timeout = x.svc.cfg.downstream.io_timeout;
    auto relayed = echoes_token(x.route.target)
                       ? co_await relay_redacted_response(x.downstream, *conn, parser, opt, tok.value())
                       : co_await relay_response(x.downstream, *conn, parser, opt);
    if (relayed.upstream_complete && relayed.upstream_keep_alive)
        x.pool.release(std::move(conn), true);
    else
        upstream::close_connection(*conn);
    if (!relayed.downstream_started) {
        // The upstream failed before a byte reached the client: it can
        // still get a proper error.
        auto r = co_await reply_with_error(x.svc, x.downstream, errc::upstream_bad_response, x.client_version,
                                           x.client_keep_alive);
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

// The token for a request; nullptr after answering the client with the reason.
net::awaitable<token::token_ptr> token_or_reply(exchange& x, forward_result& out)
{
    auto got = co_await x.svc.tokens.get();
    if (got)
        co_return std::move(*got);
    out = co_await reply_with_error(x.svc, x.downstream, to_errc(got.error()), x.client_version, x.client_keep_alive);
    co_return nullptr;
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
    exchange x{svc, downstream, route, *svc.pools[route.upstream], req.version(),
               req.keep_alive() && !svc.draining, req.method() == http::verb::head};
    forward_result result;
    auto tok = co_await token_or_reply(x, result);
    if (!tok)
        co_return result;

    req.target(route.target);
    req.version(11);
    routing::prepare_upstream_request(req, x.pool.target().authority, tok->authorization);
    req.prepare_payload();

    bool force_fresh = false;
    for (unsigned attempts = 1;; ++attempts) {
        auto lease = co_await x.pool.acquire(force_fresh);
        if (!lease)
            co_return co_await reply_with_error(svc, downstream, to_errc(lease.error()), x.client_version,
                                                x.client_keep_alive);
        auto conn = std::move(lease->connection);

        beast::get_lowest_layer(conn->stream).expires_after(svc.cfg.upstream.response_timeout);
        auto [wec, wn] = co_await http::async_write(conn->stream, req, net::as_tuple(net::use_awaitable));
        (void)wn;
        response_parser parser;
        prepare_response_parser(parser, x.head);
        error_code ec = wec ? wec : co_await read_response_header(*conn, parser, svc.cfg.upstream.response_timeout);
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
            auto r = co_await reply_with_error(svc, downstream, classify_exchange_failure(ec, parser.got_some()),
                                               x.client_version, x.client_keep_alive);
            r.retried = result.retried;
            co_return r;
        }

        result.upstream_status = parser.get().result_int();
        if (result.upstream_status == 401) {
            // Revoked, or expired early: drop the token (unless another
            // request already did) so the single flight fetches a new one.
            svc.tokens.reject(*tok);
            if (routing::may_retry(attempts, routing::attempt_failure::unauthorized, true, lease->reused)) {
                // The 401's connection is closed rather than drained: its
                // body is worth nothing to us.
                upstream::close_connection(*conn);
                tok = co_await token_or_reply(x, result);
                if (!tok)
                    co_return result;
                req.set(http::field::authorization, tok->authorization);
                svc.metrics.retries_unauthorized.Increment();
                result.retried = true;
                force_fresh = false;
                continue;
            }
            svc.metrics.unauthorized_passed_through.Increment();
        }
        co_return co_await deliver_response(x, std::move(conn), parser, *tok, result);
    }
}

net::awaitable<forward_result> forward_streamed_request(proxy_services& svc, beast::tcp_stream& downstream,
                                                        beast::flat_buffer& downstream_buffer,
                                                        http::request_parser<http::buffer_body>& parser,
                                                        const routing::route& route)
{
    auto& req = parser.get();
    // The client's connection is only reusable if its whole body was read,
    // which every early failure below prevents.
    exchange x{svc, downstream, route, *svc.pools[route.upstream], req.version(), false,
               req.method() == http::verb::head};
    forward_result result;
    auto tok = co_await token_or_reply(x, result);
    if (!tok)
        co_return result;
    x.client_keep_alive = req.keep_alive() && !svc.draining;

    const bool chunked = parser.chunked();
    req.target(route.target);
    req.version(11);
    routing::prepare_upstream_request(req, x.pool.target().authority, tok->authorization);
    if (chunked)
        req.chunked(true);  // Transfer-Encoding went with the hop-by-hop headers

    // A body that cannot be replayed must not go out on a connection that may
    // turn out stale: always a fresh one.
    auto lease = co_await x.pool.acquire(true);
    if (!lease) {
        x.client_keep_alive = false;
        co_return co_await reply_with_error(svc, downstream, to_errc(lease.error()), x.client_version, false);
    }
    auto conn = std::move(lease->connection);
    http::request_serializer<http::buffer_body> sr{req};
    auto pumped = co_await pump_message(downstream, downstream_buffer, parser, conn->stream, sr,
                                        {svc.cfg.downstream.io_timeout, svc.cfg.upstream.response_timeout});
    if (!pumped.read_complete && pumped.read_error) {
        // The client stopped sending mid-body: nobody to answer.
        upstream::close_connection(*conn);
        result.error = errc::bad_request;
        co_return result;
    }
    response_parser rparser;
    prepare_response_parser(rparser, x.head);
    error_code ec = pumped.write_error ? pumped.write_error
                                       : co_await read_response_header(*conn, rparser, svc.cfg.upstream.response_timeout);
    if (ec) {
        upstream::close_connection(*conn);
        co_return co_await reply_with_error(svc, downstream, classify_exchange_failure(ec, rparser.got_some()),
                                            x.client_version, false);
    }
    result.upstream_status = rparser.get().result_int();
    if (result.upstream_status == 401) {
        // Not replayable: pass the 401 on, but still drop the token so the
        // client's retry gets a fresh one.
        svc.tokens.reject(*tok);
        svc.metrics.unauthorized_passed_through.Increment();
    }
    co_return co_await deliver_response(x, std::move(conn), rparser, *tok, result);
}

}  // namespace litmus::forward
