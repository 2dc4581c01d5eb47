/*
 * plivo.hpp: header-only C++ binding of libplivo (Plivo Audio Stream API).
 *
 * Requires C++11 or later and the C header plivo.h (include/ in the libplivo tree);
 * link with libplivo (-lplivo, or libplivo.a plus the system libraries it needs).
 *
 * Overview
 *   plivo::Client        a client (credentials, base URL, connection pool). Move-only;
 *                        thread-safe: one Client may be used from many threads at once.
 *   plivo::Options       client options builder (base URL, timeouts, retries, proxy...).
 *                        Move-only; NOT thread-safe while being modified.
 *   plivo::StreamParams  optional parameters of start_stream(). Move-only; NOT
 *                        thread-safe while being modified.
 *   plivo::Queue         a completion queue on a Client: non-blocking requests for event
 *                        loops, their outcomes signalled through one pollable descriptor.
 *                        Move-only; thread-safe like Client.
 *   plivo::Completion    the outcome of one queued request (tag, code, status, body...).
 *                        Move-only.
 *   plivo::LogSink       a std::function receiving the client's log lines (Options::log_sink).
 *   plivo::Error         the exception thrown by every throwing function.
 *   plivo::Result        what the noexcept try_* functions return instead of throwing.
 *
 * Errors
 *   Every throwing function throws plivo::Error (derived from std::runtime_error)
 *   carrying the library's PlivoCode, message, HTTP status and api_id. Each throwing
 *   function has a noexcept counterpart named try_* that returns a plivo::Result with
 *   the same information, for code that cannot use exceptions. When the header is
 *   compiled with exceptions disabled (-fno-exceptions, or PLIVO_HPP_EXCEPTIONS
 *   defined to 0 before including it), the throwing functions are not declared and
 *   only the try_* API is available.
 *
 *   The C library keeps a per-thread "last error" (like errno). This header reads it
 *   immediately after each C call, on the same thread, and copies every borrowed
 *   string, so Error and Result objects own their data and may be kept, copied and
 *   moved to other threads freely.
 *
 *   A few errors are detected by this header without calling the library (an empty,
 *   i.e. moved-from Client/Options/StreamParams; a std::string argument containing a
 *   NUL byte, which C would silently truncate; a duration that does not fit the C
 *   argument type). They have code PLIVO_ERR_INVALID_ARGUMENT, http_status 0, no
 *   api_id, and they leave the C library's plivo_last_* state untouched.
 *
 * Out of memory: like the rest of the standard library, a throwing function may throw
 * std::bad_alloc; in a noexcept try_* function an allocation failure terminates.
 */
#ifndef PLIVO_HPP
#define PLIVO_HPP

#include "plivo.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#ifndef PLIVO_HPP_CXX17
#if (defined(_MSVC_LANG) && _MSVC_LANG >= 201703L) || __cplusplus >= 201703L
#define PLIVO_HPP_CXX17 1
#else
#define PLIVO_HPP_CXX17 0
#endif
#endif
#if PLIVO_HPP_CXX17
#include <string_view>
#endif

#ifndef PLIVO_HPP_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define PLIVO_HPP_EXCEPTIONS 1
#else
#define PLIVO_HPP_EXCEPTIONS 0
#endif
#endif

namespace plivo {

/** The library's version, e.g. "0.1.0" (static string; never NULL, never free it).
 *  Compare with PLIVO_VERSION (the header's version) at start-up to detect a
 *  header/library mismatch. Thread-safe. */
inline const char *version() noexcept { return plivo_version(); }

/** The name of a result code ("PLIVO_OK", "PLIVO_ERR_NO_ACTIVE_STREAM", ...), or
 *  "PLIVO_ERR_UNKNOWN" for a value the library does not know. Static string; never
 *  NULL. Thread-safe. */
inline const char *code_name(int code) noexcept { return plivo_code_name(code); }

/**
 * The outcome of a noexcept try_* function: result code, message, HTTP status, api_id
 * and, for the functions that return data, the value (stream id or JSON text).
 *
 * Converts to true on success (`if (r)` / `r.ok()`). Owns all its strings (copied
 * from the C library's per-thread state right after the call), so it may be kept and
 * passed between threads. Not synchronised: do not modify one Result from two threads.
 */
class Result {
public:
    /** A successful, empty result (code PLIVO_OK). */
    Result() noexcept : code_(PLIVO_OK), http_status_(0) {}

    /** A result with the given fields (used by this header; handy in tests/mocks). */
    Result(PlivoCode code, std::string message, int http_status, std::string api_id,
           std::string value = std::string())
        : code_(code), message_(std::move(message)), http_status_(http_status),
          api_id_(std::move(api_id)), value_(std::move(value)) {}

    /** True when the call succeeded (code PLIVO_OK). */
    bool ok() const noexcept { return code_ == PLIVO_OK; }
    /** Same as ok(). */
    explicit operator bool() const noexcept { return ok(); }

    /** The result code (PLIVO_OK on success). */
    PlivoCode code() const noexcept { return code_; }
    /** The code's name, e.g. "PLIVO_ERR_TIMEOUT" (static string). */
    const char *code_name() const noexcept { return plivo_code_name(code_); }
    /** The library's message; empty on success. Never contains the auth token. */
    const std::string &message() const noexcept { return message_; }
    /** HTTP status of the last response received (e.g. 204 after a stop), 0 if none. */
    int http_status() const noexcept { return http_status_; }
    /** The "api_id" of the response body; empty when there was none. */
    const std::string &api_id() const noexcept { return api_id_; }
    /** The returned data (start: the stream id; get/list: the JSON body); empty for
     *  functions that return no data and on failure. */
    const std::string &value() const noexcept { return value_; }
    /** Moves the value out of the result (the result's value becomes empty). */
    std::string take_value() noexcept { return std::move(value_); }

    /** True when the code is PLIVO_ERR_NO_ACTIVE_STREAM: the stream (or every stream
     *  of the call) was already stopped. Treat it as success if stop is idempotent
     *  for you. */
    bool is_no_active_stream() const noexcept { return code_ == PLIVO_ERR_NO_ACTIVE_STREAM; }

private:
    PlivoCode code_;
    std::string message_;
    int http_status_;
    std::string api_id_;
    std::string value_;
};

/**
 * The exception thrown by every throwing function of this binding.
 *
 * what() is the library's message (it names the operation and the reason; for HTTP
 * errors it includes the status and the server's error text; never the auth token).
 * Owns all its data: safe to keep, copy and rethrow on another thread.
 */
class Error : public std::runtime_error {
public:
    /** An error with these fields. An empty message is replaced by the code's name. */
    Error(PlivoCode code, const std::string &message, int http_status = 0,
          const std::string &api_id = std::string())
        : std::runtime_error(message.empty() ? std::string(plivo_code_name(code)) : message),
          code_(code), http_status_(http_status), api_id_(api_id) {}

    /** The error described by a failed Result. */
    explicit Error(const Result &result)
        : std::runtime_error(result.message().empty() ? std::string(result.code_name())
                                                      : result.message()),
          code_(result.code()), http_status_(result.http_status()),
          api_id_(result.api_id()) {}

