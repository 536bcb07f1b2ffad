/*  as_file: a whole file read into memory, with a size limit. For settings
    files, shipped defaults, files a CLI sends and test fixtures.           */
#ifndef AS_FILE_H
#define AS_FILE_H

#include <stdbool.h>
#include <stddef.h>

//  The whole file at path, zero-terminated (the caller frees it); its
//  length in *size when size is not NULL. NULL with errno set when it
//  cannot be opened or read, or EFBIG when it is longer than max bytes:
//  a file is never silently cut short.
char *as_file_read (const char *path, size_t max, size_t *size);

void as_file_test (bool verbose);

#endif
