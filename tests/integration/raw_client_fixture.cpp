#include "tests/integration/raw_client_fixture.hpp"

#include <boost/beast/core/string.hpp>

#include <cerrno>
#include <cstring>
#include <limits>
#include <sstream>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace litmus::test {

namespace {

using clock = std::chrono::steady_clock;

int millis_until(clock::time_point deadline)
{
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

}  // namespace

std::string raw_response::header(std::string_view name) const
{
    for (const auto& [k, v] : headers)
        if (beast::iequals(k, name))
            return v;
    return {};
}

std::size_t raw_response::count(std::string_view name) const
{
    std::size_t n = 0;
    for (const auto& [k, v] : headers)
        n += beast::iequals(k, name) ? 1 : 0;
    return n;
}

raw_connection::raw_connection(std::uint16_t port, std::chrono::milliseconds timeout)
{
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        connect_error_ = std::string("socket: ") + std::strerror(errno);
        return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0)
        return;
    if (errno != EINPROGRESS) {
        connect_error_ = std::string("connect: ") + std::strerror(errno);
        return;
    }
    pollfd p{fd_, POLLOUT, 0};
    int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r <= 0) {
        connect_error_ = "connect: timed out";
        return;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0)
        connect_error_ = std::string("connect: ") + std::strerror(err);
}

raw_connection::~raw_connection()
{
    if (fd_ >= 0)
        ::close(fd_);
}

bool raw_connection::read_some(clock::time_point deadline)
{
    if (closed_)
        return false;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, millis_until(deadline));
    if (r <= 0)
        return false;
    char buf[16 * 1024];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
        received_.append(buf, static_cast<std::size_t>(n));
        reparse();
        return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return true;
    closed_ = true;
    reset_ = n < 0;
    reparse();  // a close-delimited body ends here
    return false;
}

bool raw_connection::write(std::string_view bytes, std::chrono::milliseconds timeout)
{
    if (!connected())
        return false;
    const auto deadline = clock::now() + timeout;
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        if (closed_) {
            write_error_ = "peer closed after " + std::to_string(sent) + " of " + std::to_string(bytes.size()) +
                           " bytes";
            return false;
        }
        pollfd p{fd_, POLLIN | POLLOUT, 0};
        int r = ::poll(&p, 1, millis_until(deadline));
        if (r <= 0) {
            write_error_ = "write timed out after " + std::to_string(sent) + " bytes";
            return false;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            // Read first: the peer may have answered (and be about to reset).
            read_some(clock::now());
            if (closed_)
                continue;
        }
        if (p.revents & POLLOUT) {
            ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                write_error_ = std::string("send: ") + std::strerror(errno) + " after " + std::to_string(sent) +
                               " bytes";
                return false;
            }
        }
    }
    return true;
}

void raw_connection::shutdown_write()
{
    if (fd_ >= 0 && !half_closed_) {
        ::shutdown(fd_, SHUT_WR);
        half_closed_ = true;
    }
}

bool raw_connection::await_final_responses(std::size_t n, std::chrono::milliseconds timeout)
{
    const auto deadline = clock::now() + timeout;
    while (final_count() < n && !closed_ && clock::now() < deadline)
        read_some(deadline);
    return final_count() >= n;
}

bool raw_connection::await_close(std::chrono::milliseconds timeout)
{
    const auto deadline = clock::now() + timeout;
    while (!closed_ && clock::now() < deadline)
        read_some(deadline);
    return closed_;
}

void raw_connection::reparse()
{
    responses_.clear();
    parse_error_.clear();
    std::size_t pos = 0;
    while (pos < received_.size()) {
        http::response_parser<http::string_body> parser;
        parser.eager(true);
        parser.header_limit(std::numeric_limits<std::uint32_t>::max());
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        std::size_t used = 0;
        error_code ec;
        while (!parser.is_done()) {
            auto n = parser.put(net::buffer(received_.data() + pos + used, received_.size() - pos - used), ec);
            used += n;
            if (ec == http::error::need_more) {
                ec = {};
                if (closed_ && pos + used == received_.size())
                    parser.put_eof(ec);  // completes a body delimited by the close
                break;
            }
            if (ec || n == 0)
                break;
        }
        if (ec) {
            parse_error_ = ec.message() + " at byte " + std::to_string(pos);
            return;
        }
        if (!parser.is_done())
            return;  // the rest has not arrived yet
        auto res = parser.release();
        raw_response r;
        r.status = res.result_int();
        for (const auto& f : res)
            r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        r.body = std::move(res.body());
        responses_.push_back(std::move(r));
        pos += used;
    }
}

std::vector<unsigned> raw_connection::final_statuses() const
{
    std::vector<unsigned> out;
    for (const auto& r : responses_)
        if (!r.interim())
            out.push_back(r.status);
    return out;
}

std::size_t raw_connection::final_count() const { return final_statuses().size(); }

std::string raw_connection::describe() const
{
    std::ostringstream o;
    o << "responses [";
    for (std::size_t i = 0; i < responses_.size(); ++i)
        o << (i ? " " : "") << responses_[i].status;
    o << "]";
    if (!connect_error_.empty())
        o << ", " << connect_error_;
    o << (closed_ ? (reset_ ? ", reset by proxy" : ", closed by proxy") : ", still open");
    if (half_closed_)
        o << " (after client FIN)";
    if (!write_error_.empty())
        o << ", write: " << write_error_;
    if (!parse_error_.empty())
        o << ", unparsable: " << parse_error_;
    o << ", received " << received_.size() << " bytes: \"" << printable(received_, 300) << "\"";
    return o.str();
}

std::string printable(std::string_view s, std::size_t max)
{
    std::string out;
    for (unsigned char c : s) {
        if (out.size() >= max) {
            out += "...(" + std::to_string(s.size()) + " bytes)";
            break;
        }
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\\')
            out += "\\\\";
        else if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace litmus::test