    /** The result code (never PLIVO_OK). */
    PlivoCode code() const noexcept { return code_; }
    /** The code's name, e.g. "PLIVO_ERR_NO_ACTIVE_STREAM" (static string). */
    const char *code_name() const noexcept { return plivo_code_name(code_); }
    /** HTTP status of the last response received, or 0 when none was received
     *  (invalid argument, connect failure, timeout before the answer). */
    int http_status() const noexcept { return http_status_; }
    /** The "api_id" of the error response body; empty when there was none. */
    const std::string &api_id() const noexcept { return api_id_; }
    /** True for PLIVO_ERR_NO_ACTIVE_STREAM (HTTP 400 "No active stream found"): the
     *  stream was already stopped. Callers that treat stop as idempotent test this. */
    bool is_no_active_stream() const noexcept { return code_ == PLIVO_ERR_NO_ACTIVE_STREAM; }

private:
    PlivoCode code_;
    int http_status_;
    std::string api_id_;
};

namespace detail {

/** Deleter for strings the library hands out through char** (plivo_string_free). */
struct StringFree {
    void operator()(char *s) const noexcept { plivo_string_free(s); }
};
typedef std::unique_ptr<char, StringFree> OwnedString;

/** Builds a Result from the calling thread's last-error state. Must be called on the
 *  thread that made the C call, right after it, before any other fallible plivo_*
 *  call: the borrowed strings are copied here. */
inline Result last_result(PlivoCode code, std::string value = std::string()) {
    const char *message = plivo_last_error();
    const char *api_id = plivo_last_api_id();
    int status = plivo_last_http_status();
    return Result(code, message ? std::string(message) : std::string(), status,
                  api_id ? std::string(api_id) : std::string(), std::move(value));
}

/** The Result of a constructor (`function`) that returned `made`, from the thread's
 *  last error. Defensive: a NULL without an error code is PLIVO_ERR_INTERNAL, so it
 *  never looks like success. */
inline Result constructor_result(const void *made, const char *function) {
    Result r = last_result(made ? PLIVO_OK : plivo_last_error_code());
    if (!made && r.ok())
        r = Result(PLIVO_ERR_INTERNAL, std::string(function) + ": NULL without an error", 0,
                   std::string());
    return r;
}

/** A result for an error detected by this header (no C call made). */
inline Result local_error(const char *where, const char *what) {
    return Result(PLIVO_ERR_INVALID_ARGUMENT, std::string(where) + ": " + what, 0,
                  std::string());
}

/** An error for a duration that does not fit the C argument (uint32_t). */
template <typename Rep>
inline Result duration_error(const char *where, Rep count, const char *unit) {
    return local_error(where, (std::to_string(static_cast<long long>(count)) + " " + unit +
                               " is out of range").c_str());
}

/** True when a std::string can be passed as a C string without truncation. */
inline bool has_nul(const std::string &s) noexcept {
    return s.find('\0') != std::string::npos;
}

/** Checks string arguments for embedded NUL bytes; returns false and sets `out`. */
inline bool check_nul(Result &out, const char *where, const char *name,
                      const std::string &s) {
    if (!has_nul(s))
        return true;
    out = local_error(where, (std::string(name) + " contains a NUL byte").c_str());
    return false;
}

/** False, with `out` set, when `handle` is NULL: the object (`empty` says which and
 *  why) cannot be used by the operation `where`. */
inline bool check_usable(Result &out, const char *where, const void *handle,
                         const char *empty) {
    if (handle)
        return true;
    out = local_error(where, empty);
    return false;
}

/** Converts a count to uint32_t, or returns false when it does not fit. */
template <typename Rep>
inline bool to_u32(Rep count, std::uint32_t &out) noexcept {
    if (count < 0 ||
        static_cast<unsigned long long>(count) > std::numeric_limits<std::uint32_t>::max())
        return false;
    out = static_cast<std::uint32_t>(count);
    return true;
}

/** The Result of a call that hands out a string through char** (`out`, owned, may be
 *  NULL): the string becomes the value and is freed. Same thread rules as
 *  last_result(). */
inline Result owned_result(PlivoCode code, char *out) {
    OwnedString owned(out);
    return last_result(code, owned ? std::string(owned.get()) : std::string());
}

#if PLIVO_HPP_EXCEPTIONS
/** Throws Error for a failed result; returns the result's value otherwise. */
inline std::string check(Result result) {
    if (!result)
        throw Error(result);
    return result.take_value();
}
#endif

/** The owner of one library object: move-only, freed with Free (which accepts NULL)
 *  when destroyed or assigned over; a moved-from Handle is empty (NULL). */
template <typename T, void (*Free)(T *)>
class Handle {
public:
    explicit Handle(T *p = nullptr) noexcept : p_(p) {}
    ~Handle() { Free(p_); }
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;
    Handle(Handle &&other) noexcept : p_(other.p_) { other.p_ = nullptr; }
    Handle &operator=(Handle &&other) noexcept {
        if (this != &other) {
            Free(p_);
            p_ = other.p_;
            other.p_ = nullptr;
        }
        return *this;
    }
    T *get() const noexcept { return p_; }

private:
    T *p_;
};

template <typename V> struct Same { typedef V type; };

/**
 * What Options and StreamParams share (`Self` is the class itself): the owned C object
 * and its accessors, and each setter's checks (not empty, no NUL byte, fits uint32_t)
 * before the C setter is called.
 */
template <typename Self, typename T, void (*Free)(T *)>
class Settings {
public:
    /** The C object (borrowed; still owned by this object), NULL when empty. */
    const T *native_handle() const noexcept { return handle_.get(); }
    /** The C object, for setter functions this header may lack. */
    T *native_handle() noexcept { return handle_.get(); }
    /** True unless empty (moved from, or allocation failed without exceptions). */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }

protected:
    /** Owns `made`; throws Error when it is NULL (with exceptions disabled: empty).
     *  `empty` is the message of a setter called on an empty object. */
    Settings(T *made, const char *empty) : handle_(made), empty_(empty) {
#if PLIVO_HPP_EXCEPTIONS
        if (!made)
            throw Error(last_result(plivo_last_error_code()));
#endif
    }

    /** setter(object, value) for a value passed as it is. */
    template <typename V>
    Result set(const char *where, PlivoCode (*setter)(T *, V),
               typename Same<V>::type value) noexcept {
        Result r;
        if (!usable(r, where))
            return r;
        return last_result(setter(handle_.get(), value));
    }

    /** setter(object, value.c_str()), refusing a string with a NUL byte. */
    Result set_string(const char *where, const char *name, const std::string &value,
                      PlivoCode (*setter)(T *, const char *)) noexcept {
        Result r;
        if (!usable(r, where) || !check_nul(r, where, name, value))
            return r;
        return last_result(setter(handle_.get(), value.c_str()));
    }

    /** setter(object, count) for a duration's count in `unit`, refused when it does
     *  not fit uint32_t. */
    template <typename Rep>
    Result set_count(const char *where, Rep count, const char *unit,
                     PlivoCode (*setter)(T *, std::uint32_t)) noexcept {
        Result r;
        if (!usable(r, where))
            return r;
        std::uint32_t n = 0;
        if (!to_u32(count, n))
            return duration_error(where, count, unit);
        return last_result(setter(handle_.get(), n));
    }

#if PLIVO_HPP_EXCEPTIONS
    /** The throwing, chainable form of a setter's Result. */
    Self &apply(Result result) {
        check(std::move(result));
        return static_cast<Self &>(*this);
    }
#endif

private:
    bool usable(Result &r, const char *where) const {
        return check_usable(r, where, handle_.get(), empty_);
    }

