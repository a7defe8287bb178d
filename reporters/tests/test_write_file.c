/* test_write_file.c - sc_report_write_file on what a user may name as an output: a regular file
 * (replaced atomically), a FIFO, a character device and a symlink (written through, never
 * replaced by a regular file), a full device (an error, no crash). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reporters/buf.h"

#include "base/file.h"
#include "base/tests/check_main.h"

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/sc-write-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void in_dir(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static char *slurp(const char *path)
{
    char *text;
    size_t len;
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_msg(sc_file_read(path, 1 << 20, &text, &len, &err) == 0, "%s", err.msg);
    return text;
}

START_TEST(regular_file_is_replaced)
{
    char p[128];
    struct sc_err err;
    char *t;
    sc_err_init(&err);
    in_dir(p, sizeof(p), "r.json");
    ck_assert_int_eq(sc_report_write_file(p, "one", 3, &err), 0);
    ck_assert_int_eq(sc_report_write_file(p, "two", 3, &err), 0);
    t = slurp(p);
    ck_assert_str_eq(t, "two");
    free(t);
}
END_TEST

START_TEST(fifo_is_written_through)
{
    char p[128], got[16] = {0};
    struct sc_err err;
    struct stat st;
    pid_t pid;
    int status;
    sc_err_init(&err);
    in_dir(p, sizeof(p), "fifo");
    ck_assert_int_eq(mkfifo(p, 0600), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        alarm(5); /* the FIFO replaced: nobody ever writes it */
        int rfd = open(p, O_RDONLY);
        ssize_t n = rfd < 0 ? -1 : read(rfd, got, sizeof(got) - 1);
        _exit(n == 5 && memcmp(got, "hello", 5) == 0 ? 0 : 1);
    }
    ck_assert_int_eq(sc_report_write_file(p, "hello", 5, &err), 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_int_eq(lstat(p, &st), 0);
    ck_assert_msg(S_ISFIFO(st.st_mode), "the FIFO was replaced");
}
END_TEST

START_TEST(dev_null_is_written_through)
{
    struct sc_err err;
    struct stat st;
    sc_err_init(&err);
    ck_assert_int_eq(sc_report_write_file("/dev/null", "x", 1, &err), 0);
    ck_assert_int_eq(lstat("/dev/null", &st), 0);
    ck_assert_msg(S_ISCHR(st.st_mode), "/dev/null was replaced");
}
END_TEST

START_TEST(dev_full_is_an_error)
{
    struct sc_err err;
    struct stat st;
    sc_err_init(&err);
    ck_assert_int_ne(sc_report_write_file("/dev/full", "x", 1, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "/dev/full"));
    ck_assert_int_eq(lstat("/dev/full", &st), 0);
    ck_assert_msg(S_ISCHR(st.st_mode), "/dev/full was replaced");
}
END_TEST

START_TEST(symlink_writes_its_target)
{
    char target[128], link[128];
    struct sc_err err;
    struct stat st;
    char *t;
    sc_err_init(&err);
    in_dir(target, sizeof(target), "real.json");
    in_dir(link, sizeof(link), "link.json");
    ck_assert_int_eq(sc_report_write_file(target, "old", 3, &err), 0);
    ck_assert_int_eq(symlink("real.json", link), 0);
    ck_assert_int_eq(sc_report_write_file(link, "new", 3, &err), 0);
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert_msg(S_ISLNK(st.st_mode), "the symlink was replaced");
    t = slurp(target);
    ck_assert_str_eq(t, "new");
    free(t);
}
END_TEST

START_TEST(directory_is_an_error)
{
    struct sc_err err;
    sc_err_init(&err);
    ck_assert_int_ne(sc_report_write_file(dir, "x", 1, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "directory"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("write_file");
    TCase *tc = tcase_create("paths");
    TCase *dev = tcase_create("devices"); /* before the fix, as root, these replaced /dev nodes */
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, regular_file_is_replaced);
    tcase_add_test(tc, fifo_is_written_through);
    tcase_add_test(tc, symlink_writes_its_target);
    tcase_add_test(tc, directory_is_an_error);
    tcase_add_test(dev, dev_null_is_written_through);
    tcase_add_test(dev, dev_full_is_an_error);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, dev);
    return sc_check_run(s);
}
