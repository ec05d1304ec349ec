#include "tests/integration/proxy_fixture.hpp"

#include "proxy/config/config_loader.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>

namespace litmus::test {

std::string http_reply::header(std::string_view name) const
{
    for (const auto& [k, v] : headers)
        if (beast::iequals(k, name))
            return v;
    return {};
}

std::size_t http_reply::count(std::string_view name) const
{
    std::size_t n = 0;
    for (const auto& [k, v] : headers)
        n += beast::iequals(k, name) ? 1 : 0;
    return n;
}

json::value http_reply::json() const { return json::parse(body); }

http_client::http_client(std::uint16_t port, std::chrono::milliseconds timeout)
    : stream_(ioc_), port_(port), timeout_(timeout)
{
}

http_client::~http_client()
{
    error_code ignored;
    stream_.socket().close(ignored);
}

http_reply http_client::read_reply(beast::tcp_stream& s)
{
    http_reply out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    s.expires_after(timeout_);
    error_code ec;
    http::async_read(s, buffer_, parser, [&](error_code e, std::size_t) { ec = e; });
    ioc_.restart();
    ioc_.run();
    if (ec) {
        out.error = ec.message();
        connected_ = false;
        return out;
    }
    auto res = parser.release();
    out.status = res.result_int();
    out.body = std::move(res.body());
    for (const auto& f : res)
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    if (!res.keep_alive())
        connected_ = false;
    return out;
}

http_reply http_client::request(http::verb method, std::string_view target, const header_pairs& headers,
                                std::string_view body)
{
    http::request<http::string_body> req{method, target, 11};
    bool has_host = false;
    for (const auto& [k, v] : headers) {
        req.insert(k, v);
        has_host = has_host || beast::iequals(k, "host");
    }
    if (!has_host)
        req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    req.body() = body;
    if (!body.empty() || method == http::verb::post || method == http::verb::put)
        req.prepare_payload();
    std::ostringstream bytes;
    bytes << req;
    return raw(bytes.str());
}

http_reply http_client::raw(std::string_view bytes)
{
    if (!connected_) {
        error_code ignored;
        stream_.socket().close(ignored);
        buffer_.clear();
        error_code ec;
        stream_.expires_after(timeout_);
        stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_),
                              [&](error_code e) { ec = e; });
        ioc_.restart();
        ioc_.run();
        if (ec) {
            http_reply r;
            r.error = "connect: " + ec.message();
            return r;
        }
        connected_ = true;
    }
    error_code ec;
    stream_.expires_after(timeout_);
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()), [&](error_code e, std::size_t) { ec = e; });
    ioc_.restart();
    ioc_.run();
    if (ec) {
        connected_ = false;
        http_reply r;
        r.error = "write: " + ec.message();
        return r;
    }
    return read_reply(stream_);
}

http_reply http_once(std::uint16_t port, http::verb method, std::string_view target, const header_pairs& headers,
                     std::string_view body)
{
    http_client c(port);
    return c.request(method, target, headers, body);
}

std::size_t load_result::count(unsigned status) const
{
    return static_cast<std::size_t>(
        std::count_if(samples.begin(), samples.end(), [&](const load_sample& s) { return s.reply.status == status; }));
}

std::map<unsigned, std::size_t> load_result::statuses() const
{
    std::map<unsigned, std::size_t> out;
    for (const auto& s : samples)
        ++out[s.reply.status];
    return out;
}

std::chrono::steady_clock::duration load_result::max_latency() const
{
    std::chrono::steady_clock::duration m{0};
    for (const auto& s : samples)
        m = std::max(m, s.latency);
    return m;
}

load_result paced_requests(std::uint16_t port, std::string_view target, std::chrono::milliseconds interval,
                           std::chrono::milliseconds limit, const std::function<bool(const load_result&)>& stop)
{
    using clock = std::chrono::steady_clock;
    load_result out;
    http_client c(port);
    const auto end = clock::now() + limit;
    auto next = clock::now();
    while (clock::now() < end) {
        // Pacing, not synchronisation: the request rate is the workload.
        std::this_thread::sleep_until(next);
        load_sample s;
        s.sent = clock::now();
        s.reply = c.request(http::verb::get, target);
        s.latency = clock::now() - s.sent;
        out.samples.push_back(std::move(s));
        if (stop && stop(out))
            break;
        next = std::max(next + interval, clock::now());  // behind schedule: no catch-up burst
    }
    return out;
}

bool await_ok(std::uint16_t port, std::string_view target, std::chrono::milliseconds limit)
{
    auto r = paced_requests(port, target, std::chrono::milliseconds(20), limit,
                            [](const load_result& so_far) { return so_far.samples.back().reply.status == 200; });
    return !r.samples.empty() && r.samples.back().reply.status == 200;
}

namespace {

// One relayed connection: a pump per direction; either side ending closes both.
struct relay : std::enable_shared_from_this<relay> {
    tcp::socket client;
    tcp::socket server;
    std::array<char, 16 * 1024> up{}, down{};
    relay(tcp::socket c) : client(std::move(c)), server(client.get_executor()) {}

    void start(std::uint16_t target_port)
    {
        server.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), target_port),
                             [self = shared_from_this()](error_code ec) {
                                 if (ec)
                                     return self->close();
                                 self->pump(self->client, self->server, self->up);
                                 self->pump(self->server, self->client, self->down);
                             });
    }
    void pump(tcp::socket& from, tcp::socket& to, std::array<char, 16 * 1024>& buf)
    {
        from.async_read_some(net::buffer(buf), [self = shared_from_this(), &from, &to, &buf](error_code ec,
                                                                                           std::size_t n) {
            if (ec)
                return self->close();
            net::async_write(to, net::buffer(buf.data(), n), [self, &from, &to, &buf](error_code wec, std::size_t) {
                if (wec)
                    return self->close();
                self->pump(from, to, buf);
            });
        });
    }
    void close()
    {
        error_code ignored;
        client.close(ignored);
        server.close(ignored);
    }
};

}  // namespace