    Handle<T, Free> handle_;
    const char *empty_;
};

} // namespace detail

#if PLIVO_HPP_CXX17
/** A borrowed, non-owning view of characters: std::string_view from C++17 on. */
typedef std::string_view StringView;
#else
/** A borrowed, non-owning view of characters (std::string_view from C++17 on; this
 *  minimal stand-in before): data(), size(), empty(), begin(), end(), operator[]. Use
 *  plivo::to_string(v) or std::string(v.data(), v.size()) to copy it. */
class StringView {
public:
    StringView() noexcept : data_(""), size_(0) {}
    StringView(const char *data, std::size_t size) noexcept : data_(data), size_(size) {}
    const char *data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    std::size_t length() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    const char *begin() const noexcept { return data_; }
    const char *end() const noexcept { return data_ + size_; }
    char operator[](std::size_t i) const noexcept { return data_[i]; }

private:
    const char *data_;
    std::size_t size_;
};
#endif

/** A copy of the characters of `v`. */
inline std::string to_string(StringView v) { return std::string(v.data(), v.size()); }

/** How much a log sink hears: a level and every more severe one
 *  (error < warn < info < debug). The values are PlivoLogLevel's. */
enum class LogLevel : int {
    error = PLIVO_LOG_ERROR, ///< a failed request (after its INFO line)
    warn = PLIVO_LOG_WARN,   ///< a retry: why, and the wait before it
    info = PLIVO_LOG_INFO,   ///< one line per completed request
    debug = PLIVO_LOG_DEBUG  ///< connections opened, reused and discarded, and why
};

/** The level's name: "ERROR", "WARN", "INFO", "DEBUG" ("UNKNOWN" otherwise). */
inline const char *log_level_name(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::error: return "ERROR";
    case LogLevel::warn: return "WARN";
    case LogLevel::info: return "INFO";
    case LogLevel::debug: return "DEBUG";
    }
    return "UNKNOWN";
}

/**
 * Receives the client's log lines (see Options::log_sink()): the level, and the line,
 * one event in `key=value` style without a trailing newline. The view is borrowed from
 * the library and valid only during the call: copy it to keep it.
 *
 * Called on the thread doing the exchange (the caller's thread for a Client's blocking
 * calls, a queue worker thread for a Queue's requests), possibly on several threads at
 * once, never while the library holds a lock: it must be thread-safe. It must not call
 * plivo.hpp or libplivo functions (other than plivo::version() and plivo::code_name()).
 * An exception it throws is caught and dropped (it never unwinds into the library).
 */
typedef std::function<void(LogLevel, StringView)> LogSink;

class Client;
class Queue;

namespace detail {

/** The sink shared by an Options and every Client and Queue made from it (the C
 *  objects hold a raw pointer to it as user_data). */
struct LogState {
    explicit LogState(LogSink s) : sink(std::move(s)) {}
    LogSink sink;
};
typedef std::shared_ptr<const LogState> LogStatePtr;

/** The PlivoLogCallback: calls the sink, catching everything it throws. */
inline void log_trampoline(void *user_data, PlivoLogLevel level, const char *message) noexcept {
    if (!user_data || !message)
        return;
    const LogState *state = static_cast<const LogState *>(user_data);
#if PLIVO_HPP_EXCEPTIONS
    try {
        state->sink(static_cast<LogLevel>(level), StringView(message, std::strlen(message)));
    } catch (...) {
        // A C++ exception must never unwind through the library's frames.
    }
#else
    state->sink(static_cast<LogLevel>(level), StringView(message, std::strlen(message)));
#endif
}

} // namespace detail

/**
 * Client options: an RAII owner of a PlivoOptions.
 *
 * A new Options holds the defaults: no base URL (the Client then uses PLIVO_BASE_URL,
 * read when the Client is constructed, or https://api.plivo.com/v1/), timeout 10 s,
 * connect timeout 3 s, 2 retries, proxy from the environment, the bundled Mozilla
 * root certificates, plain http:// only to loopback hosts. Each setter validates its value: a refused value throws Error (code
 * PLIVO_ERR_INVALID_ARGUMENT) and leaves the option as it was. Setters return *this,
 * so they chain: `plivo::Options o; o.base_url(u).timeout(std::chrono::seconds(2));`.
 *
 * A Client copies what it needs at construction: the Options may be destroyed or
 * changed right after. Move-only; a moved-from Options is empty (native_handle() is
 * NULL) and every setter on it fails with PLIVO_ERR_INVALID_ARGUMENT.
 * Thread rules: not thread-safe while being modified; a finished Options may be read
 * by several Client constructors at once.
 */
class Options : public detail::Settings<Options, PlivoOptions, plivo_options_free> {
public:
    /** New options with the defaults. Throws Error if the library cannot allocate
     *  them (with exceptions disabled: the Options is empty instead). */
    Options() : Settings(plivo_options_new(), "the options object is empty (moved from)") {}
    // Move-only: moving takes over the other's options (freeing the current ones) and
    // leaves the other empty; native_handle(), operator bool: see detail::Settings.

