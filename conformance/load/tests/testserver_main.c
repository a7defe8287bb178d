/* testserver_main.c - sc-testserver: run the scriptable test server as a process (CLI tests). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testserver.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    struct sc_err err;
    struct sc_testserver *s;

    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: sc-testserver MODE [IDENTITY [CERT KEY]]\n"
                        "Prints 'port N' and serves on 127.0.0.1 until SIGTERM or stdin closes.\n");
        return 2;
    }
    sc_err_init(&err);
    s = sc_testserver_start(argv[1], argc > 2 ? argv[2] : NULL, argc > 4 ? argv[3] : NULL,
                            argc > 4 ? argv[4] : NULL, &err);
    if (s == NULL) {
        fprintf(stderr, "sc-testserver: error: %s\n", err.msg);
        return 2;
    }
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    printf("port %d\n", sc_testserver_port(s));
    fflush(stdout);
    while (!stop) {
        char c;
        if (read(STDIN_FILENO, &c, 1) <= 0)
            break;
    }
    printf("requests %llu responses %llu\n", (unsigned long long)sc_testserver_requests(s),
           (unsigned long long)sc_testserver_responses(s));
    sc_testserver_stop(s);
    return 0;
}
