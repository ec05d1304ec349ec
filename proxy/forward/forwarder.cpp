#include "proxy/forward/forwarder.hpp"

#include "proxy/core/ascii.hpp"
#include "proxy/forward/body_pump.hpp"
#include "proxy/forward/local_reply.hpp"
#include "proxy/forward/response_relay.hpp"
#include "proxy/forward/token_redaction.hpp"
#include "proxy/routing/header_rules.hpp"
#include "proxy/routing/retry_policy.hpp"

namespace litmus::forward {

namespace {

using clock = std::chrono::steady_clock;

bool is_timeout(const error_code& ec)
{
    return ec == beast::error::timeout;
}

// Why sending the request or reading the response header failed.
errc classify_exchange_failure(const error_code& ec, bool while_sending, bool got_some)
{
    if (is_timeout(ec))
        return while_sending ? errc::upstream_write_timeout : errc::upstream_response_timeout;
    return got_some ? errc::upstream_bad_response : errc::upstream_reset_before_response;
}

// Retry-After for a 503 about tokens: a client that retries sooner only
// waits on the same backoff.
unsigned token_retry_after(errc e)
{
    return e == errc::token_rejected ? 30 : 1;
}

// Counts how a replay after an upstream 401 ended, once: `replaying` is
// cleared. A function, not a lambda in forward(): a lambda's captures take
// room in forward()'s coroutine frame, which must stay small (see there).
void settle_401(forward_metrics& metrics, bool& replaying, unauthorized_outcome o)
{
    if (std::exchange(replaying, false))
        metrics.unauthorized(o).Increment();
}

// What one request shares across its steps.
struct exchange {
    proxy_services& svc;
    client_stream& downstream;
    request_body& body;
    const routing::route& route;
    upstream::upstream_pool& pool;
    unsigned client_version;
    bool client_keep_alive;  ///< the client asked for it and the proxy is not draining
    bool head;
    bool echoes_token;       ///< the response must be scrubbed of the token
    const request_id& id;
    const token_choice& tokens;  ///< forward()'s own parameter, not a second copy in its frame

