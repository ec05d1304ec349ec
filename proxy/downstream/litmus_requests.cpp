#include "proxy/downstream/litmus_requests.hpp"

#include "proxy/downstream/read_body.hpp"
#include "proxy/forward/local_reply.hpp"
#include "proxy/routing/request_decision.hpp"
#include "proxy/users/json_body.hpp"
#include "proxy/users/litmus_endpoints.hpp"
#include "proxy/users/litmus_route.hpp"
#include "proxy/users/litmus_user_header.hpp"
#include "proxy/users/user_tokens.hpp"

namespace litmus::downstream {

namespace {

// Writes an endpoint's answer; fills what the access line and metrics need.
net::awaitable<forward::forward_result> write_answer(forward::proxy_services& svc, client_stream& stream,
                                                     const users::endpoint_answer& answer, unsigned version,
                                                     bool keep_alive, const forward::request_id& id)
{
    auto res = forward::make_json_reply(answer.status, answer.body, version, keep_alive);
    if (!answer.allow.empty())
        res.set(http::field::allow, answer.allow);
    if (!answer.error.empty())
        res.set("Litmus-Proxy-Error", answer.error);
    res.set(forward::request_id_field, id.view());
    stream.expires_after(svc.cfg.downstream.io_timeout);
    auto [ec, n] = co_await http::async_write(stream, res, net::as_tuple(net::use_awaitable));
    (void)n;
    forward::forward_result r;
    r.status = ec ? 0 : answer.status;
    r.keep_alive = keep_alive && !ec;
    r.bytes_out = ec ? 0 : answer.body.size();
    co_return r;
}

}  // namespace

net::awaitable<forward::forward_result> serve_litmus_endpoint(forward::proxy_services& svc, client_stream& stream,
                                                              beast::flat_buffer& buffer,
                                                              http::request_parser<http::string_body>& parser,
                                                              const forward::request_id& id)
{
    auto& req = parser.get();
    const auto version = std::min(req.version(), 11u);
    const bool wants_keep_alive = req.keep_alive() && !svc.draining;

    // Refused before its body is read: the connection stays usable only
    // when there is no body left on it.
    if (auto checked = routing::check_request(req, svc.request_policy); !checked)
        co_return co_await forward::reply_with_error(svc, stream, checked.error(), version,
                                                     parser.is_done() && wants_keep_alive &&
                                                         checked.error() != errc::bad_request,
                                                     id);
    if (!svc.user_endpoints) {
        users::endpoint_answer off{404, {}, {}, "not_found"};
        off.body = users::to_json(users::api_error{
            404, "not_found", "the users feature is off: this proxy's config has no users section", {}, {}});
        co_return co_await write_answer(svc, stream, off, version, parser.is_done() && wants_keep_alive, id);
    }
    auto length = parser.content_length();
    if (length && *length > users::max_request_body)
        co_return co_await forward::reply_with_error(svc, stream, errc::body_too_large, version, false, id);
    parser.body_limit(users::max_request_body);
    if (auto failed = co_await read_rest_of_body(svc, stream, buffer, parser, id)) {
        failed->bytes_in = req.body().size();
        co_return *failed;
    }
    auto bytes_in = req.body().size();
    auto answer = co_await svc.user_endpoints->handle(req.method(), req.target(), std::move(req.body()));
    auto r = co_await write_answer(svc, stream, answer, version, wants_keep_alive, id);
    r.bytes_in = bytes_in;
    co_return r;
}

boost::system::result<std::string, identity_refusal> requested_user(const forward::proxy_services& svc,
                                                                   http::request_header<>& req)
{
    auto named = users::parse_litmus_user(req);
    if (!named)
        return identity_refusal{errc::invalid_litmus_user, {}};
    if (*named) {
        req.erase(users::litmus_user_header);
        return std::move(**named);
    }
    return svc.cfg.users ? svc.cfg.users->default_user : std::string();
}

user_source_ptr loaded_user_source(forward::proxy_services& svc, std::string_view user)
{
    return svc.user_tokens ? svc.user_tokens->loaded(user) : nullptr;
}

net::awaitable<boost::system::result<user_source_ptr, identity_refusal>> user_source(forward::proxy_services& svc,
                                                                                    std::string user)
{
    if (!svc.user_tokens)
        co_return identity_refusal{errc::user_not_connected, std::move(user)};
    auto source = co_await svc.user_tokens->source_for(user);
    if (!source)
        co_return identity_refusal{source.error(), std::move(user)};
    co_return std::move(*source);
}

forward::token_choice tokens_of(const user_source_ptr& source)
{
    return {source->tokens(), source->user()};
}

}  // namespace litmus::downstream
