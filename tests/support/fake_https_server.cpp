#include "tests/support/fake_https_server.hpp"

#include <openssl/ssl.h>

#include <boost/algorithm/string/predicate.hpp>

#include <cstdio>
#include <future>
#include <stdexcept>

namespace litmus::fake {

namespace {

using namespace std::chrono_literals;

constexpr auto handshake_timeout = 10s;
constexpr auto write_timeout = 30s;
constexpr auto shutdown_timeout = 1s;
constexpr auto tuple_token = net::as_tuple(net::use_awaitable);

void log_failure(std::string_view what, std::exception_ptr e)
{
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "litmus-fake: %.*s: %s\n", static_cast<int>(what.size()), what.data(), ex.what());
    } catch (...) {
        std::fprintf(stderr, "litmus-fake: %.*s: unknown exception\n", static_cast<int>(what.size()),
                     what.data());
    }
}

recorded_request to_record(http::request<http::string_body>&& req, const std::string& sni, std::uint64_t id)
{
    recorded_request rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    rec.host = std::string(req[http::field::host]);
    rec.headers.reserve(16);
    for (const auto& f : req)
        rec.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    rec.body = std::move(req.body());
    rec.at = std::chrono::steady_clock::now();
    rec.sni = sni;
    rec.connection_id = id;
    return rec;
}

}  // namespace

// One TLS connection. Owned jointly by the server's session set and its
// co_spawn completion handler; lives on the server thread only.
class fake_https_server::session {
public:
    session(tcp::socket socket, fake_https_server& owner, std::uint64_t id)
        : stream_(std::move(socket), owner.tls_), stall_(stream_.get_executor()), owner_(owner), id_(id)
    {
        stall_.expires_at(net::steady_timer::time_point::max());
    }

    net::awaitable<void> run();

    // Closing the socket fails every pending operation; the flag covers the
    // gap where an operation already completed but the coroutine has not yet
    // resumed, so it cannot start a new wait (a stall) after this.
    void abort() noexcept
    {
        aborted_ = true;
        error_code ec;
        beast::get_lowest_layer(stream_).socket().close(ec);
        stall_.cancel();
    }

    // Wakes a session waiting in hold; one that is not holding is untouched.
    void release() noexcept
    {
        if (holding_)
            stall_.cancel();
    }

private:
    void notify(const recorded_request& rec, unsigned status, std::string_view outcome) const;

    ssl::stream<beast::tcp_stream> stream_;
    net::steady_timer stall_;
    fake_https_server& owner_;
    std::uint64_t id_;
    bool aborted_ = false;
    bool holding_ = false;
};

void fake_https_server::session::notify(const recorded_request& rec, unsigned status, std::string_view outcome) const
{
    if (!owner_.observer_)
        return;
    try {
        owner_.observer_(served_request{rec, status, outcome});
    } catch (...) {
        log_failure("request observer", std::current_exception());
    }
}