    // An error reply keeps the client connection only if nothing of the
    // client's body is left unread on it. What the request went through so
    // far (the upstream's status, a retry) stays in the result.
    net::awaitable<forward_result> reply(errc e, const forward_result& so_far)
    {
        // An answer about the user's tokens names the user, so that the app
        // knows whom to send through the authorization again.
        auto user = e == errc::reauthorization_required ? tokens.user : std::string_view{};
        auto r = co_await reply_with_error(svc, downstream, e, client_version, client_keep_alive && body.consumed(), id,
                                           user);
        r.upstream_status = so_far.upstream_status;
        r.retried = so_far.retried;
        co_return r;
    }
};

using response_parser = http::response_parser<http::buffer_body>;

void prepare_response_parser(response_parser& p, bool head)
{
    p.body_limit(boost::none);  // streamed, never held whole
    // A response to HEAD has headers that describe a body it does not carry.
    if (head)
        p.skip(true);
}

// http::async_read_header without its composed operations (Beast's read_op
// around read_some_op around the TLS read, each with its own executor work
// and handler allocation): bytes already buffered are parsed in place and
// the TLS stream is read directly, as the session reads requests. The
// parser is not eager: it stops at the end of the header, and the body's
// bytes stay in the buffer for the relay.
net::awaitable<error_code> read_header(upstream::upstream_connection& conn, response_parser& parser)
{
    auto& buffer = conn.buffer;
    for (;;) {
        if (buffer.size() > 0) {
            error_code ec;
            buffer.consume(parser.put(buffer.data(), ec));
            if (parser.is_header_done())
                co_return error_code{};
            if (ec && ec != http::error::need_more)
                co_return ec;
        }
        if (buffer.size() >= buffer.max_size())
            co_return http::error::buffer_overflow;
        auto want = std::min(conn.relay_chunk.size(), buffer.max_size() - buffer.size());
        auto [ec, n] = co_await conn.stream.async_read_some(buffer.prepare(want), net::as_tuple(net::use_awaitable));
        if (ec == net::error::eof)
            co_return parser.got_some() ? http::error::partial_message : http::error::end_of_stream;
        if (ec)
            co_return ec;
        buffer.commit(n);
    }
}

// Reads the final response header into `parser`. Interim 1xx answers (103
// Early Hints, a stray 100) are read and dropped: passed on as the answer,
// the real one would stay unread on a pooled connection and answer the next
// request. 101 is never asked for (Upgrade is stripped), so it is refused.
net::awaitable<error_code> read_response_header(upstream::upstream_connection& conn,
                                                std::optional<response_parser>& parser, bool head,
                                                std::chrono::milliseconds timeout, clock::time_point deadline)
{
    for (;;) {
        // A fresh parser per message, the interim ones included.
        parser.emplace();
        prepare_response_parser(*parser, head);
        expire_within(conn.stream, timeout, deadline);
        auto ec = co_await read_header(conn, *parser);
        if (ec)
            co_return ec;
        auto status = parser->get().result_int();
        if (status == 101)
            co_return http::error::bad_status;
        if (status >= 200)
            co_return error_code{};
    }
}

// A token-echoing response is scrubbed as identity-encoded text; compressed,
// the token could pass unrecognised. We asked for identity, so anything else
// is the server ignoring us.
bool is_encoded(const http::response_header<>& h)
{
    auto ce = h[http::field::content_encoding];
    return !ce.empty() && !litmus::iequals(ce, "identity");
}

// Relays the response whose header conn->response holds, then pools or
// closes the connection. The token is scrubbed from responses known to echo
// it.
net::awaitable<forward_result> deliver_response(exchange& x, std::unique_ptr<upstream::upstream_connection> conn,
                                                const token::token& tok, clock::time_point deadline,
                                                forward_result result)
{
    auto& parser = *conn->response;
    if (x.echoes_token && is_encoded(parser.get())) {
        upstream::close_connection(*conn);
        co_return co_await x.reply(errc::upstream_unredactable_response, result);
    }
    relay_options opt;
    opt.client_version = x.client_version;
    opt.client_keep_alive = x.client_keep_alive && x.body.consumed();
    opt.upstream_read_timeout = x.svc.cfg.upstream.response_timeout;
    opt.upstream_deadline = deadline;
    opt.downstream_write_timeout = x.svc.cfg.downstream.io_timeout;
    opt.request_id = x.id.view();
    auto relayed = x.echoes_token ? co_await relay_redacted_response(x.downstream, *conn, parser, opt, tok.value())
                                  : co_await relay_response(x.downstream, *conn, parser, opt);
    // A pooled connection keeps no header fields of a response it has relayed.
    conn->response.reset();
    if (relayed.upstream_complete && relayed.upstream_keep_alive)
        x.pool.release(std::move(conn), true);
    else
        upstream::close_connection(*conn);
    if (!relayed.downstream_started) {
        // The upstream failed before a byte reached the client: it can
        // still get a proper error.
        co_return co_await x.reply(
            relayed.upstream_timed_out ? errc::upstream_response_timeout : errc::upstream_bad_response, result);
    }
    result.status = result.upstream_status;
    result.bytes_out = relayed.body_bytes_sent;
    result.keep_alive = relayed.downstream_complete && relayed.downstream_keep_alive;
    if (!relayed.upstream_complete)
        result.error = relayed.upstream_timed_out ? errc::upstream_response_timeout : errc::upstream_bad_response;
    co_return result;
}

// The token for a request; nullptr after answering the client with the
// reason, `out` then being the reply's result (what `out` held before kept).
net::awaitable<token::token_ptr> token_or_reply(exchange& x, forward_result& out)
{
    auto got = co_await x.tokens.source.get();
    if (got)
        co_return std::move(*got);
    // A user's refused refresh token: only a new authorization helps.
    auto e = got.error() == errc::refresh_refused && !x.tokens.user.empty() ? errc::reauthorization_required
                                                                             : got.error();
    out = co_await x.reply(e, out);
    co_return nullptr;
}

// The client's request, rewritten for the upstream in place.
void rewrite_for_upstream(exchange& x, const token::token& tok)
{
    auto& req = x.body.header();
    req.target(x.route.target);
    req.version(11);
    routing::prepare_upstream_request(req, x.pool.target().authority, tok.authorization);
    // set(), not insert(): the client's own fields (one, several, or a
    // malformed one) are replaced by exactly one.
    req.set(request_id_field, x.id.view());
    if (x.echoes_token)
        req.set(http::field::accept_encoding, "identity");
    x.body.prepare_framing();
}

}  // namespace

net::awaitable<forward_result> reply_with_error(proxy_services& svc, client_stream& downstream, errc e,
                                                unsigned version, bool keep_alive, const request_id& id,
                                                std::string_view user)
{
    unsigned retry_after = source_of(e) == error_source::token ? token_retry_after(e) : 0;
    auto res = make_local_reply(e, default_message(e), version, keep_alive, retry_after, user);
    res.set(request_id_field, id.view());
    svc.metrics.local_reply(e).Increment();
    downstream.expires_after(svc.cfg.downstream.io_timeout);
    auto [ec, n] = co_await http::async_write(downstream, res, net::as_tuple(net::use_awaitable));
    (void)n;
    forward_result r;
    r.status = ec ? 0 : res.result_int();  // 0: nothing reached the client
    r.error = e;
    r.keep_alive = keep_alive && !ec;
    r.bytes_out = ec ? 0 : res.body().size();
    co_return r;
}

net::awaitable<forward_result> forward(proxy_services& svc, client_stream& downstream, request_body& body,
                                       const routing::route& route, const request_id& id, token_choice tokens)
{
    auto& req = body.header();
    exchange x{svc,
               downstream,
               body,
               route,
               *svc.pools[route.upstream],
               std::min(req.version(), 11u),
               body.client_keep_alive() && !svc.draining,
               req.method() == http::verb::head,
               echoes_token(route.target),
               id,
               tokens};
    // This frame must stay within the 1,020 bytes Asio 1.81 recycles, or each
    // request allocates it (and evicts a cached frame): every local and every
    // co_await result that lives across a suspension takes room in it. The
    // size is the constant the ramp function allocates (objdump -d).
    forward_result result;
    // A token held and valid needs no coroutine of its own (nearly every
    // request); token_or_reply waits for one or answers why there is none.
    auto tok = tokens.source.usable_now();
    if (!tok)
        tok = co_await token_or_reply(x, result);
    if (!tok)
        co_return result;
    rewrite_for_upstream(x, *tok);

    // A body that cannot be replayed must not go out on a connection that may
    // turn out stale: always a fresh one.
    bool force_fresh = !body.replayable();
    // While this attempt replays a request after an upstream 401, its end is
    // that retry's outcome; counted once (settle_401).
    bool replaying_401 = false;
    // Why the request failed, answered once after the loop: each reply in
    // the loop took a slot of its own in this coroutine's frame.
    errc failure{};
    for (unsigned attempts = 1;; ++attempts) {
        // A reusable idle connection needs no coroutine of its own either.
        auto conn = x.pool.take_idle(force_fresh);
        bool reused = conn != nullptr;
        if (!conn) {
            auto lease = co_await x.pool.acquire(force_fresh);
            if (!lease) {
                settle_401(svc.metrics, replaying_401, unauthorized_outcome::upstream_failed);
                failure = lease.error();
                break;
            }
            conn = std::move(lease->connection);
            reused = lease->reused;
        }

        const auto sending = clock::now();
        auto sent = co_await body.send(*conn, svc.cfg.upstream.write_timeout);
        if (sent.client_error) {
            settle_401(svc.metrics, replaying_401, unauthorized_outcome::upstream_failed);
            // The upstream got a truncated request, which it cannot take for
            // a whole one: closing the connection discards it.
            upstream::close_connection(*conn);
            // A parse error is the client's fault and gets its answer; a
            // vanished or silent client gets nothing.
            // (A client whose body failed mid-way has not been read to a
            // message boundary: the reply closes the connection.)
            if (auto why = reply_for_read_error(sent.client_error)) {
                failure = *why;
                break;
            }
            result.error = errc::bad_request;
            co_return result;
        }
        // From here on the upstream owes a whole response within the deadline.
        auto deadline = clock::now() + svc.cfg.upstream.response_deadline;
        error_code ec = sent.upstream_error ? sent.upstream_error
                                            : co_await read_response_header(*conn, conn->response, x.head,
                                                                            svc.cfg.upstream.response_timeout,
                                                                            deadline);
        if (ec) {
            upstream::close_connection(*conn);
            // A pooled connection the server closed while we were choosing it:
            // nothing reached the application, so sending again is safe.
            const bool got_some = conn->response && conn->response->got_some();
            if (!is_timeout(ec) && !got_some &&
                routing::may_retry(attempts, routing::attempt_failure::stale_connection, body.replayable(),
                                   reused)) {
                svc.metrics.stale_connection_retries.Increment();
                result.retried = true;
                force_fresh = true;
                continue;
            }
            settle_401(svc.metrics, replaying_401, unauthorized_outcome::upstream_failed);
            failure = classify_exchange_failure(ec, bool(sent.upstream_error), got_some);
            break;
        }

        svc.metrics.upstream_response_duration(route.upstream)
            .Observe(std::chrono::duration<double>(clock::now() - sending).count());
        result.upstream_status = conn->response->get().result_int();
        if (result.upstream_status == 401) {
            // Revoked, or expired early: drop the token (unless another
            // request already did) so the single flight fetches a new one.
            tokens.source.reject(*tok);
            if (routing::may_retry(attempts, routing::attempt_failure::unauthorized, body.replayable(),
                                   reused)) {
                // The 401's connection is closed rather than drained: its
                // body is worth nothing to us.
                upstream::close_connection(*conn);
                // Retried from here on, even when no token comes: the access
                // line must tell a 503 that followed an upstream 401 from one
                // that never reached the upstream.
                result.retried = true;
                tok = co_await token_or_reply(x, result);
                if (!tok) {
                    svc.metrics.unauthorized(unauthorized_outcome::token_unavailable).Increment();
                    co_return result;
                }
                req.set(http::field::authorization, tok->authorization);
                replaying_401 = true;
                force_fresh = false;
                continue;
            }
            if (replaying_401)
                settle_401(svc.metrics, replaying_401, unauthorized_outcome::unauthorized_again);
            else
                svc.metrics.unauthorized(unauthorized_outcome::not_retried).Increment();
        } else {
            settle_401(svc.metrics, replaying_401, unauthorized_outcome::succeeded);
            // The token earned an answer: a later 401 to it is a revocation,
            // not a sign that the endpoint hands out tokens the API refuses.
            tokens.source.accepted(*tok);
        }
        co_return co_await deliver_response(x, std::move(conn), *tok, deadline, result);
    }
    co_return co_await x.reply(failure, result);
}

}  // namespace litmus::forward