struct tcp_gate::impl {
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    std::uint16_t target_port;
    std::vector<std::shared_ptr<relay>> waiting;  // ioc thread only
    bool holding = false;                         // ioc thread only
    mutable std::mutex m;
    mutable std::condition_variable cv;
    std::size_t held = 0;  // guarded by m
    std::thread thread;

    explicit impl(std::uint16_t port) : target_port(port)
    {
        accept();
        thread = std::thread([this] { ioc.run(); });
    }
    void accept()
    {
        acceptor.async_accept([this](error_code ec, tcp::socket s) {
            if (ec)
                return;
            auto r = std::make_shared<relay>(std::move(s));
            if (holding) {
                waiting.push_back(r);
                std::lock_guard lock(m);
                held = waiting.size();
                cv.notify_all();
            } else {
                r->start(target_port);
            }
            accept();
        });
    }
    void run_here(std::function<void()> f)
    {
        std::promise<void> done;
        net::post(ioc, [&] {
            f();
            done.set_value();
        });
        done.get_future().wait();
    }
};

tcp_gate::tcp_gate(std::uint16_t target_port) : impl_(std::make_unique<impl>(target_port)) {}

tcp_gate::~tcp_gate()
{
    impl_->ioc.stop();
    impl_->thread.join();
}

std::string tcp_gate::endpoint() const
{
    return "127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port());
}

void tcp_gate::hold()
{
    impl_->run_here([this] { impl_->holding = true; });
}

void tcp_gate::open()
{
    impl_->run_here([this] {
        impl_->holding = false;
        for (auto& r : impl_->waiting)
            r->start(impl_->target_port);
        impl_->waiting.clear();
        std::lock_guard lock(impl_->m);
        impl_->held = 0;
    });
}

std::size_t tcp_gate::held() const
{
    std::lock_guard lock(impl_->m);
    return impl_->held;
}

bool tcp_gate::wait_for_held(std::size_t n, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(impl_->m);
    return impl_->cv.wait_for(lock, timeout, [&] { return impl_->held >= n; });
}

std::string yaml_for(const fake::fake_litmus& fake, std::string_view token_extra, std::string_view extra)
{
    auto ep = fake.endpoint();
    std::string y = "listen: 127.0.0.1:0\n"
                    "admin:\n"
                    "  listen: 127.0.0.1:0\n"
                    "token:\n"
                    "  connect: " + ep + "\n" + std::string(token_extra) +
                    "upstreams:\n"
                    "  - name: api\n"
                    "    url: https://api.litmus.com\n"
                    "    prefix: /api\n"
                    "    connect: " + ep + "\n"
                    "  - name: instant\n"
                    "    url: https://instant-api.litmus.com\n"
                    "    prefix: /instant\n"
                    "    connect: " + ep + "\n"
                    "tls:\n"
                    "  ca_file: " + fake.ca_file() + "\n";
    y += extra;
    return y;
}

std::map<std::string, std::string> test_credentials_env()
{
    return {{"LITMUS_CLIENT_ID", "test-client"}, {"LITMUS_CLIENT_SECRET", "test-secret"}};
}

namespace {

std::map<std::string, std::string> with_level_from_process(std::map<std::string, std::string> env)
{
    constexpr const char* name = "LITMUS_PROXY_LOG_LEVEL";
    if (const char* level = std::getenv(name); level && !env.contains(name))
        env.emplace(name, level);
    return env;
}

}  // namespace

running_proxy::running_proxy(const std::string& yaml, std::map<std::string, std::string> env)
    : cfg_(config::load_config_from_string(yaml, "test.yaml",
                                           [env = with_level_from_process(std::move(env))](
                                               std::string_view name) -> std::optional<std::string> {
                                               auto it = env.find(std::string(name));
                                               if (it == env.end())
                                                   return std::nullopt;
                                               return it->second;
                                           }))
{
    log::set_level(cfg_.log.level);
    app_ = std::make_unique<proxy_app>(ioc_, cfg_);
    port_ = app_->proxy_endpoint().port();
    admin_port_ = app_->admin_endpoint().port();
    app_->start();
    thread_ = std::thread([this] { ioc_.run(); });
}

running_proxy::~running_proxy()
{
    // As main() does: the drain leaves nothing pending, so run() returns by
    // itself once every session and the token loop have ended.
    net::post(ioc_, [this] { app_->drain([] {}); });
    thread_.join();
    app_.reset();
}

void running_proxy::run_on_proxy(const std::function<void()>& f)
{
    std::promise<void> done;
    net::post(ioc_, [&] {
        f();
        done.set_value();
    });
    done.get_future().wait();
}

double value_of(prometheus::Counter& c) { return c.Value(); }

double unauthorized_retries(running_proxy& proxy)
{
    using forward::unauthorized_outcome;
    double n = 0;
    for (auto o : {unauthorized_outcome::succeeded, unauthorized_outcome::unauthorized_again,
                   unauthorized_outcome::token_unavailable, unauthorized_outcome::upstream_failed})
        n += proxy.app().forward_metrics().unauthorized(o).Value();
    return n;
}

}  // namespace litmus::test