net::awaitable<void> fake_https_server::session::run()
{
    auto& tcp_layer = beast::get_lowest_layer(stream_);
    tcp_layer.expires_after(handshake_timeout);
    auto [hs_ec] = co_await stream_.async_handshake(ssl::stream_base::server, tuple_token);
    // A client that rejects our certificate hangs up here; that is a test
    // outcome, not a server problem.
    if (hs_ec)
        co_return;
    const char* sni_raw = SSL_get_servername(stream_.native_handle(), TLSEXT_NAMETYPE_host_name);
    const std::string sni = sni_raw ? sni_raw : "";

    beast::flat_buffer buffer;
    for (;;) {
        if (aborted_)
            co_return;
        // Fresh parser per request: Beast parsers are single-use.
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(owner_.limits_.header_limit));
        parser.body_limit(owner_.limits_.body_limit);
        // Keep-alive connections may idle for as long as the client likes;
        // destruction or drop_connections() closes them.
        tcp_layer.expires_never();
        auto [hdr_ec, hdr_n] = co_await http::async_read_header(stream_, buffer, parser, tuple_token);
        // EOF, a malformed request, an over-limit header or abort(): all end
        // the connection without an answer.
        if (hdr_ec)
            co_return;
        if (boost::algorithm::iequals(parser.get()[http::field::expect], "100-continue")) {
            http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
            tcp_layer.expires_after(write_timeout);
            auto [c_ec, c_n] = co_await http::async_write(stream_, cont, tuple_token);
            if (c_ec)
                co_return;
            tcp_layer.expires_never();
        }
        if (!parser.is_done()) {
            auto [body_ec, body_n] = co_await http::async_read(stream_, buffer, parser, tuple_token);
            if (body_ec)
                co_return;
        }

        const unsigned version = parser.get().version();
        const bool keep_alive = parser.get().keep_alive();
        const bool is_head = parser.get().method() == http::verb::head;
        const recorded_request rec = to_record(parser.release(), sni, id_);

        fake_reply reply;
        try {
            reply = owner_.handler_(rec);
            if (reply.what == fake_reply::action::respond || reply.what == fake_reply::action::hold ||
                reply.what == fake_reply::action::drip) {
                auto& res = reply.response;
                res.version(version);
                res.keep_alive(keep_alive);
                res.set(http::field::server, "litmus-fake");
                res.prepare_payload();
                if (is_head) {
                    // HEAD: the length of the body a GET would get, no body (RFC 9110 §9.3.2).
                    const auto n = res.body().size();
                    res.body().clear();
                    res.content_length(n);
                }
            }
        } catch (...) {
            log_failure("request handler", std::current_exception());
            co_return;
        }
        if (aborted_)
            co_return;

        switch (reply.what) {
        case fake_reply::action::hold:
        case fake_reply::action::respond: {
            if (reply.what == fake_reply::action::hold) {
                notify(rec, reply.response.result_int(), "held");
                holding_ = true;
                auto [h_ec] = co_await stall_.async_wait(tuple_token);
                (void)h_ec;  // cancelled by release() or abort()
                holding_ = false;
                if (aborted_)
                    co_return;
            } else {
                notify(rec, reply.response.result_int(), "answered");
            }
            tcp_layer.expires_after(write_timeout);
            if (!reply.preamble.empty()) {
                auto [p_ec, p_n] = co_await net::async_write(stream_, net::buffer(reply.preamble), tuple_token);
                if (p_ec)
                    co_return;
            }
            auto [wr_ec, wr_n] = co_await http::async_write(stream_, reply.response, tuple_token);
            if (wr_ec)
                co_return;
            if (!keep_alive) {
                tcp_layer.expires_after(shutdown_timeout);
                auto [sd_ec] = co_await stream_.async_shutdown(tuple_token);
                (void)sd_ec;  // the peer may well have gone already
                co_return;
            }
            break;
        }
        case fake_reply::action::close: {
            notify(rec, 0, "closed");
            error_code ec;
            tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ec);
            tcp_layer.socket().close(ec);
            co_return;
        }
        case fake_reply::action::reset: {
            notify(rec, 0, "reset");
            error_code ec;
            // SO_LINGER with a zero timeout turns close() into an RST.
            tcp_layer.socket().set_option(net::socket_base::linger(true, 0), ec);
            tcp_layer.socket().close(ec);
            co_return;
        }
        case fake_reply::action::drip: {
            notify(rec, reply.response.result_int(), "dripped");
            // The header at once, then the body a byte at a time.
            const std::string bytes = std::move(reply.response.body());
            reply.response.body().clear();
            http::response_serializer<http::string_body> sr{reply.response};
            tcp_layer.expires_after(write_timeout);
            auto [h_ec, h_n] = co_await http::async_write_header(stream_, sr, tuple_token);
            if (h_ec || aborted_)
                co_return;
            net::steady_timer pause(stream_.get_executor());
            for (char c : bytes) {
                tcp_layer.expires_after(write_timeout);
                auto [d_ec, d_n] = co_await net::async_write(stream_, net::buffer(&c, 1), tuple_token);
                if (d_ec || aborted_)
                    co_return;
                pause.expires_after(std::chrono::milliseconds(5));
                auto [p_ec] = co_await pause.async_wait(tuple_token);
                (void)p_ec;
            }
            if (!keep_alive)
                co_return;
            break;
        }
        case fake_reply::action::stall: {
            notify(rec, 0, "stalled");
            auto [st_ec] = co_await stall_.async_wait(tuple_token);
            (void)st_ec;  // only abort() ends a stall
            co_return;
        }
        }
    }
}

