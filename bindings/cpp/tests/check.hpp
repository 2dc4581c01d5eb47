/* Tiny test helpers shared by the C++ binding's test programs: CHECK counts passes
 * and failures (thread-safe) and prints file:line of each failure. */
#ifndef PLIVO_CPP_TEST_CHECK_HPP
#define PLIVO_CPP_TEST_CHECK_HPP

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <type_traits>

namespace check {

inline std::atomic<int> &passed() {
    static std::atomic<int> n(0);
    return n;
}
inline std::atomic<int> &failed() {
    static std::atomic<int> n(0);
    return n;
}
inline std::mutex &print_lock() {
    static std::mutex m;
    return m;
}

inline bool record(bool ok, const char *expr, const char *file, int line,
                   const std::string &detail) {
    if (ok) {
        ++passed();
        return true;
    }
    ++failed();
    std::lock_guard<std::mutex> lock(print_lock());
    std::fprintf(stderr, "%s:%d: CHECK failed: %s%s%s\n", file, line, expr,
                 detail.empty() ? "" : " -- ", detail.c_str());
    return false;
}

/* Prints the summary line and returns the process exit status. */
inline int summary() {
    int p = passed().load();
    int f = failed().load();
    std::printf("%d passed, %d failed\n", p, f);
    std::fflush(stdout);
    return f == 0 ? 0 : 1;
}

/* The value of an environment variable that must be set. */
inline std::string env(const char *name) {
    const char *value = std::getenv(name);
    if (!value || !*value) {
        std::fprintf(stderr, "environment variable %s is not set\n", name);
        std::exit(2);
    }
    return value;
}

/* Compile-time checks (a call does nothing at run time): T cannot be
 * copy-constructed and moves without throwing... */
template <typename T> void static_check_moves() {
    static_assert(!std::is_copy_constructible<T>::value, "move-only: no copy constructor");
    static_assert(std::is_nothrow_move_constructible<T>::value, "noexcept move constructor");
}

/* ...and, moreover, cannot be copy-assigned and move-assigns without throwing. */
template <typename T> void static_check_move_only() {
    static_check_moves<T>();
    static_assert(!std::is_copy_assignable<T>::value, "move-only: no copy assignment");
    static_assert(std::is_nothrow_move_assignable<T>::value, "noexcept move assignment");
}

} // namespace check

/* CHECK(cond): counts a pass or prints file:line and counts a failure. */
#define CHECK(cond) ::check::record((cond) ? true : false, #cond, __FILE__, __LINE__, std::string())
/* CHECK_MSG(cond, detail): same, printing `detail` (a std::string) on failure. */
#define CHECK_MSG(cond, detail) \
    ::check::record((cond) ? true : false, #cond, __FILE__, __LINE__, (detail))

#endif
