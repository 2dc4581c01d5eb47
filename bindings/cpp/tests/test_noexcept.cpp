/*
 * The noexcept API of plivo.hpp, compiled with -fno-exceptions (run_tests.sh does so):
 * only the try_* functions exist then. Run against the bundled plivo-server like
 * test_plivo (same environment variables; --print-seeds prints its --seed arguments).
 */
#include "plivo.hpp"

#include "check.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if PLIVO_HPP_EXCEPTIONS
#error "compile this test with -fno-exceptions"
#endif

int main(int argc, char **argv) {
    if (argc > 1 && std::strcmp(argv[1], "--print-seeds") == 0) {
        std::printf("--seed\nn1:s1,s2\n--seed\nn2:s1,s2\n");
        return 0;
    }
    const std::string base_url = check::env("PLIVO_BASE_URL");
    const std::string auth_id = check::env("PLIVO_AUTH_ID");
    const std::string auth_token = check::env("PLIVO_AUTH_TOKEN");

    plivo::Options options;
    CHECK(static_cast<bool>(options));
    CHECK(options.try_base_url(base_url).ok());
    plivo::Result r = options.try_timeout(std::chrono::milliseconds(0));
    CHECK(r.code() == PLIVO_ERR_INVALID_ARGUMENT && !r.message().empty());
    CHECK(options.try_timeout(std::chrono::seconds(5)).ok());
    CHECK(options.try_max_retries(1).ok());

    plivo::Client client = plivo::Client::try_create(r, auth_id, auth_token, &options);
    CHECK_MSG(r.ok() && static_cast<bool>(client), r.message());

    r = client.try_stop_stream("n1", "s1");
    CHECK_MSG(r.ok() && r.http_status() == 204, r.message());
    r = client.try_stop_stream("n1", "s1");
    CHECK(r.is_no_active_stream() && r.http_status() == 400 && !r.api_id().empty());
    r = client.try_stop_stream("fault-503always-n", "s1");
    CHECK(r.code() == PLIVO_ERR_SERVER && r.http_status() == 503);
    r = client.try_stop_stream("bad/id", "s1");
    CHECK(r.code() == PLIVO_ERR_INVALID_ARGUMENT && r.http_status() == 0);

    plivo::StreamParams params;
    CHECK(params.try_audio_track("both").ok());
    CHECK(params.try_audio_track("sideways").code() == PLIVO_ERR_INVALID_ARGUMENT);
    r = client.try_start_stream("n1", "wss://127.0.0.1:9/audio", &params);
    CHECK_MSG(r.ok() && !r.value().empty(), r.message());
    const std::string id = r.take_value();
    r = client.try_get_stream("n1", id);
    CHECK(r.ok() && r.value().find(id) != std::string::npos);
    r = client.try_list_streams("n1");
    CHECK(r.ok() && r.value().find("objects") != std::string::npos);
    r = client.try_stop_all_streams("n1");
    CHECK(r.ok());

    plivo::Client moved = std::move(client);
    CHECK(!client && static_cast<bool>(moved));
    CHECK(client.try_stop_stream("n1", "s2").code() == PLIVO_ERR_INVALID_ARGUMENT);

    plivo::Client bad = plivo::Client::try_create(r, "bad id!", auth_token, &options);
    CHECK(!bad && r.code() == PLIVO_ERR_INVALID_ARGUMENT);

    // Queue, log sink and stats without exceptions.
    std::atomic<int> info_lines(0); // incremented on the queue's worker thread
    CHECK(options.try_log_sink(plivo::LogLevel::info,
                               [&info_lines](plivo::LogLevel level, plivo::StringView) {
                                   if (level == plivo::LogLevel::info)
                                       ++info_lines;
                               })
              .ok());
    CHECK(options.try_log_sink(static_cast<plivo::LogLevel>(5), plivo::LogSink()).code() ==
          PLIVO_ERR_INVALID_ARGUMENT);
    plivo::Client qclient = plivo::Client::try_create(r, auth_id, auth_token, &options);
    CHECK_MSG(r.ok(), r.message());
    plivo::Queue queue = plivo::Queue::try_create(r, qclient, 1);
    CHECK(r.ok() && static_cast<bool>(queue) && queue.fd() >= 0);
    CHECK(queue.try_stop_stream("n2", "s1", 41).ok());
    CHECK(queue.try_stop_stream("n2", "s2", 42).code() == PLIVO_ERR_BUSY);
    CHECK(queue.try_stop_stream("bad/id", "s2", 42).code() == PLIVO_ERR_INVALID_ARGUMENT);
    plivo::Completion c = queue.wait(std::chrono::seconds(10));
    CHECK(c && c.tag() == 41 && c.ok() && c.http_status() == 204 && c.attempts() == 1);
    CHECK(queue.try_start_stream("n2", "wss://127.0.0.1:9/q", 43).ok());
    c = queue.wait(std::chrono::seconds(10));
    CHECK(c && c.tag() == 43 && c.ok() && c.has_body());
    CHECK(queue.try_cancel(43).code() == PLIVO_ERR_INVALID_ARGUMENT);
    CHECK(queue.pending() == 0 && !queue.next());
    CHECK(info_lines == 2);
    r = qclient.try_stats();
    CHECK(r.ok());
    const std::string &json = r.value();
    size_t at = json.find("\"requests\"");
    at = at == std::string::npos ? at : json.find_first_of("0123456789", at);
    CHECK(at != std::string::npos && std::atoi(json.c_str() + at) == 2);
    plivo::Queue moved_queue = std::move(queue);
    CHECK(!queue && queue.try_list_streams("n2", 1).code() == PLIVO_ERR_INVALID_ARGUMENT);
    return check::summary();
}
