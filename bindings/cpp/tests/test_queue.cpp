/*
 * Tests of plivo.hpp's completion queue (plivo::Queue, plivo::Completion), log sink
 * (Options::log_sink) and Client::stats(), against the bundled plivo-server and, for
 * BUSY and cancellation, a loopback socket of this program's own that accepts and
 * never answers.
 *
 *   test_queue --print-seeds     prints the --seed arguments the server must be given
 *   test_queue                   runs the tests; needs PLIVO_BASE_URL, PLIVO_AUTH_ID,
 *                                PLIVO_AUTH_TOKEN; PLIVO_TEST_SLACK (default 1)
 *                                multiplies the time bounds (valgrind is slow)
 *
 * run_tests.sh runs it natively, under valgrind and built with ASan/UBSan: the
 * ownership tests (a sink called from queue workers after its Options and Client are
 * gone, a queue outliving its client, a queue freed with requests in flight) rely on
 * those to turn a use after free into a failure.
 * Ends by printing "N passed, M failed" and exits non-zero on any failure.
 */
#include "plivo.hpp"

#include "check.hpp"
#include "server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

typedef std::chrono::steady_clock Clock;
using std::chrono::milliseconds;

const int kPollStops = 200;
const int kOwnershipStops = 20;

int slack = 1;

std::string streams(const char *call, int n) {
    std::string seed = std::string(call) + ":";
    for (int s = 0; s < n; ++s)
        seed += (s ? ",s" : "s") + itos(s);
    return seed;
}

std::vector<std::string> seeds() {
    std::vector<std::string> out;
    out.push_back(streams("q1", kPollStops));     // poll() loop
    out.push_back(streams("o1", kOwnershipStops)); // ownership
    out.push_back("g1:s1");                        // start/get/list/stop through a queue
    out.push_back("mv1:s1,s2");                    // move semantics
    out.push_back("l1:s1,s2,s3");                  // log lines
    out.push_back("lq:s1,s2");                     // log lines of queued requests
    out.push_back("st1:s1,s2,s3");                 // stats
    out.push_back("th1:s1,s2");                    // throwing sink
    return out;
}

long long ms_since(Clock::time_point t0) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
}

std::string describe(const plivo::Completion &c) {
    if (!c)
        return "(no completion)";
    return "tag=" + itos(static_cast<long long>(c.tag())) + " " + c.code_name() +
           " http=" + itos(c.http_status()) + " attempts=" + itos(c.attempts()) +
           " msg=" + plivo::to_string(c.message());
}

plivo::Client make_client() {
    plivo::Options o = local_options();
    return plivo::Client(auth_id, auth_token, o);
}

/* True when `fd` is readable within `timeout_ms`. */
bool readable(int fd, int timeout_ms) {
    struct pollfd p;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/* Log lines received by a sink, with the thread each came on. */
struct LogLines {
    struct Line {
        plivo::LogLevel level;
        std::string text;
        std::thread::id thread;
    };
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<Line> lines;

    void add(plivo::LogLevel level, plivo::StringView text) {
        Line line;
        line.level = level;
        line.text = plivo::to_string(text);
        line.thread = std::this_thread::get_id();
        std::lock_guard<std::mutex> lock(mutex);
        lines.push_back(line);
        changed.notify_all();
    }
    std::vector<Line> take() {
        std::lock_guard<std::mutex> lock(mutex);
        std::vector<Line> out;
        out.swap(lines);
        return out;
    }
    size_t size() {
        std::lock_guard<std::mutex> lock(mutex);
        return lines.size();
    }
    /* Waits until some line contains `needle`. */
    bool wait_for(const std::string &needle, int timeout_ms) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, milliseconds(timeout_ms), [&]() {
            for (size_t i = 0; i < lines.size(); ++i)
                if (contains(lines[i].text, needle))
                    return true;
            return false;
        });
    }
};

plivo::LogSink sink_into(const std::shared_ptr<LogLines> &lines) {
    return [lines](plivo::LogLevel level, plivo::StringView text) { lines->add(level, text); };
}

size_t count(const std::vector<LogLines::Line> &lines, plivo::LogLevel level,
             const std::string &needle = std::string()) {
    size_t n = 0;
    for (size_t i = 0; i < lines.size(); ++i)
        if (lines[i].level == level && contains(lines[i].text, needle))
            ++n;
    return n;
}

std::string dump(const std::vector<LogLines::Line> &lines) {
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i)
        out += std::string("\n    ") + plivo::log_level_name(lines[i].level) + " " + lines[i].text;
    return out;
}

