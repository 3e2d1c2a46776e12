/* A main() for the fuzz targets without libFuzzer: runs each file named on
 * the command line (or each file in each directory named) through the
 * target once.  A crash or sanitizer report fails the run. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "fuzz.h"

static int run_file(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    if (file_read_all(path, &buf, &len, 64L * 1024 * 1024) < 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, bad = 0;
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
            bad++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            bad += run_file(argv[i]) < 0;
            files++;
            continue;
        }
        struct dirent **ents = NULL;
        int n = scandir(argv[i], &ents, NULL, alphasort);
        for (int k = 0; k < n; k++) {
            if (ents[k]->d_name[0] != '.') {
                char *p = str_printf("%s/%s", argv[i], ents[k]->d_name);
                bad += !p || run_file(p) < 0;
                files++;
                free(p);
            }
            free(ents[k]);
        }
        free(ents);
    }
    printf("replayed %d inputs\n", files);
    return bad || files == 0 ? 1 : 0;
}
