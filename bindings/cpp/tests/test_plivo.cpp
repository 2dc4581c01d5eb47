/*
 * Tests of the C++ binding (plivo.hpp) against the bundled plivo-server.
 *
 *   test_plivo --print-seeds     prints the --seed arguments the server must be given
 *   test_plivo                   runs the tests; needs PLIVO_BASE_URL (the server's
 *                                first stdout line), PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN
 *
 * Ends by printing "N passed, M failed" and exits non-zero on any failure.
 * run_tests.sh does all of this.
 */
#include "plivo.hpp"

#include "check.hpp"
#include "server.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

const int kThreads = 8;
const int kStopsPerThread = 200;

/* The calls and streams the server must know, as --seed arguments. */
std::vector<std::string> seeds() {
    std::vector<std::string> out;
    out.push_back("c1:s1,s2,s3");        // stop: throwing API
    out.push_back("c2:s1,s2");           // stop: noexcept API
    out.push_back("c3:");                // start / get / list / stop_all
    out.push_back("c4:a,b");             // stop_all with seeded streams
    out.push_back("m1:s1,s2,s3,s4");     // move semantics
    out.push_back("e1:s1");              // client from the environment
    for (int t = 0; t < kThreads; ++t) {
        std::string seed = "t" + itos(t) + ":";
        for (int s = 0; s < kStopsPerThread; ++s)
            seed += (s ? ",s" : "s") + itos(s);
        out.push_back(seed);
    }
    return out;
}

plivo::Client make_client() {
    plivo::Options o = local_options();
    return plivo::Client(auth_id, auth_token, &o);
}

/* Runs `f`, expects no exception. */
template <typename F>
void expect_ok(F f, const char *what, int line) {
    try {
        f();
        check::record(true, what, __FILE__, line, std::string());
    } catch (const plivo::Error &e) {
        check::record(false, what, __FILE__, line, "threw " + describe(e));
    } catch (const std::exception &e) {
        check::record(false, what, __FILE__, line, std::string("threw ") + e.what());
    }
}
#define EXPECT_OK(stmt) expect_ok([&]() { stmt; }, #stmt, __LINE__)

// ---------------------------------------------------------------------------------

void test_static_properties() {
    check::static_check_move_only<plivo::Client>();
    check::static_check_moves<plivo::Options>();
    check::static_check_moves<plivo::StreamParams>();
    static_assert(std::is_base_of<std::runtime_error, plivo::Error>::value, "Error base");
    static_assert(!std::is_convertible<plivo::Result, bool>::value, "explicit bool");
    // (with std::string arguments: converting a literal to std::string may throw)
    static_assert(noexcept(std::declval<const plivo::Client &>().try_stop_stream(
                      std::declval<const std::string &>(), std::declval<const std::string &>())),
                  "try_stop_stream is noexcept");
    static_assert(noexcept(std::declval<const plivo::Client &>().try_list_streams(
                      std::declval<const std::string &>())),
                  "try_list_streams is noexcept");

    CHECK(std::string(plivo::version()) == PLIVO_VERSION);
    CHECK(std::string(plivo::code_name(0)) == "PLIVO_OK");
    CHECK(std::string(plivo::code_name(PLIVO_ERR_NO_ACTIVE_STREAM)) ==
          "PLIVO_ERR_NO_ACTIVE_STREAM");
    CHECK(std::string(plivo::code_name(12)) == "PLIVO_ERR_INTERNAL");
    CHECK(std::string(plivo::code_name(999)) == "PLIVO_ERR_UNKNOWN");
    CHECK(std::string(plivo::code_name(-1)) == "PLIVO_ERR_UNKNOWN");

    plivo::Result ok;
    CHECK(ok.ok() && static_cast<bool>(ok) && ok.code() == PLIVO_OK);
    plivo::Error e(PLIVO_ERR_TIMEOUT, "");
    CHECK(std::string(e.what()) == "PLIVO_ERR_TIMEOUT");
    CHECK(e.api_id().empty() && e.http_status() == 0 && !e.is_no_active_stream());
}