/* The integer after `"key":` in a JSON text (-1 when absent). */
long long json_int(const std::string &json, const std::string &key) {
    const std::string quoted = "\"" + key + "\"";
    size_t p = json.find(quoted);
    if (p == std::string::npos)
        return -1;
    p = json.find(':', p + quoted.size());
    if (p == std::string::npos)
        return -1;
    ++p;
    while (p < json.size() && json[p] == ' ')
        ++p;
    if (p >= json.size() || json[p] < '0' || json[p] > '9')
        return -1;
    return std::strtoll(json.c_str() + p, nullptr, 10);
}

/* A loopback listener that accepts connections, reads what they send and never
 * answers; tells when a connection was closed by the peer. */
class Blackhole {
public:
    Blackhole() : stop_(false) {
        listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr;
        std::memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (listen_fd_ < 0 || bind(listen_fd_, (struct sockaddr *)&addr, sizeof addr) != 0 ||
            listen(listen_fd_, 16) != 0 ||
            getsockname(listen_fd_, (struct sockaddr *)&addr, &len) != 0) {
            std::perror("blackhole listener");
            std::exit(2);
        }
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this]() { run(); });
    }
    ~Blackhole() {
        stop_ = true;
        thread_.join();
        for (size_t i = 0; i < conns_.size(); ++i)
            close(conns_[i].fd);
        close(listen_fd_);
    }
    std::string url() const { return "http://127.0.0.1:" + itos(port_) + "/v1/"; }

    /* Waits until `n` connections have sent something (requests under way). */
    bool wait_requests(size_t n, int timeout_ms) {
        return wait([&]() {
            size_t k = 0;
            for (size_t i = 0; i < conns_.size(); ++i)
                k += conns_[i].bytes > 0;
            return k >= n;
        }, timeout_ms);
    }
    /* Waits until `n` connections have been closed by the peer. */
    bool wait_closed(size_t n, int timeout_ms) {
        return wait([&]() { return closed_locked() >= n; }, timeout_ms);
    }
    size_t closed() {
        std::lock_guard<std::mutex> lock(mutex_);
        return closed_locked();
    }
    size_t connections() {
        std::lock_guard<std::mutex> lock(mutex_);
        return conns_.size();
    }

private:
    struct Conn {
        int fd;
        size_t bytes;
        bool closed;
    };
    template <typename P> bool wait(P pred, int timeout_ms) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, milliseconds(timeout_ms), pred);
    }
    size_t closed_locked() const {
        size_t k = 0;
        for (size_t i = 0; i < conns_.size(); ++i)
            k += conns_[i].closed;
        return k;
    }
    void run() {
        while (!stop_) {
            std::vector<struct pollfd> fds(1);
            fds[0].fd = listen_fd_;
            fds[0].events = POLLIN;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                for (size_t i = 0; i < conns_.size(); ++i) {
                    struct pollfd p;
                    p.fd = conns_[i].closed ? -1 : conns_[i].fd;
                    p.events = POLLIN;
                    p.revents = 0;
                    fds.push_back(p);
                }
            }
            if (poll(&fds[0], fds.size(), 10) <= 0)
                continue;
            std::lock_guard<std::mutex> lock(mutex_);
            if (fds[0].revents & POLLIN) {
                int fd = accept(listen_fd_, nullptr, nullptr);
                if (fd >= 0) {
                    Conn c = {fd, 0, false};
                    conns_.push_back(c);
                }
            }
            for (size_t i = 1; i < fds.size(); ++i) {
                if (!fds[i].revents)
                    continue;
                char buf[4096];
                ssize_t n = read(conns_[i - 1].fd, buf, sizeof buf);
                if (n > 0)
                    conns_[i - 1].bytes += static_cast<size_t>(n);
                else
                    conns_[i - 1].closed = true;
            }
            changed_.notify_all();
        }
    }

    int listen_fd_;
    int port_;
    std::atomic<bool> stop_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Conn> conns_;
    std::thread thread_;
};

// ---------------------------------------------------------------------------------

