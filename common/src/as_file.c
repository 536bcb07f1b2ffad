/*  as_file: a whole file read into memory, with a size limit.              */
#include "as_file.h"
#include "as_test.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
as_file_read (const char *path, size_t max, size_t *size)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    size_t capacity = 4096, length = 0;
    char *text = malloc (capacity + 1);
    while (text) {
        if (length == capacity) {
            capacity = capacity * 2 > max + 1 ? max + 1 : capacity * 2;
            char *larger = realloc (text, capacity + 1);
            if (!larger) {
                free (text);
                text = NULL;
                break;
            }
            text = larger;
        }
        length += fread (text + length, 1, capacity - length, file);
        if (length > max || ferror (file) || feof (file))
            break;
    }
    int saved = text ? (ferror (file) ? EIO : length > max ? EFBIG : 0) : ENOMEM;
    fclose (file);
    if (saved) {
        free (text);
        errno = saved;
        return NULL;
    }
    text [length] = 0;
    if (size)
        *size = length;
    return text;
}

//  --------------------------------------------------------------------------

void
as_file_test (bool verbose)
{
    (void) verbose;
    char path [] = "/tmp/as_file_test.XXXXXX";
    int descriptor = mkstemp (path);
    AS_CHECK (descriptor >= 0);
    FILE *file = fdopen (descriptor, "wb");
    AS_CHECK (file);
    for (int line = 0; line < 1000; line++)         //  10 000 bytes: grows the buffer twice
        fprintf (file, "line %04d\n", line);
    fclose (file);

    size_t size = 0;
    char *text = as_file_read (path, 10000, &size);
    AS_CHECK (text && size == 10000 && strlen (text) == 10000);
    AS_CHECK (strncmp (text, "line 0000\n", 10) == 0 && strcmp (text + 9990, "line 0999\n") == 0);
    free (text);
    errno = 0;
    AS_CHECK (as_file_read (path, 9999, &size) == NULL && errno == EFBIG);
    AS_CHECK (as_file_read (path, 4096, NULL) == NULL && errno == EFBIG);
    errno = 0;
    AS_CHECK (as_file_read ("/nonexistent/as_file_test", 100, &size) == NULL && errno == ENOENT);

    file = fopen (path, "wb");                      //  empty
    AS_CHECK (file);
    fclose (file);
    text = as_file_read (path, 0, &size);
    AS_CHECK (text && size == 0 && text [0] == 0);
    free (text);
    unlink (path);
}