void test_stop_throwing() {
    plivo::Client client = make_client();
    CHECK(static_cast<bool>(client));
    CHECK(client.native_handle() != nullptr);

    EXPECT_OK(client.stop_stream("c1", "s1"));
    plivo::Error e = EXPECT_ERROR(PLIVO_ERR_NO_ACTIVE_STREAM, client.stop_stream("c1", "s1"));
    CHECK_MSG(e.http_status() == 400, describe(e));
    CHECK_MSG(!e.api_id().empty(), describe(e));
    CHECK(e.is_no_active_stream());
    CHECK(std::string(e.code_name()) == "PLIVO_ERR_NO_ACTIVE_STREAM");
    CHECK_MSG(contains(e.what(), "No active stream"), describe(e));
    CHECK(!contains(e.what(), auth_token));

    // Caught as a std::exception / std::runtime_error too.
    bool caught = false;
    try {
        client.stop_stream("c1", "s1");
    } catch (const std::runtime_error &re) {
        caught = std::strlen(re.what()) > 0;
    }
    CHECK(caught);

    // Unknown call: 404.
    e = EXPECT_ERROR(PLIVO_ERR_NOT_FOUND, client.stop_stream("nosuchcall", "s1"));
    CHECK_MSG(e.http_status() == 404, describe(e));
    e = EXPECT_ERROR(PLIVO_ERR_NOT_FOUND, client.get_stream("c1", "nosuchstream"));
    CHECK_MSG(e.http_status() == 404, describe(e));
}

void test_stop_noexcept() {
    plivo::Client client = make_client();
    plivo::Result r = client.try_stop_stream("c2", "s1");
    CHECK_MSG(r.ok(), describe(r));
    CHECK(static_cast<bool>(r));
    CHECK_MSG(r.http_status() == 204, describe(r));
    CHECK(r.message().empty());
    CHECK(r.api_id().empty());
    CHECK(r.value().empty());

    r = client.try_stop_stream("c2", "s1");
    CHECK(!r);
    CHECK_MSG(r.code() == PLIVO_ERR_NO_ACTIVE_STREAM, describe(r));
    CHECK(r.is_no_active_stream());
    CHECK_MSG(r.http_status() == 400, describe(r));
    CHECK_MSG(!r.api_id().empty(), describe(r));
    CHECK(!r.message().empty());
    CHECK(std::string(r.code_name()) == "PLIVO_ERR_NO_ACTIVE_STREAM");

    // Error built from a Result carries the same data.
    plivo::Error e(r);
    CHECK(e.code() == r.code() && e.http_status() == 400 && e.api_id() == r.api_id());
    CHECK(std::string(e.what()) == r.message());

    r = client.try_stop_all_streams("c2");   // s2 still active
    CHECK_MSG(r.ok() && r.http_status() == 204, describe(r));
    r = client.try_stop_all_streams("c2");
    CHECK_MSG(r.code() == PLIVO_ERR_NO_ACTIVE_STREAM, describe(r));

    r = client.try_stop_stream("nosuchcall", "s1");
    CHECK_MSG(r.code() == PLIVO_ERR_NOT_FOUND && r.http_status() == 404, describe(r));

    r = client.try_stop_stream("bad/call", "s1");
    CHECK_MSG(r.code() == PLIVO_ERR_INVALID_ARGUMENT && r.http_status() == 0, describe(r));

    r = client.try_get_stream("c2", "s1");
    CHECK_MSG(r.ok() && contains(r.value(), "\"s1\""), describe(r) + " " + r.value());
    std::string taken = r.take_value();
    CHECK(contains(taken, "stream_id") && r.value().empty());

    r = client.try_list_streams("c2");
    CHECK_MSG(r.ok() && contains(r.value(), "objects"), describe(r));
    r = client.try_list_streams("nosuchcall");
    CHECK_MSG(r.code() == PLIVO_ERR_NOT_FOUND && r.value().empty(), describe(r));

    r = client.try_start_stream("c2", "wss://127.0.0.1:9/audio");
    CHECK_MSG(r.ok() && !r.value().empty(), describe(r));
    r = client.try_start_stream("c2", "https://127.0.0.1:9/audio");
    CHECK_MSG(r.code() == PLIVO_ERR_INVALID_ARGUMENT && r.value().empty(), describe(r));
}

