// deadline_stream, the transport of every client and upstream connection,
// over TCP on 127.0.0.1: what it shares with beast::basic_stream (an
// operation outstanding at the deadline completes with timeout and closes
// the socket; a deadline passed with nothing outstanding times out the next
// operation; expires_never) and what its lazy timer must get right (one
// deadline across several operations, a deadline moved later while its wait
// is pending, one moved earlier under an outstanding read, per-operation
// cancellation, the stream destroyed with its timer and a read pending), and
// its writes made at once (write_some_now, write_all).
// Deadlines are real time, as the socket's are: short ones, and every test
// bounded by the io_context's run_for.

#include "proxy/core/deadline_stream.hpp"
#include "proxy/core/write_all.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace litmus {

namespace {

using namespace std::chrono_literals;
using stream = deadline_stream<tcp>;
constexpr auto await_tuple = net::as_tuple(net::use_awaitable);

struct connected_pair {
    net::io_context ioc;
    tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
    stream client{ioc.get_executor()};
    tcp::socket server{ioc};

    connected_pair()
    {
        client.socket().connect(acceptor.local_endpoint());
        server = acceptor.accept();
    }

    // `test` to its end within 10 s; an exception fails the test. Stopped
    // there: the fixture's stream may keep a wait for a later deadline.
    void run(std::function<net::awaitable<void>()> test)
    {
        bool finished = false;
        net::co_spawn(ioc, std::move(test), [&](std::exception_ptr e) {
            finished = true;
            ioc.stop();
            if (e)
                std::rethrow_exception(e);
        });
        ioc.run_for(10s);
        BOOST_TEST_REQUIRE(finished);
    }

    net::awaitable<void> sleep(std::chrono::milliseconds d)
    {
        net::steady_timer t(ioc, d);
        co_await t.async_wait(await_tuple);
    }

