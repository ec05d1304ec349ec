// upstream::tls_stream, the upstream connections' TLS, against an Asio
// ssl::stream server on 127.0.0.1 with a certificate of the test CA: bytes
// intact across records and write_limit, the errors ssl::stream gives for the
// ways a connection ends, results never delivered inside the initiating
// call, the transport's timeout and per-operation cancellation, writes made
// at once with what the transport did not take kept for the next, and the
// host name check.

#include "proxy/upstream/tls_stream.hpp"
#include "proxy/core/write_all.hpp"
#include "tests/support/test_ca.hpp"

#include <boost/test/unit_test.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <exception>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace litmus::upstream {

namespace {

using server_stream = ssl::stream<tcp::socket>;
using server_part = std::function<net::awaitable<void>(server_stream&)>;
using client_part = std::function<net::awaitable<void>(tls_stream&)>;

constexpr auto await_tuple = net::as_tuple(net::use_awaitable);

struct tls_pair {
    net::io_context ioc;
    test::test_ca ca;
    ssl::context server_ctx{ssl::context::tls_server};
    ssl::context client_ctx{ssl::context::tls_client};
    tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
    error_code client_handshake;
    long client_verify_result = X509_V_OK;

    tls_pair()
    {
        auto issued = ca.issue({"api.litmus.com"}, {});
        server_ctx.use_certificate_chain(net::buffer(issued.cert_pem));
        server_ctx.use_private_key(net::buffer(issued.key_pem), ssl::context::pem);
        client_ctx.add_certificate_authority(net::buffer(ca.ca_pem()));
        client_ctx.set_verify_mode(ssl::verify_peer);
    }

    net::awaitable<void> serve(const server_part& part)
    {
        auto socket = co_await acceptor.async_accept(net::use_awaitable);
        server_stream s(std::move(socket), server_ctx);
        auto [ec] = co_await s.async_handshake(ssl::stream_base::server, await_tuple);
        if (!ec)
            co_await part(s);
    }

    net::awaitable<void> connect(const client_part& part, std::string host)
    {
        tls_stream c(ioc.get_executor(), client_ctx);
        co_await c.next_layer().async_connect(acceptor.local_endpoint(), net::use_awaitable);
        SSL_set1_host(c.native_handle(), host.c_str());
        std::tie(client_handshake) = co_await c.async_handshake(await_tuple);
        client_verify_result = SSL_get_verify_result(c.native_handle());
        if (!client_handshake)
            co_await part(c);
    }