void test_faults() {
    plivo::Client client = make_client();

    plivo::Error e = EXPECT_ERROR(PLIVO_ERR_AUTHENTICATION,
                                  client.stop_stream("fault-status403-x", "s1"));
    CHECK_MSG(e.http_status() == 403, describe(e));
    plivo::Result r = client.try_stop_stream("fault-status403-y", "s1");
    CHECK_MSG(r.code() == PLIVO_ERR_AUTHENTICATION && r.http_status() == 403, describe(r));

    {
        plivo::Options o = local_options();
        o.max_retries(1);
        plivo::Client c(auth_id, auth_token, o);
        e = EXPECT_ERROR(PLIVO_ERR_SERVER, c.stop_stream("fault-503always-x", "s1"));
        CHECK_MSG(e.http_status() == 503, describe(e));
        r = c.try_list_streams("fault-503always-y");
        CHECK_MSG(r.code() == PLIVO_ERR_SERVER && r.http_status() == 503, describe(r));
    }
    {
        plivo::Options o = local_options();
        o.timeout(std::chrono::milliseconds(300)).max_retries(0);
        plivo::Client c(auth_id, auth_token, o);
        std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
        e = EXPECT_ERROR(PLIVO_ERR_TIMEOUT, c.stop_stream("fault-stall-x", "s1"));
        long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - t0)
                           .count();
        CHECK_MSG(ms >= 250 && ms < 3000, "elapsed " + itos(ms) + " ms");
        CHECK_MSG(e.http_status() == 0, describe(e));
        r = c.try_stop_stream("fault-stall-y", "s1");
        CHECK_MSG(r.code() == PLIVO_ERR_TIMEOUT, describe(r));
        // The client still works after a timeout.
        r = c.try_list_streams("c1");
        CHECK_MSG(r.ok(), describe(r));
    }
    {
        // Wrong token: 401; the message never contains a token.
        plivo::Options o = local_options();
        plivo::Client c(auth_id, "wrong-token-123", o);
        e = EXPECT_ERROR(PLIVO_ERR_AUTHENTICATION, c.stop_stream("c1", "s2"));
        CHECK_MSG(e.http_status() == 401, describe(e));
        CHECK(!contains(e.what(), "wrong-token-123"));
        CHECK(!contains(e.what(), auth_token));
    }
}