void test_static_properties() {
    check::static_check_move_only<plivo::Queue>();
    check::static_check_move_only<plivo::Completion>();
    static_assert(std::is_nothrow_move_constructible<plivo::Client>::value, "noexcept");
    static_assert(std::is_nothrow_move_assignable<plivo::Client>::value, "noexcept");
    static_assert(std::is_nothrow_move_constructible<plivo::Options>::value, "noexcept");
    static_assert(!std::is_convertible<plivo::Completion, bool>::value, "explicit bool");
    static_assert(noexcept(std::declval<const plivo::Queue &>().next()), "next is noexcept");
    static_assert(noexcept(std::declval<const plivo::Queue &>().try_stop_stream(
                      std::declval<const std::string &>(), std::declval<const std::string &>(),
                      1)),
                  "try_stop_stream is noexcept");
    CHECK(static_cast<int>(plivo::LogLevel::error) == PLIVO_LOG_ERROR);
    CHECK(static_cast<int>(plivo::LogLevel::debug) == PLIVO_LOG_DEBUG);
    CHECK(std::string(plivo::log_level_name(plivo::LogLevel::warn)) == "WARN");
    CHECK(std::string(plivo::code_name(PLIVO_ERR_BUSY)) == "PLIVO_ERR_BUSY");
    CHECK(std::string(plivo::code_name(PLIVO_ERR_CANCELLED)) == "PLIVO_ERR_CANCELLED");
}

/* 200 stops through one queue driven by a poll() loop on fd(): exactly one result per
 * tag, each a 204; BUSY is handled by waiting for results; the descriptor is readable
 * exactly while results wait. */
void test_poll_loop() {
    plivo::Client client = make_client();
    plivo::Queue queue(client, 64);
    const int fd = queue.fd();
    CHECK(fd >= 0);
    CHECK(!readable(fd, 0));
    CHECK(queue.pending() == 0);
    CHECK(!queue.next());
    std::vector<int> seen(kPollStops, 0);
    int submitted = 0, received = 0, busy = 0, stray = 0, bad = 0, over = 0, empty = 0;
    const Clock::time_point t0 = Clock::now();
    while (received < kPollStops && ms_since(t0) < 60000 * slack) {
        while (submitted < kPollStops) {
            plivo::Result r = queue.try_stop_stream("q1", "s" + itos(submitted),
                                                    static_cast<std::uint64_t>(submitted));
            if (r.code() == PLIVO_ERR_BUSY) {
                ++busy;
                break;
            }
            if (!CHECK_MSG(r.ok() && r.http_status() == 0, describe(r)))
                break;
            ++submitted;
        }
        over += queue.pending() > 64;
        if (!readable(fd, 10000 * slack)) {
            CHECK_MSG(false, "poll() on the queue's fd timed out with " +
                                 itos(queue.pending()) + " pending");
            break;
        }
        int taken = 0;
        while (plivo::Completion c = queue.next()) {
            ++taken;
            ++received;
            if (c.tag() >= static_cast<std::uint64_t>(kPollStops)) {
                ++stray;
                continue;
            }
            ++seen[static_cast<size_t>(c.tag())];
            if (!(c.ok() && c.http_status() == 204 && c.attempts() == 1 &&
                  c.elapsed().count() > 0 && c.message().empty() && !c.has_body() &&
                  c.body().empty())) {
                if (++bad <= 3)
                    CHECK_MSG(false, describe(c));
            }
        }
        empty += taken == 0;
    }
    CHECK_MSG(over == 0, "pending() above max_in_flight " + itos(over) + " times");
    CHECK_MSG(empty == 0, "fd readable but next() gave nothing, " + itos(empty) + " times");
    CHECK_MSG(submitted == kPollStops && received == kPollStops,
              "submitted " + itos(submitted) + ", received " + itos(received));
    CHECK(stray == 0);
    CHECK_MSG(bad == 0, itos(bad) + " results were not a 204 success");
    int once = 0;
    for (int i = 0; i < kPollStops; ++i)
        once += seen[static_cast<size_t>(i)] == 1;
    CHECK_MSG(once == kPollStops, itos(once) + " tags had exactly one result");
    std::printf("poll loop: %d stops, %d BUSY refusals, %lld ms\n", kPollStops, busy,
                ms_since(t0));
    // Nothing more: no extra results, the descriptor is quiet, wait() returns at once.
    CHECK(queue.pending() == 0);
    CHECK(!readable(fd, 50));
    CHECK(!queue.next());
    const Clock::time_point w0 = Clock::now();
    CHECK(!queue.wait(milliseconds(2000)));
    CHECK(ms_since(w0) < 500 * slack);
    CHECK(queue.fd() == fd);
    // The stops happened.
    CHECK(client.try_stop_all_streams("q1").is_no_active_stream());
}