    // Both sides to their end, within 10 s; an exception in either fails the test.
    void run(const server_part& server, const client_part& client, std::string host = "api.litmus.com")
    {
        int finished = 0;
        auto done = [&](std::exception_ptr e) {
            ++finished;
            if (e)
                std::rethrow_exception(e);
        };
        net::co_spawn(ioc, serve(server), done);
        net::co_spawn(ioc, connect(client, std::move(host)), done);
        ioc.run_for(std::chrono::seconds(10));
        BOOST_TEST_REQUIRE(finished == 2);
    }
};

std::string random_bytes(std::size_t n)
{
    std::mt19937 gen(42);
    std::string out(n, '\0');
    for (auto& c : out)
        c = static_cast<char>(gen());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_stream_test)

BOOST_FIXTURE_TEST_CASE(bytes_cross_records_and_the_write_limit_intact, tls_pair)
{
    const std::string sent = random_bytes(3 * tls_stream::write_limit + 1234);
    std::string echoed(sent.size(), '\0');
    std::size_t first_write = 0;
    server_part server = [&](server_stream& s) -> net::awaitable<void> {
        std::string got(sent.size(), '\0');
        co_await net::async_read(s, net::buffer(got), net::use_awaitable);
        co_await net::async_write(s, net::buffer(got), net::use_awaitable);
    };
    client_part client = [&](tls_stream& c) -> net::awaitable<void> {
        auto whole = net::buffer(sent);
        first_write = co_await c.async_write_some(whole, net::use_awaitable);
        co_await net::async_write(c, whole + first_write, net::use_awaitable);
        co_await net::async_read(c, net::buffer(echoed), net::use_awaitable);
    };
    run(server, client);
    BOOST_TEST(first_write == tls_stream::write_limit);
    BOOST_TEST(echoed == sent);
}

BOOST_FIXTURE_TEST_CASE(a_close_notify_reads_as_eof_and_a_bare_close_as_stream_truncated, tls_pair)
{
    for (bool notify : {true, false}) {
        BOOST_TEST_CONTEXT("close_notify " << notify)
        {
            std::string got;
            error_code end;
            server_part server = [&](server_stream& s) -> net::awaitable<void> {
                const std::string words = "last words";
                co_await net::async_write(s, net::buffer(words), net::use_awaitable);
                if (notify) {
                    co_await s.async_shutdown(await_tuple);
                } else {
                    error_code ignored;
                    s.next_layer().close(ignored);
                }
            };
            client_part client = [&](tls_stream& c) -> net::awaitable<void> {
                for (;;) {
                    char buf[64];
                    auto [ec, n] = co_await c.async_read_some(net::buffer(buf), await_tuple);
                    got.append(buf, n);
                    if (ec) {
                        end = ec;
                        co_return;
                    }
                }
            };
            run(server, client);
            ioc.restart();
            BOOST_TEST(got == "last words");
            if (notify)
                BOOST_TEST((end == net::error::eof), end.message());
            else
                BOOST_TEST((end == ssl::error::stream_truncated), end.message());
        }
    }
}

BOOST_FIXTURE_TEST_CASE(a_reset_in_the_middle_of_a_large_body_reads_as_connection_reset, tls_pair)
{
    // Whichever read meets the reset, the stream's own (straight into
    // OpenSSL's buffer, while the socket holds more) or the transport's,
    // it must not be mistaken for the end of the stream.
    error_code end;
    server_part server = [&](server_stream& s) -> net::awaitable<void> {
        const std::string body = random_bytes(4 * tls_stream::write_limit);
        co_await net::async_write(s, net::buffer(body), net::use_awaitable);
        s.next_layer().set_option(net::socket_base::linger(true, 0));
        s.next_layer().close();
    };
    client_part client = [&](tls_stream& c) -> net::awaitable<void> {
        std::vector<char> buf(16 * 1024);
        for (;;) {
            auto [ec, n] = co_await c.async_read_some(net::buffer(buf), await_tuple);
            if (ec) {
                end = ec;
                co_return;
            }
        }
    };
    run(server, client);
    BOOST_TEST((end == net::error::connection_reset), end.message());
}

BOOST_FIXTURE_TEST_CASE(a_result_ready_at_once_is_posted_not_delivered_inside_the_call, tls_pair)
{
    bool initiation_returned = false;
    bool delivered_after_return = false;
    std::string got;
    server_part server = [&](server_stream& s) -> net::awaitable<void> {
        const std::string both = "ab";
        co_await net::async_write(s, net::buffer(both), net::use_awaitable);  // one record
        char byte;
        co_await s.async_read_some(net::buffer(&byte, 1), await_tuple);  // until the client closes
    };
    client_part client = [&](tls_stream& c) -> net::awaitable<void> {
        char first;
        co_await c.async_read_some(net::buffer(&first, 1), net::use_awaitable);
        got += first;
        // "b" waits in OpenSSL's record buffer: no transport read needed.
        char second = 0;
        net::steady_timer finished(c.get_executor(), std::chrono::steady_clock::time_point::max());
        c.async_read_some(net::buffer(&second, 1), [&](error_code ec, std::size_t n) {
            delivered_after_return = initiation_returned && !ec && n == 1;
            finished.cancel();
        });
        initiation_returned = true;
        co_await finished.async_wait(await_tuple);
        got += second;
        c.next_layer().close();
    };
    run(server, client);
    BOOST_TEST(got == "ab");
    BOOST_TEST(delivered_after_return);
}

BOOST_FIXTURE_TEST_CASE(the_transport_timeout_ends_a_read_with_timeout, tls_pair)
{
    error_code read_error;
    server_part server = [&](server_stream& s) -> net::awaitable<void> {
        char byte;
        co_await s.async_read_some(net::buffer(&byte, 1), await_tuple);  // silent until the client gives up
    };
    client_part client = [&](tls_stream& c) -> net::awaitable<void> {
        c.next_layer().expires_after(std::chrono::milliseconds(100));
        char byte;
        std::tie(read_error, std::ignore) = co_await c.async_read_some(net::buffer(&byte, 1), await_tuple);
    };
    run(server, client);
    BOOST_TEST((read_error == beast::error::timeout), read_error.message());
}

BOOST_FIXTURE_TEST_CASE(a_cancelled_read_completes_with_operation_aborted, tls_pair)
{
    error_code read_error;
    server_part server = [&](server_stream& s) -> net::awaitable<void> {
        char byte;
        co_await s.async_read_some(net::buffer(&byte, 1), await_tuple);
    };
    client_part client = [&](tls_stream& c) -> net::awaitable<void> {
        net::cancellation_signal cancel;
        // Runs once the read below is waiting for the transport.
        net::post(c.get_executor(), [&] { cancel.emit(net::cancellation_type::terminal); });
        char byte;
        auto token = net::bind_cancellation_slot(cancel.slot(), await_tuple);
        std::tie(read_error, std::ignore) = co_await c.async_read_some(net::buffer(&byte, 1), token);
        c.next_layer().close();
    };
    run(server, client);
    BOOST_TEST((read_error == net::error::operation_aborted), read_error.message());
}

// write_some_now sends what the transport takes at once; the ciphertext it
// does not take waits (output_pending, nothing more taken) and goes out first
// with the next write, here write_all's.
BOOST_FIXTURE_TEST_CASE(write_some_now_keeps_what_the_transport_did_not_take_for_the_next_write, tls_pair)
{
    // More than loopback's socket buffers hold, so that they fill up.
    std::string sent;
    const std::string block = random_bytes(1024 * 1024);
    for (int i = 0; i < 64; ++i)
        sent += block;
    std::string received;
    std::size_t taken_at_once = 0;
    bool pending_before_write_all = false;
    std::size_t taken_while_pending = 1;
    error_code at_once_error;
    error_code write_all_error;
    std::size_t written_by_write_all = 0;
    net::steady_timer reading(ioc, std::chrono::steady_clock::time_point::max());
    server_part server = [&](server_stream& s) -> net::awaitable<void> {
        co_await reading.async_wait(await_tuple);  // expired: the client has filled the buffers
        received.resize(sent.size());
        co_await net::async_read(s, net::buffer(received), net::use_awaitable);
        // The client closes after this: a close with the session tickets
        // unread would reset the connection under the read above.
        co_await net::async_write(s, net::buffer(std::string_view("k")), net::use_awaitable);
    };
    client_part client = [&](tls_stream& c) -> net::awaitable<void> {
        while (!c.output_pending() && !at_once_error && taken_at_once < sent.size())
            taken_at_once += c.write_some_now(net::buffer(sent) + taken_at_once, at_once_error);
        pending_before_write_all = c.output_pending();
        taken_while_pending = c.write_some_now(net::buffer(sent) + taken_at_once, at_once_error);
        // Not cancel(): the server may not be waiting yet, and a wait that
        // starts after this must end at once too.
        reading.expires_at(std::chrono::steady_clock::time_point::min());
        const auto rest = net::buffer(sent) + taken_at_once;  // named: GCC 12 mishandles temporaries in co_await
        std::tie(write_all_error, written_by_write_all) = co_await write_all(c, rest);
        char done;
        co_await net::async_read(c, net::buffer(&done, 1), net::use_awaitable);
    };
    run(server, client);
    BOOST_TEST(!at_once_error, at_once_error.message());
    BOOST_TEST(taken_at_once > 0u);
    BOOST_TEST(taken_at_once < sent.size());
    BOOST_TEST(pending_before_write_all);
    BOOST_TEST(taken_while_pending == 0u);
    BOOST_TEST(!write_all_error, write_all_error.message());
    BOOST_TEST(written_by_write_all == sent.size() - taken_at_once);
    BOOST_TEST((received == sent));
}

BOOST_FIXTURE_TEST_CASE(a_certificate_for_another_host_fails_the_handshake, tls_pair)
{
    server_part server = [](server_stream&) -> net::awaitable<void> { co_return; };
    client_part client = [](tls_stream&) -> net::awaitable<void> { co_return; };
    run(server, client, "other.example");
    BOOST_TEST((client_handshake.category() == net::error::get_ssl_category()), client_handshake.message());
    BOOST_TEST(client_verify_result == X509_V_ERR_HOSTNAME_MISMATCH);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus::upstream