void test_invalid_arguments() {
    plivo::Client client = make_client();
    plivo::Error e = EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.stop_stream("bad/uuid", "s1"));
    CHECK(e.http_status() == 0 && e.api_id().empty());
    CHECK(std::strlen(e.what()) > 0);
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.stop_stream("", "s1"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.stop_stream("c1", ""));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.stop_stream("c1", "s 1"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.stop_stream(std::string(129, 'a'), "s1"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.stop_stream("c\xc3\xa9", "s1"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.stop_stream("c\xff", "s1"));
    // An embedded NUL would silently truncate "c1\0junk" to "c1": refused by the binding.
    e = EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT,
                     client.stop_stream(std::string("c1\0junk", 7), "s2"));
    CHECK_MSG(contains(e.what(), "NUL"), e.what());
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.stop_all_streams("bad uuid"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.get_stream("c1", "bad?"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.list_streams("bad#"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT,
                 client.start_stream("c3", "http://127.0.0.1:9/not-websocket"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.start_stream("c3", "not a url"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT,
                 client.start_stream("c3", std::string("wss://127.0.0.1:9/\0x", 20)));
    // c1/s2 was never stopped by any of the above.
    EXPECT_OK(client.stop_stream("c1", "s2"));

    // Bad credentials at construction.
    plivo::Options o = local_options();
    e = EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, plivo::Client c("bad id!", auth_token, o));
    CHECK(!contains(e.what(), auth_token));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, plivo::Client c("", auth_token, o));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, plivo::Client c(auth_id, "", o));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, plivo::Client c(std::string(65, 'A'), "t", o));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT,
                 plivo::Client c(auth_id, std::string("tok\0en", 6), o));

    plivo::Result r;
    plivo::Client c = plivo::Client::try_create(r, "bad id!", auth_token, &o);
    CHECK_MSG(r.code() == PLIVO_ERR_INVALID_ARGUMENT, describe(r));
    CHECK(!c);
    r = c.try_stop_stream("c1", "s3");
    CHECK(r.code() == PLIVO_ERR_INVALID_ARGUMENT);
}

void test_options() {
    plivo::Options o;
    CHECK(static_cast<bool>(o) && o.native_handle() != nullptr);

    plivo::Error e = EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT,
                                  o.timeout(std::chrono::milliseconds(0)));
    CHECK(e.http_status() == 0 && std::strlen(e.what()) > 0);
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.timeout(std::chrono::milliseconds(600001)));
    e = EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.timeout(std::chrono::milliseconds(-5)));
    CHECK_MSG(contains(e.what(), "-5 ms"), e.what());
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.timeout(std::chrono::hours(2000000)));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.connect_timeout(std::chrono::milliseconds(0)));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.max_retries(11));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.base_url("not a url"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.base_url("ftp://127.0.0.1/v1/"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.base_url(""));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.proxy("socks5://127.0.0.1:1080"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.ca_file("/nonexistent/dir/ca.pem"));
    plivo::Result r = o.try_timeout(std::chrono::milliseconds(0));
    CHECK_MSG(r.code() == PLIVO_ERR_INVALID_ARGUMENT && !r.message().empty(), describe(r));

    // Accepted values, chained; seconds convert to milliseconds implicitly.
    EXPECT_OK(o.base_url(base_url)
                  .timeout(std::chrono::seconds(5))
                  .connect_timeout(std::chrono::milliseconds(1000))
                  .max_retries(10)
                  .allow_insecure_http(false));
    r = o.try_max_retries(0);
    CHECK_MSG(r.ok(), describe(r));
    // The refusals above left the options usable.
    plivo::Client client(auth_id, auth_token, o);
    r = client.try_list_streams("c1");
    CHECK_MSG(r.ok(), describe(r));

    // Options may be destroyed right after construction (the client copies them).
    plivo::Client *heap = nullptr;
    {
        plivo::Options tmp;
        tmp.base_url(base_url);
        heap = new plivo::Client(auth_id, auth_token, tmp);
    }
    r = heap->try_list_streams("c1");
    CHECK_MSG(r.ok(), describe(r));
    delete heap;

    // A temporary in a chain works for a constructor argument.
    plivo::Client t(auth_id, auth_token, plivo::Options().base_url(base_url).max_retries(0));
    CHECK(t.try_list_streams("c1").ok());

    // Moved-from options are empty: setters fail with code 1, a Client refuses them.
    plivo::Options moved(std::move(o));
    CHECK(!o && static_cast<bool>(moved));
    plivo::Error me = EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.timeout(std::chrono::seconds(1)));
    CHECK_MSG(contains(me.what(), "empty"), me.what());
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.max_retries(1));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.allow_insecure_http(false));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, o.base_url(base_url));
    me = EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, plivo::Client c(auth_id, auth_token, o));
    CHECK_MSG(contains(me.what(), "empty"), me.what());
    o = std::move(moved);
    CHECK(static_cast<bool>(o) && !moved);
    EXPECT_OK(o.timeout(std::chrono::seconds(1)));
}

