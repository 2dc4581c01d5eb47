/* What the C++ binding's test programs that run against the bundled plivo-server with
 * exceptions enabled (test_plivo, test_queue) share: the server's address and the
 * credentials, the --print-seeds start of main(), and the helpers built on them. */
#ifndef PLIVO_CPP_TEST_SERVER_HPP
#define PLIVO_CPP_TEST_SERVER_HPP

#include "plivo.hpp"

#include "check.hpp"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

// Each test program is one translation unit: these are its own.
namespace {

std::string base_url;
std::string auth_id;
std::string auth_token;

/* The start of main(): `program --print-seeds` prints the --seed arguments the server
 * must be given (`seeds()`) and returns false (main then returns 0, running nothing);
 * otherwise reads the server's address and the credentials from the environment
 * (PLIVO_BASE_URL, PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN) and returns true. */
inline bool start(int argc, char **argv, std::vector<std::string> (*seeds)()) {
    if (argc > 1 && std::strcmp(argv[1], "--print-seeds") == 0) {
        std::vector<std::string> s = seeds();
        for (size_t i = 0; i < s.size(); ++i)
            std::printf("--seed\n%s\n", s[i].c_str());
        return false;
    }
    base_url = check::env("PLIVO_BASE_URL");
    auth_id = check::env("PLIVO_AUTH_ID");
    auth_token = check::env("PLIVO_AUTH_TOKEN");
    return true;
}

inline std::string itos(long long n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld", n);
    return buf;
}

inline bool contains(const std::string &hay, const std::string &needle) {
    return hay.find(needle) != std::string::npos;
}

inline std::string describe(const plivo::Result &r) {
    return std::string(r.code_name()) + " http=" + itos(r.http_status()) + " api_id=" +
           r.api_id() + " msg=" + r.message();
}

inline std::string describe(const plivo::Error &e) {
    return std::string(e.code_name()) + " http=" + itos(e.http_status()) + " api_id=" +
           e.api_id() + " msg=" + e.what();
}

/* Options with the bundled server's base URL. */
inline plivo::Options local_options() {
    plivo::Options o;
    o.base_url(base_url);
    return o;
}

/* Runs `f`, expects plivo::Error with `code`; returns it (code 0 if none thrown).
 * Failures name `file` and `line`: EXPECT_ERROR's place. */
template <typename F>
plivo::Error expect_error(F f, PlivoCode code, const char *what, const char *file, int line) {
    try {
        f();
    } catch (const plivo::Error &e) {
        check::record(e.code() == code, what, file, line,
                      std::string("expected ") + plivo::code_name(code) + ", got " + describe(e));
        return e;
    } catch (const std::exception &e) {
        check::record(false, what, file, line, std::string("other exception: ") + e.what());
        return plivo::Error(PLIVO_OK, "other exception");
    }
    check::record(false, what, file, line,
                  std::string("no exception; expected ") + plivo::code_name(code));
    return plivo::Error(PLIVO_OK, "no exception");
}
#define EXPECT_ERROR(code, stmt) expect_error([&]() { stmt; }, code, #stmt, __FILE__, __LINE__)

} // namespace

#endif