    /** Base URL of the API, an absolute http:// or https:// URL with a host (e.g. the
     *  bundled server's http://127.0.0.1:PORT/v1/); overrides PLIVO_BASE_URL. Plain
     *  http:// to a non-loopback host is refused later, by the Client constructor,
     *  unless allow_insecure_http(true). */
    Result try_base_url(const std::string &url) noexcept {
        return set_string("plivo::Options::base_url", "url", url, plivo_options_set_base_url);
    }
    /** Deadline of each whole call, retries and back-off included: 1 ms to 600 s
     *  (default 10 s). A call that reaches it fails with PLIVO_ERR_TIMEOUT. */
    Result try_timeout(std::chrono::milliseconds timeout) noexcept {
        return set_count("plivo::Options::timeout", timeout.count(), "ms",
                         plivo_options_set_timeout_ms);
    }
    /** Bound of each TCP/TLS connect: 1 ms to 600 s (default 3 s); never stretches a
     *  call past its deadline. */
    Result try_connect_timeout(std::chrono::milliseconds timeout) noexcept {
        return set_count("plivo::Options::connect_timeout", timeout.count(), "ms",
                         plivo_options_set_connect_timeout_ms);
    }
    /** Attempts after the first: 0 to 10 (default 2). Connect failures and 429 are
     *  retried for every operation, 5xx for stop/get/list (not start). */
    Result try_max_retries(std::uint32_t retries) noexcept {
        return set("plivo::Options::max_retries", plivo_options_set_max_retries, retries);
    }
    /** HTTP CONNECT proxy, http://[user:password@]host:port; disables the proxy
     *  environment variables. */
    Result try_proxy(const std::string &url) noexcept {
        return set_string("plivo::Options::proxy", "url", url, plivo_options_set_proxy);
    }
    /** Trust the certificates of this PEM file instead of the bundled Mozilla roots.
     *  The file is read now. Certificates are always verified. */
    Result try_ca_file(const std::string &pem_path) noexcept {
        return set_string("plivo::Options::ca_file", "pem_path", pem_path,
                          plivo_options_set_ca_file);
    }
    /** Allow plain http:// to non-loopback hosts (default false): credentials then
     *  travel in clear text. Only for test networks. */
    Result try_allow_insecure_http(bool allow) noexcept {
        return set("plivo::Options::allow_insecure_http", plivo_options_set_allow_insecure_http,
                   allow);
    }
    /**
     * Send the log lines of clients made from these options to `sink`, at `max_level`
     * and every more severe level; an empty sink turns logging off (the default: the
     * library is silent). Lines: one INFO per completed request (a call that sent
     * something), an ERROR after it for a failed one, a WARN before each retry, DEBUG
     * lines for connections `opened`, `reused` and `discarded`; never the auth token.
     * See LogSink for the threads it runs on and what it may do.
     *
     * Ownership: the sink is held by a shared pointer that these Options, every Client
     * made from them and every Queue made from such a Client keep, so it lives as long
     * as any of them may call it (a Client copies the setting at construction; setting
     * another sink later does not affect existing clients). A max_level that is not
     * one of the four levels is PLIVO_ERR_INVALID_ARGUMENT and leaves the setting as it
     * was.
     */
    Result try_log_sink(LogLevel max_level, LogSink sink) noexcept {
        static const char where[] = "plivo::Options::log_sink";
        if (!native_handle())
            return detail::local_error(where, "the options object is empty (moved from)");
        detail::LogStatePtr state;
        if (sink)
            state = std::make_shared<detail::LogState>(std::move(sink));
        PlivoCode code = plivo_options_set_log_callback(
            native_handle(), static_cast<PlivoLogLevel>(max_level),
            state ? &detail::log_trampoline : nullptr,
            const_cast<void *>(static_cast<const void *>(state.get())));
        Result r = detail::last_result(code);
        if (r)
            log_ = std::move(state);
        return r;
    }

#if PLIVO_HPP_EXCEPTIONS
    /** Throwing, chainable form of try_base_url(). */
    Options &base_url(const std::string &url) { return apply(try_base_url(url)); }
    /** Throwing, chainable form of try_timeout(). */
    Options &timeout(std::chrono::milliseconds t) { return apply(try_timeout(t)); }
    /** Throwing, chainable form of try_connect_timeout(). */
    Options &connect_timeout(std::chrono::milliseconds t) { return apply(try_connect_timeout(t)); }
    /** Throwing, chainable form of try_max_retries(). */
    Options &max_retries(std::uint32_t n) { return apply(try_max_retries(n)); }
    /** Throwing, chainable form of try_proxy(). */
    Options &proxy(const std::string &url) { return apply(try_proxy(url)); }
    /** Throwing, chainable form of try_ca_file(). */
    Options &ca_file(const std::string &pem_path) { return apply(try_ca_file(pem_path)); }
    /** Throwing, chainable form of try_allow_insecure_http(). */
    Options &allow_insecure_http(bool allow = true) {
        return apply(try_allow_insecure_http(allow));
    }
    /** Throwing, chainable form of try_log_sink(). */
    Options &log_sink(LogLevel max_level, LogSink sink) {
        return apply(try_log_sink(max_level, std::move(sink)));
    }
#endif

private:
    friend class Client;
    detail::LogStatePtr log_; // the sink the C options point at (NULL: none)
};

/**
 * Optional parameters of Client::start_stream(): an RAII owner of a PlivoStreamParams.
 *
 * A new StreamParams sets nothing (the API's defaults apply). Each setter validates
 * its value: a refused value throws Error (PLIVO_ERR_INVALID_ARGUMENT) and leaves the
 * parameter as it was; combinations (bidirectional needs audio_track "inbound") are
 * checked by start_stream(), before anything is sent. Setters chain.
 * start_stream() does not keep the parameters. Move-only; a moved-from StreamParams
 * is empty and its setters fail with PLIVO_ERR_INVALID_ARGUMENT.
 * Thread rules: not thread-safe while being modified; a finished StreamParams may be
 * used by several start_stream() calls at once.
 */
class StreamParams
    : public detail::Settings<StreamParams, PlivoStreamParams, plivo_stream_params_free> {
public:
    /** New, empty parameters. Throws Error if the library cannot allocate them (with
     *  exceptions disabled: the StreamParams is empty instead). */
    StreamParams()
        : Settings(plivo_stream_params_new(), "the parameters object is empty (moved from)") {}
    // Move-only: moving takes over the other's parameters (freeing the current ones)
    // and leaves the other empty; native_handle(), operator bool: see detail::Settings.

    /** Let the service send audio back into the call (API default false); needs
     *  audio_track "inbound". */
    Result try_bidirectional(bool bidirectional) noexcept {
        return set("plivo::StreamParams::bidirectional", plivo_stream_params_set_bidirectional,
                   bidirectional);
    }
    /** Which audio to stream: "inbound" (API default), "outbound" or "both". */
    Result try_audio_track(const std::string &track) noexcept {
        return set_string("plivo::StreamParams::audio_track", "audio_track", track,
                          plivo_stream_params_set_audio_track);
    }
    /** Duration after which the stream ends by itself: any positive number of seconds
     *  up to 4294967295 (API default 86400 s; the API documents no maximum). */
    Result try_stream_timeout(std::chrono::seconds timeout) noexcept {
        return set_count("plivo::StreamParams::stream_timeout", timeout.count(), "s",
                         plivo_stream_params_set_stream_timeout);
    }
    /** URL that receives stream status events (absolute http:// or https://). */
    Result try_status_callback_url(const std::string &url) noexcept {
        return set_string("plivo::StreamParams::status_callback_url", "url", url,
                          plivo_stream_params_set_status_callback_url);
    }
    /** HTTP method of the status callback: "GET" or "POST" (API default). */
    Result try_status_callback_method(const std::string &method) noexcept {
        return set_string("plivo::StreamParams::status_callback_method", "method", method,
                          plivo_stream_params_set_status_callback_method);
    }
    /** Audio format: "audio/x-l16;rate=8000" (API default), "audio/x-l16;rate=16000"
     *  or "audio/x-mulaw;rate=8000". */
    Result try_content_type(const std::string &content_type) noexcept {
        return set_string("plivo::StreamParams::content_type", "content_type", content_type,
                          plivo_stream_params_set_content_type);
    }
    /** Extra headers for the WebSocket service: "key=value" pairs joined by commas
     *  ("tenant=acme,callkind=ivr"), at most 512 bytes, keys and values of A-Z a-z 0-9
     *  only. */
    Result try_extra_headers(const std::string &headers) noexcept {
        return set_string("plivo::StreamParams::extra_headers", "extra_headers", headers,
                          plivo_stream_params_set_extra_headers);
    }
    /** cx_bot (undocumented; sent by Plivo's own SDKs); unset, it is not sent. */
    Result try_cx_bot(bool cx_bot) noexcept {
        return set("plivo::StreamParams::cx_bot", plivo_stream_params_set_cx_bot, cx_bot);
    }

#if PLIVO_HPP_EXCEPTIONS
    /** Throwing, chainable form of try_bidirectional(). */
    StreamParams &bidirectional(bool b = true) { return apply(try_bidirectional(b)); }
    /** Throwing, chainable form of try_audio_track(). */
    StreamParams &audio_track(const std::string &t) { return apply(try_audio_track(t)); }
    /** Throwing, chainable form of try_stream_timeout(). */
    StreamParams &stream_timeout(std::chrono::seconds t) { return apply(try_stream_timeout(t)); }
    /** Throwing, chainable form of try_status_callback_url(). */
    StreamParams &status_callback_url(const std::string &u) {
        return apply(try_status_callback_url(u));
    }
    /** Throwing, chainable form of try_status_callback_method(). */
    StreamParams &status_callback_method(const std::string &m) {
        return apply(try_status_callback_method(m));
    }
    /** Throwing, chainable form of try_content_type(). */
    StreamParams &content_type(const std::string &c) { return apply(try_content_type(c)); }
    /** Throwing, chainable form of try_extra_headers(). */
    StreamParams &extra_headers(const std::string &h) { return apply(try_extra_headers(h)); }
    /** Throwing, chainable form of try_cx_bot(). */
    StreamParams &cx_bot(bool b = true) { return apply(try_cx_bot(b)); }
#endif

};