void test_stream_params() {
    plivo::StreamParams p;
    CHECK(static_cast<bool>(p));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.audio_track("sideways"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.stream_timeout(std::chrono::seconds(0)));
    EXPECT_OK(p.stream_timeout(std::chrono::seconds(86401))); // no documented maximum
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.stream_timeout(std::chrono::seconds(1LL << 32)));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.extra_headers("X-Tenant=acme"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.stream_timeout(std::chrono::seconds(-1)));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.status_callback_method("get"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.status_callback_url("ftp://127.0.0.1/cb"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.content_type("audio/wav"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.extra_headers("no equals sign here"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.extra_headers(std::string(600, 'a') + "=b"));
    plivo::Result r = p.try_audio_track("sideways");
    CHECK_MSG(r.code() == PLIVO_ERR_INVALID_ARGUMENT, describe(r));

    EXPECT_OK(p.bidirectional(true)
                  .audio_track("inbound")
                  .stream_timeout(std::chrono::minutes(10))
                  .status_callback_url("http://127.0.0.1:9/status")
                  .status_callback_method("POST")
                  .content_type("audio/x-mulaw;rate=8000")
                  .extra_headers("tenant=acme,callkind=ivr")
                  .cx_bot(true));

    plivo::Client client = make_client();
    std::string id;
    EXPECT_OK(id = client.start_stream("c3", "wss://127.0.0.1:9/audio", p));
    CHECK(!id.empty());

    // Bidirectional needs the inbound track: refused before anything is sent.
    plivo::StreamParams bad;
    bad.bidirectional().audio_track("both");
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.start_stream("c3", "wss://127.0.0.1:9/a", bad));

    // Moved-from params are empty.
    plivo::StreamParams moved(std::move(p));
    CHECK(!p && static_cast<bool>(moved));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.audio_track("both"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.bidirectional(false));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.stream_timeout(std::chrono::seconds(5)));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, p.cx_bot(false));
    CHECK(p.try_cx_bot(true).code() == PLIVO_ERR_INVALID_ARGUMENT);
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.start_stream("c3", "wss://127.0.0.1:9/a", p));
    r = client.try_start_stream("c3", "wss://127.0.0.1:9/a", &p);
    CHECK_MSG(r.code() == PLIVO_ERR_INVALID_ARGUMENT, describe(r));
}

void test_start_get_list_stop_all() {
    plivo::Client client = make_client();
    std::string a, b;
    EXPECT_OK(a = client.start_stream("c3", "wss://127.0.0.1:9/one"));
    EXPECT_OK(b = client.start_stream("c3", "wss://127.0.0.1:9/two", nullptr));
    CHECK(!a.empty() && !b.empty() && a != b);

    std::string json;
    EXPECT_OK(json = client.get_stream("c3", a));
    CHECK_MSG(contains(json, a) && contains(json, "stream_id"), json);
    CHECK_MSG(contains(json, "wss://127.0.0.1:9/one"), json);
    CHECK_MSG(json.size() > 1 && json[0] == '{', json);

    EXPECT_OK(json = client.list_streams("c3"));
    CHECK_MSG(contains(json, "objects") && contains(json, "meta"), json);
    CHECK_MSG(contains(json, a) && contains(json, b), json);

    EXPECT_OK(client.stop_stream("c3", a));
    EXPECT_OK(client.stop_all_streams("c3"));
    plivo::Error e = EXPECT_ERROR(PLIVO_ERR_NO_ACTIVE_STREAM, client.stop_all_streams("c3"));
    CHECK_MSG(e.http_status() == 400, describe(e));
    EXPECT_ERROR(PLIVO_ERR_NO_ACTIVE_STREAM, client.stop_stream("c3", b));
    EXPECT_ERROR(PLIVO_ERR_NOT_FOUND, client.stop_all_streams("nosuchcall"));
    EXPECT_ERROR(PLIVO_ERR_NOT_FOUND, client.list_streams("nosuchcall"));
    EXPECT_ERROR(PLIVO_ERR_NOT_FOUND, client.start_stream("nosuchcall", "wss://127.0.0.1:9/"));

    EXPECT_OK(client.stop_all_streams("c4"));   // seeded a, b
    EXPECT_ERROR(PLIVO_ERR_NO_ACTIVE_STREAM, client.stop_stream("c4", "a"));
}