fake_https_server::fake_https_server(const std::string& listen_host, std::uint16_t port, const std::string& cert_pem,
                                     const std::string& key_pem, handler h, observer o, server_limits l)
    : handler_(std::move(h)), observer_(std::move(o)), limits_(l)
{
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    error_code ec;
    tls_.use_certificate_chain(net::buffer(cert_pem), ec);
    if (!ec)
        tls_.use_private_key(net::buffer(key_pem), ssl::context::pem, ec);
    if (ec)
        throw std::runtime_error("litmus-fake: bad certificate or key: " + ec.message());

    const tcp::endpoint ep{net::ip::make_address(listen_host), port};
    acceptor_.open(ep.protocol());
    // Lets litmus-fake restart on a fixed port while old connections sit in TIME_WAIT.
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(net::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();

    net::co_spawn(ioc_, accept_loop(), [](std::exception_ptr e) {
        if (e)
            log_failure("accept loop", e);
    });
    thread_ = std::thread([this] {
        // Handlers catch their own exceptions; this loop is the last line so
        // the fake never takes the test process down with it.
        for (;;) {
            try {
                ioc_.run();
                return;
            } catch (...) {
                log_failure("io_context", std::current_exception());
            }
        }
    });
}

fake_https_server::~fake_https_server()
{
    net::post(ioc_, [this] {
        stopping_ = true;
        error_code ec;
        acceptor_.close(ec);
        abort_sessions();
    });
    // With the listener and every socket closed and stalls cancelled, no
    // work is left and run() returns.
    thread_.join();
}

void fake_https_server::abort_sessions()
{
    for (const auto& s : sessions_)
        s->abort();
}

void fake_https_server::drop_connections()
{
    if (ioc_.get_executor().running_in_this_thread()) {
        abort_sessions();
        return;
    }
    std::promise<void> done;
    net::post(ioc_, [this, &done] {
        abort_sessions();
        done.set_value();
    });
    done.get_future().wait();
}

void fake_https_server::release_held()
{
    auto release_all = [this] {
        for (const auto& s : sessions_)
            s->release();
    };
    if (ioc_.get_executor().running_in_this_thread()) {
        release_all();
        return;
    }
    std::promise<void> done;
    net::post(ioc_, [&] {
        release_all();
        done.set_value();
    });
    done.get_future().wait();
}

net::awaitable<void> fake_https_server::accept_loop()
{
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(tuple_token);
        if (stopping_)
            co_return;
        if (ec) {
            if (ec == net::error::operation_aborted || !acceptor_.is_open())
                co_return;
            // EMFILE and the like: back off instead of spinning on the error.
            net::steady_timer backoff(ioc_, 50ms);
            auto [t_ec] = co_await backoff.async_wait(tuple_token);
            (void)t_ec;
            continue;
        }
        error_code opt_ec;
        socket.set_option(tcp::no_delay(true), opt_ec);
        auto s = std::make_shared<session>(std::move(socket), *this, ++accepted_);
        sessions_.insert(s);
        ++open_;
        net::co_spawn(ioc_, s->run(), [this, s](std::exception_ptr e) {
            sessions_.erase(s);
            --open_;
            if (e)
                log_failure("session", e);
        });
    }
}

}  // namespace litmus::fake