namespace detail {

/** A string argument of an operation: its name (for the NUL-byte error) and value. */
struct StringArg {
    const char *name;
    const std::string &value;
};

/** The char ** out-parameter of an operation that hands out a string (the Result's
 *  value). */
struct OutString {};

// The checks of an operation's arguments, in order (the order the C library itself
// checks them): each string has no NUL byte, and stream parameters, when passed, are
// not empty. Other arguments (tags, OutString) need none. False, with `out` set, at the
// first that fails.
inline bool check_args(Result &, const char *) { return true; }
template <typename... More>
bool check_args(Result &out, const char *where, const StringArg &arg, const More &... more);
template <typename... More>
bool check_args(Result &out, const char *where, const StreamParams *params,
                const More &... more);
template <typename V, typename... More>
bool check_args(Result &out, const char *where, const V &, const More &... more) {
    return check_args(out, where, more...);
}
template <typename... More>
bool check_args(Result &out, const char *where, const StringArg &arg, const More &... more) {
    return check_nul(out, where, arg.name, arg.value) && check_args(out, where, more...);
}
template <typename... More>
bool check_args(Result &out, const char *where, const StreamParams *params,
                const More &... more) {
    if (params && !*params) {
        out = local_error(where, "params is empty (moved from)");
        return false;
    }
    return check_args(out, where, more...);
}

// An operation's argument as the C function takes it; `out` receives a handed-out
// string.
inline const char *c_arg(const StringArg &arg, char *&) { return arg.value.c_str(); }
inline const PlivoStreamParams *c_arg(const StreamParams *params, char *&) {
    return params ? params->native_handle() : nullptr;
}
inline char **c_arg(OutString, char *&out) { return &out; }
inline std::uint64_t c_arg(std::uint64_t tag, char *&) { return tag; }

/** One operation of a Client or Queue: fn(handle, args...) with each argument as C
 *  takes it, made only once the checks pass (the object is not empty: `empty` is the
 *  message otherwise; then check_args()). Its Result: the failed check's, or the
 *  call's, with the handed-out string (OutString) as the value. */
template <typename T, typename Fn, typename... Args>
Result checked_call(const char *where, T *handle, const char *empty, Fn fn,
                    const Args &... args) {
    Result r;
    if (!check_usable(r, where, handle, empty) || !check_args(r, where, args...))
        return r;
    char *out = nullptr; // set only through an OutString argument
    PlivoCode code = fn(handle, c_arg(args, out)...);
    return owned_result(code, out);
}

} // namespace detail

/**
 * A Plivo API client: an RAII owner of a PlivoClient (credentials, base URL, options
 * and a keep-alive connection pool).
 *
 * Create one per account and keep it for the life of the process. Nothing is sent at
 * construction. The base URL is the Options' base_url, else PLIVO_BASE_URL (when set
 * and not empty), else https://api.plivo.com/v1/, read once, at construction.
 *
 * Thread rules: the API methods are const and thread-safe; many threads may call them
 * on one Client at once (they share its connection pool). Constructing, moving,
 * assigning and destroying a Client are not: no other thread may be using it then.
 *
 * Move-only (copying is deleted). A moved-from Client is empty: its destructor does
 * nothing, `!client` is true, and every method fails with PLIVO_ERR_INVALID_ARGUMENT
 * ("the client is empty") without calling the library: throwing methods throw
 * plivo::Error, try_* methods return the failed Result. Assigning a live Client to it
 * makes it usable again.
 *
 * Every operation blocks for at most the options' timeout (default 10 s), retries
 * included. Identifiers (call_uuid, stream_uuid) are 1-128 characters of
 * A-Z a-z 0-9 - _; anything else is PLIVO_ERR_INVALID_ARGUMENT and nothing is sent.
 */
class Client {
public:
#if PLIVO_HPP_EXCEPTIONS
    /** A client with credentials from PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN and default
     *  options. Throws Error (PLIVO_ERR_INVALID_ARGUMENT) when a variable is missing or
     *  empty (the message names it) or the base URL is refused. */
    Client() {
        detail::check(init(nullptr, nullptr, nullptr, nullptr, nullptr));
    }

    /** A client with credentials from the environment and these options (copied; the
     *  Options may be destroyed right after). Throws Error on failure. */
    explicit Client(const Options &options) {
        detail::check(init(nullptr, nullptr, &options, nullptr, nullptr));
    }

    /** A client with these credentials (copied; the token's memory is wiped when the
     *  client is freed) and options (NULL = defaults; copied). auth_id is 1-64 ASCII
     *  letters and digits. Throws Error (PLIVO_ERR_INVALID_ARGUMENT) on an invalid or
     *  empty credential, or a refused base URL (plain http:// to a non-loopback host
     *  without allow_insecure_http). */
    Client(const std::string &auth_id, const std::string &auth_token,
           const Options *options = nullptr) {
        detail::check(init(auth_id.c_str(), auth_token.c_str(), options, &auth_id, &auth_token));
    }

    /** Same as Client(auth_id, auth_token, &options). */
    Client(const std::string &auth_id, const std::string &auth_token, const Options &options) {
        detail::check(init(auth_id.c_str(), auth_token.c_str(), &options, &auth_id, &auth_token));
    }
#endif

    // Destroying frees the client and its connections (nothing to do when empty; no
    // other thread may be using it; a Queue made from it keeps the C client, and the
    // log sink, alive). Move-only: moving takes over the other's client (freeing the
    // current one; self-assignment is a no-op) and leaves the other empty.
    Client(Client &&) noexcept = default;
    Client &operator=(Client &&other) noexcept {
        if (this != &other) {
            handle_ = std::move(other.handle_); // the C client first, then its log sink
            log_ = std::move(other.log_);
        }
        return *this;
    }

    /**
     * Noexcept construction, for code without exceptions: `result` receives the
     * outcome; the returned Client is empty on failure.
     *     plivo::Result r;
     *     plivo::Client c = plivo::Client::try_create(r, id, token, &options);
     *     if (!r) { log(r.message()); ... }
     * `options` may be NULL (defaults); an empty (moved-from) Options is refused.
     */
    static Client try_create(Result &result, const std::string &auth_id,
                             const std::string &auth_token,
                             const Options *options = nullptr) noexcept {
        Client client(nullptr);
        result = client.init(auth_id.c_str(), auth_token.c_str(), options, &auth_id, &auth_token);
        return client;
    }