/* Start, get, list, stop_all and failures through a queue; argument checks at submit. */
void test_queue_operations() {
    plivo::Client client = make_client();
    plivo::Queue queue(client);
    queue.start_stream("g1", "wss://127.0.0.1:9/audio", 1);
    plivo::Completion c = queue.wait(milliseconds(10000 * slack));
    CHECK_MSG(c && c.tag() == 1 && c.ok() && c.has_body() && !c.body().empty(), describe(c));
    const std::string id = plivo::to_string(c.body());
    queue.get_stream("g1", id, 2);
    c = queue.wait(milliseconds(10000 * slack));
    CHECK_MSG(c && c.tag() == 2 && c.ok() && contains(plivo::to_string(c.body()), id),
              describe(c));
    queue.list_streams("g1", 3);
    c = queue.wait(milliseconds(10000 * slack));
    CHECK_MSG(c && c.tag() == 3 && c.ok() && contains(plivo::to_string(c.body()), "objects"),
              describe(c));
    plivo::Result copied = c.result();
    CHECK(copied.ok() && copied.value() == plivo::to_string(c.body()));
    plivo::StreamParams params;
    params.audio_track("both");
    queue.start_stream("g1", "wss://127.0.0.1:9/other", params, 4);
    c = queue.wait(milliseconds(10000 * slack));
    CHECK_MSG(c && c.tag() == 4 && c.ok() && c.has_body(), describe(c));
    queue.stop_all_streams("g1", 5);
    c = queue.wait(milliseconds(10000 * slack));
    CHECK_MSG(c && c.tag() == 5 && c.ok() && c.http_status() == 204, describe(c));
    queue.stop_stream("g1", "s1", 6);
    c = queue.wait(milliseconds(10000 * slack));
    CHECK_MSG(c && c.tag() == 6 && c.is_no_active_stream() && c.http_status() == 400 &&
                  !c.api_id().empty() && !c.message().empty() && !c.has_body(),
              describe(c));
    const plivo::Error e(c.result());
    CHECK(e.is_no_active_stream() && e.http_status() == 400);
    queue.stop_stream("fault-503always-q", "s1", 7);
    c = queue.wait(milliseconds(20000 * slack));
    CHECK_MSG(c && c.tag() == 7 && c.code() == PLIVO_ERR_SERVER && c.http_status() == 503 &&
                  c.attempts() == 3,
              describe(c));
    // Refused at submit, nothing queued: bad identifiers, a NUL byte, empty params.
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, queue.stop_stream("bad/id", "s1", 8));
    CHECK(queue.try_stop_stream("g1", std::string("s\0x", 3), 8).code() ==
          PLIVO_ERR_INVALID_ARGUMENT);
    CHECK(queue.try_list_streams("", 8).code() == PLIVO_ERR_INVALID_ARGUMENT);
    plivo::StreamParams gone = std::move(params);
    CHECK(queue.try_start_stream("g1", "wss://127.0.0.1:9/x", &params, 8).code() ==
          PLIVO_ERR_INVALID_ARGUMENT);
    CHECK(queue.try_start_stream("g1", "http://not-ws/", 8).code() == PLIVO_ERR_INVALID_ARGUMENT);
    CHECK(queue.pending() == 0);
    CHECK(!queue.next());
    // A queue on an empty client, and max_in_flight above 1024, are refused.
    plivo::Client moved = std::move(client);
    plivo::Result r;
    plivo::Queue q2 = plivo::Queue::try_create(r, client, 4);
    CHECK(!q2 && r.code() == PLIVO_ERR_INVALID_ARGUMENT && contains(r.message(), "empty"));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, plivo::Queue(moved, 1025));
    plivo::Queue q3 = plivo::Queue::try_create(r, moved, 1024);
    CHECK_MSG(q3 && r.ok(), describe(r));
}

/* max_in_flight 2 against a socket that never answers: the third submit is BUSY; a
 * cancel of an exchange under way gives CANCELLED quickly and closes its connection;
 * a slot frees; freeing the queue with requests in flight is quick and closes them. */