    // Writes `bytes` from the server end after `d`, alongside the test.
    void send_after(std::chrono::milliseconds d, std::string bytes)
    {
        auto write = [this, d, bytes = std::move(bytes)]() -> net::awaitable<void> {
            co_await sleep(d);
            co_await net::async_write(server, net::buffer(bytes), net::use_awaitable);
        };
        net::co_spawn(ioc, std::move(write), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(deadline_stream_test)

BOOST_FIXTURE_TEST_CASE(a_read_outstanding_at_the_deadline_times_out_and_closes_the_socket, connected_pair)
{
    error_code read_error;
    run([&]() -> net::awaitable<void> {
        client.expires_after(50ms);
        char byte;
        std::tie(read_error, std::ignore) = co_await client.async_read_some(net::buffer(&byte, 1), await_tuple);
    });
    BOOST_TEST((read_error == beast::error::timeout), read_error.message());
    BOOST_TEST(!client.socket().is_open());
}

BOOST_FIXTURE_TEST_CASE(a_write_the_peer_does_not_read_times_out, connected_pair)
{
    error_code write_error;
    std::size_t written = 0;
    run([&]() -> net::awaitable<void> {
        // Far more than the two sockets' buffers hold: the write stays outstanding.
        const std::string big(64 * 1024 * 1024, 'x');
        client.expires_after(100ms);
        std::tie(write_error, written) = co_await net::async_write(client, net::buffer(big), await_tuple);
    });
    BOOST_TEST((write_error == beast::error::timeout), write_error.message());
    BOOST_TEST(written > 0u);
}

BOOST_FIXTURE_TEST_CASE(one_deadline_spans_the_operations_after_it, connected_pair)
{
    std::vector<error_code> results;
    run([&]() -> net::awaitable<void> {
        co_await net::async_write(server, net::buffer(std::string("ab")), net::use_awaitable);
        client.expires_after(100ms);
        char byte;
        auto [first, n1] = co_await client.async_read_some(net::buffer(&byte, 1), await_tuple);
        results.push_back(first);
        // The deadline passes with nothing outstanding; a byte is waiting,
        // yet the next read, started after the deadline, times out.
        co_await sleep(200ms);
        auto [second, n2] = co_await client.async_read_some(net::buffer(&byte, 1), await_tuple);
        results.push_back(second);
        (void)n1;
        (void)n2;
    });
    BOOST_TEST_REQUIRE(results.size() == 2u);
    BOOST_TEST(!results[0], results[0].message());
    BOOST_TEST((results[1] == beast::error::timeout), results[1].message());
}

BOOST_FIXTURE_TEST_CASE(a_deadline_moved_later_is_waited_for_again, connected_pair)
{
    error_code read_error;
    std::chrono::steady_clock::duration took{};
    run([&]() -> net::awaitable<void> {
        // The wait for 50 ms is pending when the deadline moves to 150 ms,
        // under the same outstanding read: the first wait must not end it,
        // and the read must still time out (never, were the wait not renewed).
        const auto start = std::chrono::steady_clock::now();
        client.expires_after(50ms);
        net::steady_timer later(ioc, 10ms);
        later.async_wait([&](const error_code&) { client.expires_at(start + 150ms); });
        char byte;
        std::tie(read_error, std::ignore) = co_await client.async_read_some(net::buffer(&byte, 1), await_tuple);
        took = std::chrono::steady_clock::now() - start;
    });
    BOOST_TEST((read_error == beast::error::timeout), read_error.message());
    // A lower bound only (timers never fire early): not a speed assertion.
    BOOST_TEST(took >= 150ms);
}

BOOST_FIXTURE_TEST_CASE(a_deadline_moved_earlier_applies_to_the_outstanding_read, connected_pair)
{
    error_code read_error;
    run([&]() -> net::awaitable<void> {
        // 20 s would outlast run_for (10 s); moved to 50 ms, the read ends then.
        client.expires_after(20s);
        net::steady_timer sooner(ioc, 10ms);
        sooner.async_wait([&](const error_code&) { client.expires_after(50ms); });
        char byte;
        std::tie(read_error, std::ignore) = co_await client.async_read_some(net::buffer(&byte, 1), await_tuple);
    });
    BOOST_TEST((read_error == beast::error::timeout), read_error.message());
}

BOOST_FIXTURE_TEST_CASE(expires_never_lifts_the_deadline, connected_pair)
{
    error_code read_error;
    std::size_t n = 0;
    run([&]() -> net::awaitable<void> {
        client.expires_after(50ms);
        client.expires_never();
        send_after(150ms, "x");
        char byte;
        std::tie(read_error, n) = co_await client.async_read_some(net::buffer(&byte, 1), await_tuple);
    });
    BOOST_TEST(!read_error, read_error.message());
    BOOST_TEST(n == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_cancelled_read_is_aborted_and_the_stream_stays_usable, connected_pair)
{
    error_code cancelled, later;
    std::size_t n = 0;
    run([&]() -> net::awaitable<void> {
        client.expires_after(5s);
        net::cancellation_signal cancel;
        net::post(ioc, [&] { cancel.emit(net::cancellation_type::terminal); });
        char byte;
        std::tie(cancelled, std::ignore) = co_await client.async_read_some(
            net::buffer(&byte, 1), net::bind_cancellation_slot(cancel.slot(), await_tuple));
        co_await net::async_write(server, net::buffer(std::string("y")), net::use_awaitable);
        std::tie(later, n) = co_await client.async_read_some(net::buffer(&byte, 1), await_tuple);
    });
    BOOST_TEST((cancelled == net::error::operation_aborted), cancelled.message());
    BOOST_TEST(!later, later.message());
    BOOST_TEST(n == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_stream_destroyed_with_a_read_and_a_wait_pending_aborts_the_read, connected_pair)
{
    std::optional<error_code> read_error;
    auto doomed = std::make_unique<stream>(ioc.get_executor());
    doomed->socket().connect(acceptor.local_endpoint());
    auto peer = acceptor.accept();
    doomed->expires_after(10s);
    char byte;
    doomed->async_read_some(net::buffer(&byte, 1), [&](error_code ec, std::size_t) { read_error = ec; });
    doomed.reset();
    ioc.run_for(5s);
    BOOST_TEST_REQUIRE(read_error.has_value());
    BOOST_TEST((*read_error == net::error::operation_aborted), read_error->message());
    // Nothing is left waiting: the 10 s timer went with the stream.
    BOOST_TEST(ioc.stopped());
}

BOOST_FIXTURE_TEST_CASE(connect_takes_the_first_endpoint_that_accepts, connected_pair)
{
    std::uint16_t closed_port;
    {
        tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
        closed_port = a.local_endpoint().port();
    }
    std::vector<tcp::endpoint> endpoints{{net::ip::make_address("127.0.0.1"), closed_port},
                                         acceptor.local_endpoint()};
    error_code connect_error;
    tcp::endpoint connected;
    stream fresh(ioc.get_executor());
    run([&]() -> net::awaitable<void> {
        fresh.expires_after(5s);
        std::tie(connect_error, connected) = co_await fresh.async_connect(endpoints, await_tuple);
    });
    BOOST_TEST(!connect_error, connect_error.message());
    BOOST_TEST((connected == acceptor.local_endpoint()));
}

BOOST_FIXTURE_TEST_CASE(write_some_now_writes_what_the_socket_takes_and_never_waits, connected_pair)
{
    std::size_t small = 0;
    std::string got(5, '\0');
    std::size_t big_taken = 0;
    std::size_t taken_when_full = 1;
    error_code ec;
    run([&]() -> net::awaitable<void> {
        small = client.write_some_now(net::buffer(std::string_view("hello")), ec);
        co_await net::async_read(server, net::buffer(got), net::use_awaitable);
        // Far more than the two sockets' buffers hold: taken until they are full.
        const std::string big(64 * 1024 * 1024, 'x');
        for (std::size_t n = 1; n > 0 && !ec; big_taken += n)
            n = client.write_some_now(net::buffer(big) + big_taken, ec);
        taken_when_full = client.write_some_now(net::buffer(big) + big_taken, ec);
    });
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(small == 5u);
    BOOST_TEST(got == "hello");
    BOOST_TEST(big_taken > 0u);
    BOOST_TEST(big_taken < 64u * 1024 * 1024);
    BOOST_TEST(taken_when_full == 0u);
}

// MSG_NOSIGNAL: a write to a reset connection is an error, not a SIGPIPE
// that would end the process.
BOOST_FIXTURE_TEST_CASE(write_some_now_on_a_reset_connection_fails_with_an_error, connected_pair)
{
    error_code read_error;
    error_code write_error;
    std::size_t written = 1;
    run([&]() -> net::awaitable<void> {
        server.set_option(net::socket_base::linger(true, 0));  // close() sends a reset
        server.close();
        char byte;
        std::tie(read_error, std::ignore) = co_await client.async_read_some(net::buffer(&byte, 1), await_tuple);
        written = client.write_some_now(net::buffer(std::string_view("after")), write_error);
    });
    BOOST_TEST((read_error == net::error::connection_reset), read_error.message());
    BOOST_TEST(written == 0u);
    BOOST_TEST((write_error == net::error::broken_pipe || write_error == net::error::connection_reset),
               write_error.message());
}

BOOST_FIXTURE_TEST_CASE(write_all_waits_for_the_socket_and_keeps_the_deadline_rule, connected_pair)
{
    const std::string big(64 * 1024 * 1024, 'y');
    std::string received(big.size(), '\0');
    error_code big_error;
    std::size_t big_written = 0;
    error_code late_error;
    run([&]() -> net::awaitable<void> {
        // The server reads once the client's write is waiting for room.
        auto read_later = [&]() -> net::awaitable<void> {
            co_await sleep(50ms);
            co_await net::async_read(server, net::buffer(received), net::use_awaitable);
        };
        net::co_spawn(ioc, read_later(), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
        client.expires_after(5s);
        const auto whole = net::buffer(big);  // named: GCC 12 mishandles temporaries in co_await
        std::tie(big_error, big_written) = co_await write_all(client, whole);
        // A deadline that passed with nothing outstanding times out the next
        // operation, a write made at once included.
        co_await net::async_write(server, net::buffer(std::string_view("a")), net::use_awaitable);
        client.expires_after(100ms);
        char byte;
        co_await client.async_read_some(net::buffer(&byte, 1), await_tuple);
        co_await sleep(200ms);
        const auto late = net::buffer(std::string_view("late"));
        std::tie(late_error, std::ignore) = co_await write_all(client, late);
    });
    BOOST_TEST(!big_error, big_error.message());
    BOOST_TEST(big_written == big.size());
    BOOST_TEST((received == big));
    BOOST_TEST((late_error == beast::error::timeout), late_error.message());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace litmus