    /** Like try_create(), with credentials from PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN. */
    static Client try_create_from_env(Result &result, const Options *options = nullptr) noexcept {
        Client client(nullptr);
        result = client.init(nullptr, nullptr, options, nullptr, nullptr);
        return client;
    }

    /** True unless the client is empty (moved from, or a failed try_create). */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }
    /** The C object (borrowed; still owned by this Client), NULL when empty. May be
     *  passed to the plivo_* C functions; never free it. */
    const PlivoClient *native_handle() const noexcept { return handle_.get(); }

    /** Stops one audio stream of a call (DELETE .../Call/{call}/Stream/{stream}/).
     *  ok() on any 2xx (http_status 204). PLIVO_ERR_NO_ACTIVE_STREAM
     *  (is_no_active_stream()) when it was already stopped. Thread-safe. */
    Result try_stop_stream(const std::string &call_uuid,
                           const std::string &stream_uuid) const noexcept {
        return call("plivo::Client::stop_stream", plivo_stop_stream,
                    detail::StringArg{"call_uuid", call_uuid},
                    detail::StringArg{"stream_uuid", stream_uuid});
    }

    /** Stops every active stream of a call (DELETE .../Call/{call}/Stream/).
     *  PLIVO_ERR_NO_ACTIVE_STREAM when the call had none. Thread-safe. */
    Result try_stop_all_streams(const std::string &call_uuid) const noexcept {
        return call("plivo::Client::stop_all_streams", plivo_stop_all_streams,
                    detail::StringArg{"call_uuid", call_uuid});
    }

    /** Starts streaming a call's audio to a ws:// or wss:// service
     *  (POST .../Call/{call}/Stream/). `params` may be NULL (API defaults); it is not
     *  kept. On success value() is the new stream's id (a 2xx answer without a
     *  stream_id is PLIVO_ERR_INVALID_RESPONSE). Not retried on 5xx (the stream may
     *  have started). Thread-safe. */
    Result try_start_stream(const std::string &call_uuid, const std::string &service_url,
                            const StreamParams *params = nullptr) const noexcept {
        return call("plivo::Client::start_stream", plivo_start_stream,
                    detail::StringArg{"call_uuid", call_uuid},
                    detail::StringArg{"service_url", service_url}, params, detail::OutString());
    }

    /** Details of one stream (GET .../Call/{call}/Stream/{stream}/): on success value()
     *  is the JSON response body (stream_id, status, service_url, audio_track, ...).
     *  Thread-safe. */
    Result try_get_stream(const std::string &call_uuid,
                          const std::string &stream_uuid) const noexcept {
        return call("plivo::Client::get_stream", plivo_get_stream,
                    detail::StringArg{"call_uuid", call_uuid},
                    detail::StringArg{"stream_uuid", stream_uuid}, detail::OutString());
    }

    /** A call's streams (GET .../Call/{call}/Stream/): on success value() is the JSON
     *  response body, an object with "meta" and "objects". Thread-safe. */
    Result try_list_streams(const std::string &call_uuid) const noexcept {
        return call("plivo::Client::list_streams", plivo_list_streams,
                    detail::StringArg{"call_uuid", call_uuid}, detail::OutString());
    }

    /** The client's counters since it was created, over all its threads and queues:
     *  on success value() is a JSON object with "requests", "attempts", "retries",
     *  "in_flight", "outcomes" (code name -> count), "connections" ("opened",
     *  "reused", "discarded") and "latency_us" ("p50", "p90", "p99", "max"); every
     *  value a non-negative integer (more members may be added). A request is a call
     *  that sent something; counters move when it completes. Thread-safe and cheap. */
    Result try_stats() const noexcept {
        return call("plivo::Client::stats", plivo_client_stats, detail::OutString());
    }

#if PLIVO_HPP_EXCEPTIONS
    /** Throwing form of try_stats(); returns the JSON text. */
    std::string stats() const { return detail::check(try_stats()); }

    /** Throwing form of try_stop_stream(): throws Error on any failure, including
     *  PLIVO_ERR_NO_ACTIVE_STREAM (test e.is_no_active_stream() to treat an already
     *  stopped stream as success). */
    void stop_stream(const std::string &call_uuid, const std::string &stream_uuid) const {
        detail::check(try_stop_stream(call_uuid, stream_uuid));
    }
    /** Throwing form of try_stop_all_streams(). */
    void stop_all_streams(const std::string &call_uuid) const {
        detail::check(try_stop_all_streams(call_uuid));
    }
    /** Throwing form of try_start_stream(); returns the new stream's id. */
    std::string start_stream(const std::string &call_uuid, const std::string &service_url,
                             const StreamParams *params = nullptr) const {
        return detail::check(try_start_stream(call_uuid, service_url, params));
    }
    /** Same as start_stream(call_uuid, service_url, &params). */
    std::string start_stream(const std::string &call_uuid, const std::string &service_url,
                             const StreamParams &params) const {
        return detail::check(try_start_stream(call_uuid, service_url, &params));
    }
    /** Throwing form of try_get_stream(); returns the JSON text. */
    std::string get_stream(const std::string &call_uuid, const std::string &stream_uuid) const {
        return detail::check(try_get_stream(call_uuid, stream_uuid));
    }
    /** Throwing form of try_list_streams(); returns the JSON text. */
    std::string list_streams(const std::string &call_uuid) const {
        return detail::check(try_list_streams(call_uuid));
    }
#endif

private:
    /** The empty client (used by the try_create factories). */
    explicit Client(std::nullptr_t) noexcept {}

    Result init(const char *auth_id, const char *auth_token, const Options *options,
                const std::string *id_str, const std::string *token_str) {
        static const char where[] = "plivo::Client";
        Result r;
        if ((id_str && !detail::check_nul(r, where, "auth_id", *id_str)) ||
            (token_str && !detail::check_nul(r, where, "auth_token", *token_str)))
            return r;
        if (options && !*options)
            return detail::local_error(where, "options is empty (moved from)");
        PlivoClient *made = plivo_client_new_with_options(
            auth_id, auth_token, options ? options->native_handle() : nullptr);
        r = detail::constructor_result(made, "plivo_client_new");
        if (made) {
            handle_ = detail::Handle<PlivoClient, plivo_client_free>(made);
            log_ = options ? options->log_ : detail::LogStatePtr();
        }
        return r;
    }

    /** An operation on the C client: see detail::checked_call(). */
    template <typename Fn, typename... Args>
    Result call(const char *where, Fn fn, const Args &... args) const {
        return detail::checked_call(where, handle_.get(), "the client is empty (moved from)",
                                    fn, args...);
    }

    friend class Queue;
    // Declared first, destroyed last: the sink outlives the C client that calls it.
    detail::LogStatePtr log_;
    detail::Handle<PlivoClient, plivo_client_free> handle_;
};

