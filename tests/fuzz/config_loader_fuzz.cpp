// libFuzzer harness: YAML text + a fixed environment ->
// config::load_config_from_string(). The loader must throw config_error and
// nothing else, and no message or logged field may carry a credential from
// the environment or a credential file. A broken invariant traps, so
// libFuzzer saves the input.
//
// Input: byte 0 chooses the environment (bits 0-1: credentials from
// variables, from a variable and a file, none, or both ways at once; bit 2:
// the listen / token URL / CA file overrides as well); the rest is the YAML.
// Seeds start with a digit and a newline so that they stay readable.
//
// Credential files live in /tmp/litmus-config-fuzz/ (made at start-up; the
// dictionary names them) so that `client_secret_file:` can reach them.

#include "proxy/config/config_loader.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

using namespace litmus;

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

const std::string fuzz_dir = "/tmp/litmus-config-fuzz";

// Two sets of credential values. Whether a message that contains a value got
// it from the input or from the environment is told apart by loading again
// with the other set: only a leak follows the change.
struct credential_set {
    std::string id;
    std::string secret;
    std::string file_secret;
    std::string secret_path;
};
const std::array<credential_set, 2> sets{{
    {"fuzz-client-id-a51d2", "fuzz-SECRET-a7f3a9c4", "fuzz-FILE-SECRET-ab81e", fuzz_dir + "/secret-a"},
    {"fuzz-client-id-b93c0", "fuzz-SECRET-b2d6e018", "fuzz-FILE-SECRET-b4f07", fuzz_dir + "/secret-b"},
}};

void write_file(const std::string& path, const std::string& content)
{
    // Written whole under a temporary name and renamed, so that a second
    // fuzzer starting at the same time never reads a partial file.
    auto tmp = path + "." + std::to_string(::getpid());
    if (std::FILE* f = std::fopen(tmp.c_str(), "wb")) {
        std::fwrite(content.data(), 1, content.size(), f);
        std::fclose(f);
        std::rename(tmp.c_str(), path.c_str());
    }
}

config::env_lookup make_env(unsigned mode, const credential_set& s)
{
    return [mode, &s](std::string_view name) -> std::optional<std::string> {
        const unsigned creds = mode & 3;
        if (name == "LITMUS_CLIENT_ID" && creds != 2)
            return s.id;
        if (name == "LITMUS_CLIENT_SECRET" && (creds == 0 || creds == 3))
            return s.secret;
        if (name == "LITMUS_CLIENT_SECRET_FILE" && (creds == 1 || creds == 3))
            return s.secret_path;
        if (mode & 4) {
            if (name == "LITMUS_PROXY_LISTEN")
                return "127.0.0.1:0";
            if (name == "LITMUS_TOKEN_URL")
                return "https://token.example:8443/oauth/token";
            if (name == "LITMUS_TLS_CA_FILE")
                return s.secret_path;
        }
        return std::nullopt;
    };
}

// What a load produced that may reach a log line, a metric or a reply:
// the error message, or every configured string except the credential values.
std::string observable(std::string_view yaml, unsigned mode, const credential_set& s)
{
    try {
        auto cfg = config::load_config_from_string(yaml, "fuzz.yaml", make_env(mode, s));
        check(!cfg.credentials.client_id.empty());
        check(!cfg.credentials.client_secret.empty());
        check(!cfg.upstreams.empty());
        std::string out = cfg.source + '\n' + cfg.downstream.listen.host + '\n' + cfg.token.url + '\n' +
                          cfg.token.parsed.host + '\n' + cfg.token.parsed.path + '\n' + cfg.tls.ca_file + '\n' +
                          cfg.credentials.client_id_file + '\n' + cfg.credentials.client_secret_file + '\n';
        if (cfg.token.connect)
            out += cfg.token.connect->host + '\n';
        for (const auto& u : cfg.upstreams) {
            check(!u.parsed.host.empty());
            out += u.name + '\n' + u.url + '\n' + u.prefix + '\n' + u.parsed.host + '\n' + u.parsed.path + '\n';
            if (u.connect)
                out += u.connect->host + '\n';
        }
        return out;
    } catch (const config::config_error& e) {
        std::string msg = e.what();
        check(!msg.empty());
        return msg;
    } catch (...) {
        __builtin_trap();
    }
}

// Loading swapped to the other set: the environment's values, and the
// credential files the YAML names (same length, so positions stay).
std::string swapped_paths(std::string_view yaml)
{
    std::string out(yaml);
    const std::string_view a = "secret-a", b = "secret-b";
    for (std::size_t i = 0; (i = out.find("secret-", i)) != std::string::npos; i += a.size()) {
        std::string_view here = std::string_view(out).substr(i, a.size());
        if (here == a)
            out.replace(i, a.size(), b);
        else if (here == b)
            out.replace(i, b.size(), a);
    }
    return out;
}

bool contains(std::string_view text, std::string_view value)
{
    return text.find(value) != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    std::error_code ec;
    std::filesystem::create_directories(fuzz_dir, ec);
    for (const auto& s : sets)
        write_file(s.secret_path, s.file_secret + "\n");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const unsigned mode = data[0];
    std::string_view yaml(reinterpret_cast<const char*>(data + 1), size - 1);

    auto first = observable(yaml, mode, sets[0]);
    const auto& a = sets[0];
    const auto& b = sets[1];
    const std::pair<std::string_view, std::string_view> pairs[] = {
        {a.id, b.id}, {a.secret, b.secret}, {a.file_secret, b.file_secret}};
    bool suspect = false;
    for (auto [va, vb] : pairs)
        suspect = suspect || contains(first, va) || contains(first, vb);
    if (!suspect)
        return 0;
    // A value that follows the swap came from the environment or a
    // credential file: a leak. One that stays put was in the YAML itself.
    auto second = observable(swapped_paths(yaml), mode, sets[1]);
    // A value the YAML spells out itself shows in both runs and is no leak.
    for (auto [va, vb] : pairs) {
        check(!(contains(first, va) && !contains(second, va) && contains(second, vb)));
        check(!(contains(first, vb) && !contains(second, vb) && contains(second, va)));
    }
    return 0;
}
