/* notify_sink SOCKET OUT: stand in for systemd's notification socket.
 * Binds a datagram socket at SOCKET and appends every message received to
 * OUT, one line per assignment, each message followed by "--".  Runs until
 * killed (tests/integration/test_systemd.sh). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: notify_sink SOCKET OUT\n");
        return 2;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]) >= (int)sizeof(sa.sun_path)) {
        fprintf(stderr, "notify_sink: socket path too long\n");
        return 2;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("notify_sink");
        return 1;
    }
    FILE *out = fopen(argv[2], "a");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
            continue;
        buf[n] = '\0';
        fprintf(out, "%s\n--\n", buf);
        fflush(out);
    }
}