void test_busy_and_cancel() {
    Blackhole hole;
    plivo::Options o;
    o.base_url(hole.url()).timeout(milliseconds(30000)).max_retries(0);
    plivo::Client client(auth_id, auth_token, o);
    plivo::Queue queue(client, 2);
    queue.stop_stream("b1", "s1", 1);
    queue.stop_stream("b1", "s2", 2);
    EXPECT_ERROR(PLIVO_ERR_BUSY, queue.stop_stream("b1", "s3", 3));
    plivo::Result r = queue.try_stop_stream("b1", "s3", 3);
    CHECK_MSG(r.code() == PLIVO_ERR_BUSY && r.http_status() == 0, describe(r));
    CHECK(queue.try_list_streams("b1", 3).code() == PLIVO_ERR_BUSY);
    // Argument checks come before the BUSY check.
    CHECK(queue.try_stop_stream("bad/id", "s3", 3).code() == PLIVO_ERR_INVALID_ARGUMENT);
    CHECK(queue.pending() == 2);
    CHECK_MSG(hole.wait_requests(2, 5000 * slack), "the two requests never arrived");
    CHECK(!queue.next());
    CHECK(!readable(queue.fd(), 0));

    Clock::time_point t0 = Clock::now();
    CHECK(queue.cancel(1));
    plivo::Completion c = queue.wait(milliseconds(5000 * slack));
    const long long cancel_ms = ms_since(t0);
    CHECK_MSG(c && c.tag() == 1 && c.is_cancelled() && c.http_status() == 0 &&
                  c.attempts() == 1 && !c.message().empty(),
              describe(c));
    CHECK_MSG(cancel_ms <= 100 + 150 * slack, "cancel took " + itos(cancel_ms) + " ms");
    CHECK_MSG(hole.wait_closed(1, 100 + 150 * slack),
              "the cancelled exchange's connection was not closed");
    CHECK(hole.closed() == 1); // the other one is still waiting
    CHECK(!queue.cancel(1));    // nothing with tag 1 is running any more
    r = queue.try_cancel(99);
    CHECK(r.code() == PLIVO_ERR_INVALID_ARGUMENT);
    CHECK(queue.pending() == 1);
    queue.stop_stream("b1", "s3", 3); // a slot is free again
    CHECK(queue.pending() == 2);
    CHECK(queue.try_stop_stream("b1", "s4", 4).code() == PLIVO_ERR_BUSY);

    // Destroying the queue with two exchanges under way: quick, connections closed.
    CHECK_MSG(hole.wait_requests(3, 5000 * slack), "the third request never arrived");
    CHECK(hole.closed() == 1);
    t0 = Clock::now();
    {
        plivo::Queue gone = std::move(queue);
    }
    const long long free_ms = ms_since(t0);
    CHECK_MSG(free_ms <= 200 + 150 * slack, "freeing the queue took " + itos(free_ms) + " ms");
    CHECK(!queue);
    CHECK_MSG(hole.wait_closed(3, 1000 * slack),
              "closed: " + itos(static_cast<long long>(hole.closed())) + " of " +
                  itos(static_cast<long long>(hole.connections())));
}

/* The queue outlives its Client and Options; the sink is called from queue workers
 * after both are destroyed; nothing calls it after the queue is gone. */
void test_ownership() {
    const std::shared_ptr<LogLines> lines = std::make_shared<LogLines>();
    std::unique_ptr<plivo::Queue> queue;
    {
        plivo::Options o = local_options();
        o.log_sink(plivo::LogLevel::debug, sink_into(lines));
        plivo::Client client(auth_id, auth_token, o);
        queue.reset(new plivo::Queue(client, kOwnershipStops + 1));
    } // the Options and the Client are gone; the queue holds the C client and the sink
    for (int i = 0; i < kOwnershipStops; ++i)
        queue->stop_stream("o1", "s" + itos(i), static_cast<std::uint64_t>(i));
    int ok = 0;
    for (int i = 0; i < kOwnershipStops; ++i) {
        plivo::Completion c = queue->wait(milliseconds(10000 * slack));
        if (c && c.ok() && c.http_status() == 204)
            ++ok;
        else
            CHECK_MSG(false, describe(c));
    }
    CHECK(ok == kOwnershipStops);
    std::vector<LogLines::Line> got = lines->take();
    CHECK_MSG(count(got, plivo::LogLevel::info, "event=request op=stop_stream call_uuid=o1") ==
                  static_cast<size_t>(kOwnershipStops),
              dump(got));
    CHECK(count(got, plivo::LogLevel::error) == 0);
    CHECK_MSG(count(got, plivo::LogLevel::debug, "opened") >= 1, dump(got));
    size_t on_main = 0;
    for (size_t i = 0; i < got.size(); ++i)
        on_main += got[i].thread == std::this_thread::get_id();
    CHECK_MSG(on_main == 0, itos(static_cast<long long>(on_main)) + " lines on the main thread");

    // Free the queue with an exchange under way (the server stalls): the sink may be
    // called until plivo_queue_free returns, never after.
    queue->stop_stream("fault-stall-o1", "s1", 100);
    CHECK(lines->wait_for("event=connection", 5000 * slack));
    std::this_thread::sleep_for(milliseconds(50));
    queue.reset();
    const size_t after = lines->size();
    std::this_thread::sleep_for(milliseconds(300));
    CHECK(lines->size() == after);
}