void test_move_semantics() {
    plivo::Client a = make_client();
    const PlivoClient *raw = a.native_handle();
    plivo::Client b(std::move(a));
    CHECK(!a && a.native_handle() == nullptr);
    CHECK(static_cast<bool>(b) && b.native_handle() == raw);

    // A moved-from client: every method fails with code 1, nothing is sent.
    plivo::Error e = EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, a.stop_stream("m1", "s1"));
    CHECK_MSG(contains(e.what(), "empty"), e.what());
    CHECK(e.http_status() == 0);
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, a.stop_all_streams("m1"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, a.start_stream("m1", "wss://127.0.0.1:9/"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, a.get_stream("m1", "s1"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, a.list_streams("m1"));
    plivo::Result r = a.try_stop_stream("m1", "s1");
    CHECK_MSG(r.code() == PLIVO_ERR_INVALID_ARGUMENT && r.http_status() == 0, describe(r));

    // ...and m1/s1 is still active: the moved-to client stops it.
    EXPECT_OK(b.stop_stream("m1", "s1"));

    // Move assignment into an empty client makes it usable again.
    a = std::move(b);
    CHECK(static_cast<bool>(a) && !b);
    EXPECT_OK(a.stop_stream("m1", "s2"));

    // Move assignment over a live client frees the old one.
    plivo::Client c = make_client();
    c = std::move(a);
    CHECK(static_cast<bool>(c) && !a);
    EXPECT_OK(c.stop_stream("m1", "s3"));

    // Self move-assignment is a no-op.
    plivo::Client &alias = c;
    c = std::move(alias);
    CHECK(static_cast<bool>(c));
    EXPECT_OK(c.stop_stream("m1", "s4"));

    // Clients in a container (moves on reallocation).
    std::vector<plivo::Client> clients;
    for (int i = 0; i < 5; ++i)
        clients.push_back(make_client());
    for (size_t i = 0; i < clients.size(); ++i)
        CHECK(clients[i].try_list_streams("m1").ok());
    // a, b are destroyed empty at the end of this scope: no double free.
}

void test_environment_client() {
    // PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN / PLIVO_BASE_URL are set by run_tests.sh.
    plivo::Client env_client;
    EXPECT_OK(env_client.stop_stream("e1", "s1"));
    EXPECT_ERROR(PLIVO_ERR_NO_ACTIVE_STREAM, env_client.stop_stream("e1", "s1"));

    plivo::Options o;
    o.max_retries(0);
    plivo::Client with_opts(o);
    CHECK(with_opts.try_list_streams("e1").ok());

    plivo::Result r;
    plivo::Client made = plivo::Client::try_create_from_env(r, &o);
    CHECK_MSG(r.ok() && static_cast<bool>(made), describe(r));
    CHECK(made.try_list_streams("e1").ok());

    // Missing credential: code 1, the message names the variable.
    std::string saved = auth_token;
    unsetenv("PLIVO_AUTH_TOKEN");
    plivo::Error e = EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, plivo::Client c);
    CHECK_MSG(contains(e.what(), "PLIVO_AUTH_TOKEN"), e.what());
    plivo::Client none = plivo::Client::try_create_from_env(r);
    CHECK(!none && r.code() == PLIVO_ERR_INVALID_ARGUMENT);
    setenv("PLIVO_AUTH_TOKEN", saved.c_str(), 1);
    plivo::Client again;
    CHECK(again.try_list_streams("e1").ok());
}