/**
 * The outcome of one queued request (Queue::next() / Queue::wait()): an RAII owner of
 * a PlivoResult, freed with plivo_result_free().
 *
 * Empty (`!completion`) when no result was ready; the readers of an empty Completion
 * return 0, empty views and, for code(), PLIVO_ERR_INVALID_ARGUMENT.
 *
 * The StringViews returned by message(), api_id() and body() are borrowed from the
 * result: valid while this Completion (or the one it was moved to) holds it, i.e.
 * until it is destroyed or assigned over; moving the Completion keeps them valid.
 * Copy them (plivo::to_string(), or result()) to keep them longer. A view is empty
 * when the C string is NULL; has_body() tells an absent body from an empty one.
 *
 * Move-only. The readers do not touch the library's last-error state and may be
 * called on any thread; do not modify one Completion from two threads at once.
 */
class Completion {
public:
    /** An empty completion. */
    Completion() noexcept {}
    /** Adopts a result taken with plivo_queue_next() / plivo_queue_wait() (may be NULL). */
    explicit Completion(PlivoResult *result) noexcept : handle_(result) {}
    // Move-only: moving takes over the other's result and leaves the other empty.

    /** True when this holds a result. */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }
    /** The C result (borrowed; still owned by this Completion), NULL when empty. */
    const PlivoResult *native_handle() const noexcept { return handle_.get(); }

    /** The tag given at submit (0 when empty). */
    std::uint64_t tag() const noexcept { return plivo_result_tag(handle_.get()); }
    /** The outcome, as the blocking call would have returned it; PLIVO_ERR_CANCELLED
     *  after Queue::cancel(). */
    PlivoCode code() const noexcept { return plivo_result_code(handle_.get()); }
    /** The code's name (static string). */
    const char *code_name() const noexcept { return plivo_code_name(code()); }
    /** True when the request succeeded (code PLIVO_OK). */
    bool ok() const noexcept { return code() == PLIVO_OK; }
    /** True for PLIVO_ERR_NO_ACTIVE_STREAM (the stream was already stopped). */
    bool is_no_active_stream() const noexcept { return code() == PLIVO_ERR_NO_ACTIVE_STREAM; }
    /** True for PLIVO_ERR_CANCELLED. */
    bool is_cancelled() const noexcept { return code() == PLIVO_ERR_CANCELLED; }
    /** HTTP status of the last response received (204 after a stop), 0 if none. */
    int http_status() const noexcept { return plivo_result_http_status(handle_.get()); }
    /** The library's message; empty on success. Never the auth token. Borrowed. */
    StringView message() const noexcept { return view(plivo_result_message(handle_.get())); }
    /** The "api_id" of the last response body; empty when none. Borrowed. */
    StringView api_id() const noexcept { return view(plivo_result_api_id(handle_.get())); }
    /** On success: start: the new stream's id; get/list: the JSON body. Empty for the
     *  stops and on failure. Borrowed. */
    StringView body() const noexcept { return view(plivo_result_body(handle_.get())); }
    /** True when the result has a body (start, get and list on success). */
    bool has_body() const noexcept { return plivo_result_body(handle_.get()) != nullptr; }
    /** HTTP attempts made (0 if none, e.g. cancelled before it started). */
    std::uint32_t attempts() const noexcept { return plivo_result_attempts(handle_.get()); }
    /** Time from submit to completion (to the cancel, for a cancelled request). */
    std::chrono::microseconds elapsed() const noexcept {
        return std::chrono::microseconds(
            static_cast<std::chrono::microseconds::rep>(plivo_result_elapsed_us(handle_.get())));
    }

    /** An owned copy as a plivo::Result (value() = the body), e.g. to throw
     *  plivo::Error(completion.result()). */
    Result result() const {
        return Result(code(), to_string(message()), http_status(), to_string(api_id()),
                      to_string(body()));
    }

private:
    static StringView view(const char *s) noexcept {
        return s ? StringView(s, std::strlen(s)) : StringView();
    }

    detail::Handle<PlivoResult, plivo_result_free> handle_;
};

/**
 * A completion queue on a Client: an RAII owner of a PlivoQueue. Requests submitted
 * here run on worker threads of the queue's own (at most max_in_flight at once,
 * started on demand, ended when idle); each accepted submit delivers exactly one
 * Completion with its tag, taken with next() (never blocks) or wait(timeout), in
 * completion order. fd() is readable (POLLIN) exactly while a result waits to be taken:
 * put it in your poll/epoll/libevent loop and call next() until it returns empty.
 *
 *     plivo::Queue queue(client, 64);
 *     queue.stop_stream(call_uuid, stream_uuid, tag);     // returns at once
 *     // ... when queue.fd() is readable:
 *     while (plivo::Completion c = queue.next())
 *         handle(c.tag(), c.code(), c.http_status(), c.message());
 *
 * Submits check their arguments at once, exactly as the blocking call does
 * (PLIVO_ERR_INVALID_ARGUMENT, nothing queued or sent), then refuse with PLIVO_ERR_BUSY
 * when max_in_flight requests are pending (submitted, result not yet taken). Throwing
 * submits throw plivo::Error; try_* submits return the Result. Tags are the caller's
 * and need not be unique.
 *
 * Lifetime: a Queue keeps its Client's C client and log sink alive: the Client (and
 * the Options) may be destroyed first. Destroying the Queue cancels what is pending
 * (those requests deliver no result), frees the results not taken and ends its threads
 * (within about 200 ms); Completions already taken stay valid.
 *
 * Thread rules: submits, cancel, next, wait, fd and pending are const and thread-safe.
 * Constructing, moving, assigning and destroying are not: no other thread may be using
 * the Queue then. A queue belongs to the process that made it: in a forked child its
 * submits fail (PLIVO_ERR_INVALID_ARGUMENT), next/wait return empty, fd() is -1; make
 * a new Queue there.
 *
 * Move-only. A moved-from Queue is empty: submits fail with PLIVO_ERR_INVALID_ARGUMENT
 * ("the queue is empty") without calling the library, next/wait return empty,
 * pending() is 0 and fd() is -1.
 */
class Queue {
public:
#if PLIVO_HPP_EXCEPTIONS
    /** A queue on `client` running at most `max_in_flight` requests at once (0 means
     *  64; at most 1024). Throws Error (PLIVO_ERR_INVALID_ARGUMENT) for an empty client
     *  or max_in_flight above 1024. No thread starts until a request is submitted. */
    explicit Queue(const Client &client, std::uint32_t max_in_flight = 0) {
        detail::check(init(client, max_in_flight));
    }
#endif

    /** Noexcept construction: `result` receives the outcome; the returned Queue is
     *  empty on failure. */
    static Queue try_create(Result &result, const Client &client,
                            std::uint32_t max_in_flight = 0) noexcept {
        Queue queue(nullptr);
        result = queue.init(client, max_in_flight);
        return queue;
    }

    Queue(Queue &&) noexcept = default;
    Queue &operator=(Queue &&other) noexcept {
        if (this != &other) {
            handle_ = std::move(other.handle_); // ends the old queue's threads first
            log_ = std::move(other.log_);
        }
        return *this;
    }

    /** True unless the queue is empty (moved from, or a failed try_create). */
    explicit operator bool() const noexcept { return handle_.get() != nullptr; }
    /** The C queue (borrowed; still owned by this Queue), NULL when empty. */
    PlivoQueue *native_handle() const noexcept { return handle_.get(); }