/* Moves of Queue and Completion. */
void test_moves() {
    plivo::Client client = make_client();
    plivo::Queue a(client, 4);
    const int fd = a.fd();
    plivo::Queue b(std::move(a));
    CHECK(!a && static_cast<bool>(b));
    CHECK(b.fd() == fd);
    CHECK(a.fd() == -1 && a.pending() == 0 && a.native_handle() == nullptr);
    plivo::Result r = a.try_stop_stream("mv1", "s1", 1);
    CHECK_MSG(r.code() == PLIVO_ERR_INVALID_ARGUMENT && contains(r.message(), "empty") &&
                  r.http_status() == 0,
              describe(r));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, a.stop_stream("mv1", "s1", 1));
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, a.cancel(1));
    CHECK(a.try_cancel(1).code() == PLIVO_ERR_INVALID_ARGUMENT);
    CHECK(!a.next() && !a.wait(milliseconds(10)));

    b.stop_stream("mv1", "s1", 7);
    b.start_stream("mv1", "wss://127.0.0.1:9/mv", 8);
    a = std::move(b); // a takes b's queue and its pending requests
    CHECK(!b && a.fd() == fd && a.pending() == 2);
    plivo::Queue &alias = a;
    a = std::move(alias); // self-move: a no-op
    CHECK(a.fd() == fd && a.pending() == 2);
    std::vector<plivo::Completion> done;
    for (int i = 0; i < 2; ++i)
        done.push_back(a.wait(milliseconds(10000 * slack)));
    std::sort(done.begin(), done.end(), [](const plivo::Completion &x, const plivo::Completion &y) {
        return x.tag() < y.tag();
    });
    CHECK_MSG(done[0].tag() == 7 && done[0].ok(), describe(done[0]));
    CHECK_MSG(done[1].tag() == 8 && done[1].ok() && done[1].has_body(), describe(done[1]));
    // Borrowed views stay valid across moves of the Completion.
    const plivo::StringView body = done[1].body();
    plivo::Completion moved(std::move(done[1]));
    CHECK(!done[1] && static_cast<bool>(moved));
    CHECK(moved.body().data() == body.data() && plivo::to_string(body) == plivo::to_string(moved.body()));
    CHECK(done[1].tag() == 0 && done[1].code() == PLIVO_ERR_INVALID_ARGUMENT &&
          done[1].http_status() == 0 && done[1].body().empty() && !done[1].has_body() &&
          done[1].attempts() == 0 && done[1].elapsed().count() == 0 &&
          done[1].message().empty());
    plivo::Completion other;
    CHECK(!other);
    other = std::move(moved);
    CHECK(other.tag() == 8 && !moved);
    // A Queue made from a Client, then the Client assigned over: the queue still works.
    client = make_client();
    a.stop_stream("mv1", "s2", 9);
    plivo::Completion c = a.wait(milliseconds(10000 * slack));
    CHECK_MSG(c && c.tag() == 9 && c.ok(), describe(c));
}