void test_last_error_is_per_thread() {
    // The C state the binding reads is per thread: a success on another thread does
    // not clear this thread's error.
    plivo::Client client = make_client();
    CHECK(plivo_stop_stream(client.native_handle(), "bad/id", "s") == PLIVO_ERR_INVALID_ARGUMENT);
    std::thread other([&client]() {
        plivo::Result r = client.try_list_streams("c1");
        CHECK(r.ok() && plivo_last_error_code() == PLIVO_OK);
    });
    other.join();
    CHECK(plivo_last_error_code() == PLIVO_ERR_INVALID_ARGUMENT);
    CHECK(plivo_last_error() != nullptr);

    // Errors are owned copies: a later call does not change an earlier Error/Result.
    plivo::Result first = client.try_stop_stream("nosuchcall", "s1");
    plivo::Result second = client.try_stop_stream("bad/call", "s1");
    CHECK(first.code() == PLIVO_ERR_NOT_FOUND && first.http_status() == 404);
    CHECK(second.code() == PLIVO_ERR_INVALID_ARGUMENT && second.http_status() == 0);
    CHECK(first.message() != second.message());
}

void test_threads() {
    plivo::Client client = make_client();
    std::vector<std::thread> threads;
    std::atomic<int> stopped(0), already(0), invalid(0);
    for (int t = 0; t < kThreads; ++t) {
        threads.push_back(std::thread([&client, &stopped, &already, &invalid, t]() {
            std::string call = "t" + itos(t);
            for (int s = 0; s < kStopsPerThread; ++s) {
                std::string stream = "s" + itos(s);
                plivo::Result r = client.try_stop_stream(call, stream);
                if (CHECK_MSG(r.ok() && r.http_status() == 204, call + "/" + stream + " " +
                                                                    describe(r)))
                    ++stopped;
                // Interleave failures: each thread's result is its own.
                if (s % 10 == 0) {
                    try {
                        client.stop_stream(call, stream);
                        CHECK_MSG(false, "expected NoActiveStream for " + call + "/" + stream);
                    } catch (const plivo::Error &e) {
                        if (CHECK_MSG(e.is_no_active_stream() && e.http_status() == 400 &&
                                          !e.api_id().empty(),
                                      describe(e)))
                            ++already;
                    }
                    r = client.try_stop_stream(call, "bad/" + stream);
                    if (CHECK_MSG(r.code() == PLIVO_ERR_INVALID_ARGUMENT &&
                                      r.http_status() == 0 && r.api_id().empty(),
                                  describe(r)))
                        ++invalid;
                }
            }
        }));
    }
    for (size_t i = 0; i < threads.size(); ++i)
        threads[i].join();
    CHECK_MSG(stopped == kThreads * kStopsPerThread, itos(stopped.load()));
    CHECK(already == kThreads * kStopsPerThread / 10);
    CHECK(invalid == kThreads * kStopsPerThread / 10);
    // Everything is stopped now.
    for (int t = 0; t < kThreads; ++t)
        CHECK(client.try_stop_all_streams("t" + itos(t)).is_no_active_stream());
}

} // namespace

int main(int argc, char **argv) {
    if (!start(argc, argv, seeds))
        return 0; // the seeds were printed

    try {
        test_static_properties();
        test_stop_throwing();
        test_stop_noexcept();
        test_faults();
        test_invalid_arguments();
        test_options();
        test_stream_params();
        test_start_get_list_stop_all();
        test_move_semantics();
        test_environment_client();
        test_last_error_is_per_thread();
        test_threads();
    } catch (const std::exception &e) {
        CHECK_MSG(false, std::string("unexpected exception: ") + e.what());
    }
    return check::summary();
}
