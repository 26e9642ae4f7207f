// A small C shim over libjpeg(-turbo) for rda's JPEG reader (RDAIO/JPEG.swift).
//
// libjpeg reports fatal errors by calling `error_exit`, which by default prints and calls exit().
// These functions install an error manager that longjmps back instead, and treat libjpeg's
// warnings (a truncated file, corrupt entropy-coded data) as errors too, so that every damaged
// file becomes a one-line message (`message`) and never ends the process or decodes to grey.
#ifndef RDA_JPEG_H
#define RDA_JPEG_H

#include <stddef.h>

/// Reads the header of the JPEG in `data`: width, height and colour components (1 grey,
/// 3 YCbCr/RGB, 4 CMYK/YCCK). Returns 0, or -1 with a NUL-terminated reason in `message`.
int rda_jpeg_header(const unsigned char *data, size_t size, int *width, int *height, int *components,
                    char *message, size_t message_size);

/// Decodes the JPEG in `data`: rows top to bottom, 1 byte per pixel when `channels` is 1 (grey),
/// r, g, b when it is 3. The image must be `width` x `height` (what `rda_jpeg_header` gave). The
/// pixel buffer grows as rows are decoded (from at most 1 MiB), so that a small file announcing a
/// huge image fails at its end of data before the whole image is allocated. On success returns 0
/// and sets `*out` (width * height * channels bytes; free it with `rda_jpeg_free`); else -1 with a
/// reason in `message`.
int rda_jpeg_decode(const unsigned char *data, size_t size, int width, int height, int channels,
                    unsigned char **out, char *message, size_t message_size);

/// Encodes `width` x `height` pixels (`channels` 1 grey or 3 RGB, rows top to bottom) as a
/// baseline JPEG of `quality` 1-100 (4:2:0 for colour). On success returns 0 and sets `*out`
/// (free it with `rda_jpeg_free`) and `*out_size`; else -1 with a reason in `message`.
int rda_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                    unsigned char **out, size_t *out_size, char *message, size_t message_size);

/// Frees a buffer from `rda_jpeg_encode`.
void rda_jpeg_free(unsigned char *buffer);

#endif