/* The sink hears exactly the lines ABI.md promises, at the level set. */
void test_log_lines() {
    const std::shared_ptr<LogLines> lines = std::make_shared<LogLines>();
    plivo::Options o = local_options();
    o.log_sink(plivo::LogLevel::info, sink_into(lines));
    plivo::Client client(auth_id, auth_token, o);

    client.stop_stream("l1", "s1");
    std::vector<LogLines::Line> got = lines->take();
    CHECK_MSG(got.size() == 1 && got[0].level == plivo::LogLevel::info, dump(got));
    if (got.size() == 1) {
        const std::string &t = got[0].text;
        CHECK_MSG(contains(t, "event=request ") && contains(t, "op=stop_stream") &&
                      contains(t, "call_uuid=l1") && contains(t, "stream_uuid=s1") &&
                      contains(t, "status=204") && contains(t, "code=PLIVO_OK") &&
                      contains(t, "attempts=1") && contains(t, "elapsed_us="),
                  t);
        CHECK(got[0].thread == std::this_thread::get_id()); // blocking: the caller's thread
        CHECK(t.empty() || t[t.size() - 1] != '\n');
    }
    // Already stopped: INFO, then ERROR.
    CHECK(client.try_stop_stream("l1", "s1").is_no_active_stream());
    got = lines->take();
    CHECK_MSG(got.size() == 2 && count(got, plivo::LogLevel::info) == 1 &&
                  count(got, plivo::LogLevel::error) == 1,
              dump(got));
    if (got.size() == 2) {
        CHECK(got[0].level == plivo::LogLevel::info &&
              contains(got[0].text, "code=PLIVO_ERR_NO_ACTIVE_STREAM"));
        CHECK(got[1].level == plivo::LogLevel::error &&
              contains(got[1].text, "event=request_failed") &&
              contains(got[1].text, "status=400"));
    }
    // Refused before sending: nothing logged. INFO level: no DEBUG lines ever.
    CHECK(client.try_stop_stream("bad/id", "s1").code() == PLIVO_ERR_INVALID_ARGUMENT);
    CHECK(lines->size() == 0);
    // A refused level leaves the setting as it was; a later client still logs here.
    plivo::Result r = o.try_log_sink(static_cast<plivo::LogLevel>(9), sink_into(lines));
    CHECK(r.code() == PLIVO_ERR_INVALID_ARGUMENT);
    r = o.try_log_sink(static_cast<plivo::LogLevel>(0), plivo::LogSink());
    CHECK(r.code() == PLIVO_ERR_INVALID_ARGUMENT);
    {
        plivo::Client again(auth_id, auth_token, o);
        CHECK(again.try_list_streams("l1").ok());
        got = lines->take();
        CHECK_MSG(got.size() == 1 && got[0].level == plivo::LogLevel::info, dump(got));
    }

    // DEBUG: connections opened, then reused.
    plivo::Options d = local_options();
    d.log_sink(plivo::LogLevel::debug, sink_into(lines));
    plivo::Client debug_client(auth_id, auth_token, d);
    debug_client.stop_stream("l1", "s2");
    debug_client.list_streams("l1");
    got = lines->take();
    CHECK_MSG(count(got, plivo::LogLevel::debug, "opened") == 1 &&
                  count(got, plivo::LogLevel::debug, "reused") == 1 &&
                  count(got, plivo::LogLevel::info) == 2 && count(got, plivo::LogLevel::error) == 0,
              dump(got));
    // Another sink set later does not affect existing clients; an empty sink turns it off.
    const std::shared_ptr<LogLines> later = std::make_shared<LogLines>();
    d.log_sink(plivo::LogLevel::error, sink_into(later));
    debug_client.list_streams("l1");
    CHECK(lines->take().size() == 2 && later->size() == 0);
    d.log_sink(plivo::LogLevel::info, plivo::LogSink());
    {
        plivo::Client silent(auth_id, auth_token, d);
        silent.stop_stream("l1", "s3");
    }
    CHECK(lines->size() == 0 && later->size() == 0);
    plivo::Options empty = std::move(d);
    CHECK(d.try_log_sink(plivo::LogLevel::info, sink_into(lines)).code() ==
          PLIVO_ERR_INVALID_ARGUMENT);

    // Queued requests log on a worker thread: one INFO per request, INFO+ERROR per failure.
    plivo::Queue queue(client, 4);
    queue.stop_stream("lq", "s1", 1);
    queue.stop_stream("lq", "s2", 2);
    for (int i = 0; i < 2; ++i)
        CHECK(queue.wait(milliseconds(10000 * slack)).ok());
    queue.stop_stream("lq", "s1", 3);
    CHECK(queue.wait(milliseconds(10000 * slack)).is_no_active_stream());
    got = lines->take();
    CHECK_MSG(got.size() == 4 && count(got, plivo::LogLevel::info, "call_uuid=lq") == 3 &&
                  count(got, plivo::LogLevel::error, "code=PLIVO_ERR_NO_ACTIVE_STREAM") == 1,
              dump(got));
    for (size_t i = 0; i < got.size(); ++i)
        CHECK(got[i].thread != std::this_thread::get_id());
}