    /** The descriptor to poll for POLLIN: readable exactly while a result waits to be
     *  taken (level-triggered). Stable for the queue's life; never read or close it.
     *  -1 when empty (or in a forked child). */
    int fd() const noexcept { return plivo_queue_fd(handle_.get()); }
    /** Requests submitted whose result has not been taken yet (0 when empty). */
    std::uint32_t pending() const noexcept { return plivo_queue_pending(handle_.get()); }

    /** Takes the next result, never blocking; empty when none is ready. */
    Completion next() const noexcept { return Completion(plivo_queue_next(handle_.get())); }
    /** Takes the next result, waiting up to `timeout` (a negative one is 0, one above
     *  about 49 days is clamped); empty at once when nothing is pending, else empty
     *  when none came in time. Blocks the calling thread: event loops use fd(). */
    Completion wait(std::chrono::milliseconds timeout) const noexcept {
        std::uint32_t ms = 0;
        if (!detail::to_u32(timeout.count(), ms))
            ms = timeout.count() < 0 ? 0 : std::numeric_limits<std::uint32_t>::max();
        return Completion(plivo_queue_wait(handle_.get(), ms));
    }

    /** Queues a stop of one stream (as Client::stop_stream()); its Completion is ok()
     *  on a 2xx, is_no_active_stream() when it was already stopped. */
    Result try_stop_stream(const std::string &call_uuid, const std::string &stream_uuid,
                           std::uint64_t tag) const noexcept {
        return submit("plivo::Queue::stop_stream", plivo_queue_stop_stream,
                      detail::StringArg{"call_uuid", call_uuid},
                      detail::StringArg{"stream_uuid", stream_uuid}, tag);
    }
    /** Queues a stop of every stream of a call (as Client::stop_all_streams()). */
    Result try_stop_all_streams(const std::string &call_uuid, std::uint64_t tag) const noexcept {
        return submit("plivo::Queue::stop_all_streams", plivo_queue_stop_all_streams,
                      detail::StringArg{"call_uuid", call_uuid}, tag);
    }
    /** Queues a start (as Client::start_stream()): the Completion's body() is the new
     *  stream's id. `params` may be NULL (API defaults); it is copied at once. */
    Result try_start_stream(const std::string &call_uuid, const std::string &service_url,
                            const StreamParams *params, std::uint64_t tag) const noexcept {
        return submit("plivo::Queue::start_stream", plivo_queue_start_stream,
                      detail::StringArg{"call_uuid", call_uuid},
                      detail::StringArg{"service_url", service_url}, params, tag);
    }
    /** Same as try_start_stream(call_uuid, service_url, nullptr, tag). */
    Result try_start_stream(const std::string &call_uuid, const std::string &service_url,
                            std::uint64_t tag) const noexcept {
        return try_start_stream(call_uuid, service_url, nullptr, tag);
    }
    /** Queues a get of one stream (as Client::get_stream()): body() is the JSON. */
    Result try_get_stream(const std::string &call_uuid, const std::string &stream_uuid,
                          std::uint64_t tag) const noexcept {
        return submit("plivo::Queue::get_stream", plivo_queue_get_stream,
                      detail::StringArg{"call_uuid", call_uuid},
                      detail::StringArg{"stream_uuid", stream_uuid}, tag);
    }
    /** Queues a list of a call's streams (as Client::list_streams()): body() is the JSON. */
    Result try_list_streams(const std::string &call_uuid, std::uint64_t tag) const noexcept {
        return submit("plivo::Queue::list_streams", plivo_queue_list_streams,
                      detail::StringArg{"call_uuid", call_uuid}, tag);
    }
    /** Cancels every request with `tag` whose exchange has not completed: ok() if there
     *  was one (each delivers a PLIVO_ERR_CANCELLED Completion within 100 ms; an
     *  exchange under way is abandoned and its connection closed; it may or may not
     *  have reached the server), PLIVO_ERR_INVALID_ARGUMENT if none (a result already
     *  waiting to be taken is not cancelled). */
    Result try_cancel(std::uint64_t tag) const noexcept {
        return submit("plivo::Queue::cancel", plivo_queue_cancel, tag);
    }

#if PLIVO_HPP_EXCEPTIONS
    /** Throwing form of try_stop_stream(): throws Error on a refused submit
     *  (PLIVO_ERR_INVALID_ARGUMENT, PLIVO_ERR_BUSY). The request's own outcome comes
     *  in its Completion. */
    void stop_stream(const std::string &call_uuid, const std::string &stream_uuid,
                     std::uint64_t tag) const {
        detail::check(try_stop_stream(call_uuid, stream_uuid, tag));
    }
    /** Throwing form of try_stop_all_streams(). */
    void stop_all_streams(const std::string &call_uuid, std::uint64_t tag) const {
        detail::check(try_stop_all_streams(call_uuid, tag));
    }
    /** Throwing form of try_start_stream(), with API default parameters. */
    void start_stream(const std::string &call_uuid, const std::string &service_url,
                      std::uint64_t tag) const {
        detail::check(try_start_stream(call_uuid, service_url, nullptr, tag));
    }
    /** Throwing form of try_start_stream() (the parameters are copied at once). */
    void start_stream(const std::string &call_uuid, const std::string &service_url,
                      const StreamParams &params, std::uint64_t tag) const {
        detail::check(try_start_stream(call_uuid, service_url, &params, tag));
    }
    /** Throwing form of try_get_stream(). */
    void get_stream(const std::string &call_uuid, const std::string &stream_uuid,
                    std::uint64_t tag) const {
        detail::check(try_get_stream(call_uuid, stream_uuid, tag));
    }
    /** Throwing form of try_list_streams(). */
    void list_streams(const std::string &call_uuid, std::uint64_t tag) const {
        detail::check(try_list_streams(call_uuid, tag));
    }
    /** Cancels every running request with `tag`: true if there was one, false if none
     *  (e.g. its result is already waiting: a normal race). Throws Error only for an
     *  empty Queue. */
    bool cancel(std::uint64_t tag) const {
        Result r = try_cancel(tag);
        if (r)
            return true;
        if (!handle_.get())
            throw Error(r);
        return false;
    }
#endif

private:
    explicit Queue(std::nullptr_t) noexcept {}

    Result init(const Client &client, std::uint32_t max_in_flight) {
        static const char where[] = "plivo::Queue";
        if (!client)
            return detail::local_error(where, "the client is empty (moved from)");
        PlivoQueue *made = plivo_queue_new(client.handle_.get(), max_in_flight);
        Result r = detail::constructor_result(made, "plivo_queue_new");
        if (made) {
            handle_ = detail::Handle<PlivoQueue, plivo_queue_free>(made);
            log_ = client.log_;
        }
        return r;
    }

    /** A submit (or cancel) on the C queue: see detail::checked_call(). */
    template <typename Fn, typename... Args>
    Result submit(const char *where, Fn fn, const Args &... args) const {
        return detail::checked_call(where, handle_.get(), "the queue is empty (moved from)", fn,
                                    args...);
    }

    // Declared first, destroyed last: plivo_queue_free() ends the worker threads (the
    // only callers of the sink through this queue) before the sink is released.
    detail::LogStatePtr log_;
    detail::Handle<PlivoQueue, plivo_queue_free> handle_;
};

} // namespace plivo

#endif /* PLIVO_HPP */
