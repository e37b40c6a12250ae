/*
 * tap.h - a minimal TAP producer for the unit tests.
 *
 *     TEST("parses a CRLF message") { ... CHECK(x == 1); CHECK_STR(a, "b"); }
 *     int main(void) { RUN_TESTS(); }
 *
 * Each CHECK prints one "ok N - ..." or "not ok N - ..." line; tests/run
 * counts them.  main() returns non-zero if any check failed.
 */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>
#include <string.h>

struct tap_test {
    const char *name;
    void (*fn)(void);
};

static int tap_n, tap_failed;
static const char *tap_current = "";
static struct tap_test tap_tests[512];
static int tap_ntests;

static void tap_check(int ok, const char *what, const char *file, int line)
{
    tap_n++;
    if (ok) {
        printf("ok %d - %s: %s\n", tap_n, tap_current, what);
    } else {
        tap_failed++;
        printf("not ok %d - %s: %s (%s:%d)\n", tap_n, tap_current, what, file, line);
    }
}

static void tap_check_str(const char *got, const char *want, const char *what, const char *file,
                          int line)
{
    int ok = got != NULL && want != NULL && strcmp(got, want) == 0;
    tap_check(ok, what, file, line);
    if (!ok)
        printf("#   got:  \"%s\"\n#   want: \"%s\"\n", got ? got : "(null)",
               want ? want : "(null)");
}

#define CHECK(cond) tap_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) tap_check_str((got), (want), #got " == " #want, __FILE__, __LINE__)

#define TEST(name_)                                                                                \
    static void name_##_fn(void);                                                                  \
    __attribute__((constructor)) static void name_##_reg(void)                                     \
    {                                                                                              \
        if (tap_ntests < 512)                                                                      \
            tap_tests[tap_ntests++] = (struct tap_test){#name_, name_##_fn};                       \
    }                                                                                              \
    static void name_##_fn(void)

#define RUN_TESTS()                                                                                \
    do {                                                                                           \
        for (int i_ = 0; i_ < tap_ntests; i_++) {                                                  \
            tap_current = tap_tests[i_].name;                                                      \
            tap_tests[i_].fn();                                                                    \
        }                                                                                          \
        printf("1..%d\n", tap_n);                                                                  \
        return tap_failed != 0;                                                                    \
    } while (0)

#endif