/* Client::stats() adds up over a known sequence (blocking and queued). */
void test_stats() {
    plivo::Client client = make_client();
    std::string json = client.stats();
    CHECK_MSG(json_int(json, "requests") == 0 && json_int(json, "attempts") == 0 &&
                  json_int(json, "in_flight") == 0 && json_int(json, "max") == 0,
              json);
    client.stop_stream("st1", "s1");
    client.stop_stream("st1", "s2");
    client.stop_stream("st1", "s3");
    CHECK(client.try_stop_stream("st1", "s1").is_no_active_stream());
    CHECK(client.try_stop_stream("bad/id", "s1").code() == PLIVO_ERR_INVALID_ARGUMENT);
    json = client.stats();
    CHECK_MSG(json_int(json, "requests") == 4 && json_int(json, "attempts") == 4 &&
                  json_int(json, "retries") == 0 && json_int(json, "PLIVO_OK") == 3 &&
                  json_int(json, "PLIVO_ERR_NO_ACTIVE_STREAM") == 1 &&
                  json_int(json, "max") > 0,
              json);
    CHECK_MSG(json_int(json, "opened") + json_int(json, "reused") == 4, json);
    {
        plivo::Queue queue(client, 8);
        for (int i = 0; i < 5; ++i)
            queue.list_streams("st1", static_cast<std::uint64_t>(i));
        for (int i = 0; i < 5; ++i)
            CHECK(queue.wait(milliseconds(10000 * slack)).ok());
    }
    CHECK(client.try_stop_stream("fault-503always-st", "s1").code() == PLIVO_ERR_SERVER);
    plivo::Result r = client.try_stats();
    CHECK(r.ok());
    json = r.value();
    CHECK_MSG(json_int(json, "requests") == 10 && json_int(json, "attempts") == 12 &&
                  json_int(json, "retries") == 2 && json_int(json, "in_flight") == 0 &&
                  json_int(json, "PLIVO_OK") == 8 && json_int(json, "PLIVO_ERR_SERVER") == 1,
              json);
    CHECK_MSG(json_int(json, "opened") + json_int(json, "reused") == 12, json);
    CHECK(!contains(json, auth_token));
    plivo::Client moved = std::move(client);
    CHECK(client.try_stats().code() == PLIVO_ERR_INVALID_ARGUMENT);
    EXPECT_ERROR(PLIVO_ERR_INVALID_ARGUMENT, client.stats());
}

/* A sink that throws: the exception never reaches the library (which would abort the
 * process); requests complete as usual. */
void test_throwing_sink() {
    std::fprintf(stderr, "(throwing sink: a crash here means an exception escaped into C)\n");
    const std::shared_ptr<std::atomic<int> > calls = std::make_shared<std::atomic<int> >(0);
    plivo::Options o = local_options();
    o.log_sink(plivo::LogLevel::debug, [calls](plivo::LogLevel, plivo::StringView) {
        ++*calls;
        throw std::runtime_error("sink failure");
    });
    plivo::Client client(auth_id, auth_token, o);
    client.stop_stream("th1", "s1");
    CHECK(client.try_stop_stream("th1", "s1").is_no_active_stream());
    const int blocking_calls = calls->load();
    CHECK_MSG(blocking_calls >= 3, itos(blocking_calls));
    plivo::Queue queue(client);
    queue.stop_stream("th1", "s2", 1);
    plivo::Completion c = queue.wait(milliseconds(10000 * slack));
    CHECK_MSG(c && c.ok(), describe(c));
    CHECK(calls->load() > blocking_calls);
}

} // namespace

int main(int argc, char **argv) {
    if (!start(argc, argv, seeds))
        return 0; // the seeds were printed
    if (const char *s = std::getenv("PLIVO_TEST_SLACK"))
        slack = std::max(1, std::atoi(s));

    struct Test {
        const char *name;
        void (*run)();
    };
    const Test tests[] = {
        {"static properties", test_static_properties},
        {"poll loop", test_poll_loop},
        {"queue operations", test_queue_operations},
        {"busy and cancel", test_busy_and_cancel},
        {"ownership", test_ownership},
        {"moves", test_moves},
        {"log lines", test_log_lines},
        {"stats", test_stats},
        {"throwing sink", test_throwing_sink},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; ++i) {
        const int failed_before = check::failed().load();
        try {
            tests[i].run();
        } catch (const std::exception &e) {
            CHECK_MSG(false, std::string(tests[i].name) + ": unexpected exception: " + e.what());
        }
        std::printf("%s: %s\n", tests[i].name,
                    check::failed().load() == failed_before ? "ok" : "FAILED");
        std::fflush(stdout);
    }
    return check::summary();
}
