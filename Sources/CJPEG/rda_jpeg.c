#include "rda_jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

struct rda_error_manager {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
    unsigned char *buffer;   // the decoded pixels so far (freed on an error)
};

static void rda_error_exit(j_common_ptr cinfo) {
    struct rda_error_manager *err = (struct rda_error_manager *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    if (err->message && err->message_size > 0) snprintf(err->message, err->message_size, "%s", buffer);
    longjmp(err->jump, 1);
}

// level -1 is a warning (e.g. "Premature end of JPEG file", "Corrupt JPEG data"): fatal here.
// Trace messages (level >= 0) are ignored.
static void rda_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) rda_error_exit(cinfo);
}

static void rda_install(struct jpeg_error_mgr *base, struct rda_error_manager *err, char *message, size_t size) {
    jpeg_std_error(base);
    err->base.error_exit = rda_error_exit;
    err->base.emit_message = rda_emit_message;
    err->message = message;
    err->message_size = size;
    if (message && size > 0) message[0] = 0;
}

int rda_jpeg_header(const unsigned char *data, size_t size, int *width, int *height, int *components,
                    char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    struct rda_error_manager err;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = &err.base;
    rda_install(&err.base, &err, message, message_size);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width;
    *height = (int)cinfo.image_height;
    *components = cinfo.num_components;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int rda_jpeg_decode(const unsigned char *data, size_t size, int width, int height, int channels,
                    unsigned char **out, char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    struct rda_error_manager err;
    memset(&cinfo, 0, sizeof cinfo);
    err.buffer = NULL;
    cinfo.err = &err.base;
    rda_install(&err.base, &err, message, message_size);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(err.buffer);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if ((int)cinfo.image_width != width || (int)cinfo.image_height != height || (channels != 1 && channels != 3)) {
        snprintf(message, message_size, "the header changed between reads, or a bad channel count");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    if ((int)cinfo.output_width != width || (int)cinfo.output_height != height || cinfo.output_components != channels) {
        snprintf(message, message_size, "libjpeg gives %dx%d with %d components, not %dx%d with %d",
                 (int)cinfo.output_width, (int)cinfo.output_height, cinfo.output_components, width, height, channels);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    size_t stride = (size_t)width * (size_t)channels, total = stride * (size_t)height;
    size_t capacity = total < ((size_t)1 << 20) ? total : ((size_t)1 << 20);
    if (capacity < stride) capacity = stride;
    err.buffer = malloc(capacity);
    if (!err.buffer) {
        snprintf(message, message_size, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        size_t need = ((size_t)cinfo.output_scanline + 1) * stride;
        if (need > capacity) {
            size_t grown = capacity * 2 > total ? total : capacity * 2;
            if (grown < need) grown = need;
            unsigned char *bigger = realloc(err.buffer, grown);
            if (!bigger) {
                snprintf(message, message_size, "out of memory");
                jpeg_destroy_decompress(&cinfo);
                free(err.buffer);
                return -1;
            }
            err.buffer = bigger;
            capacity = grown;
        }
        JSAMPROW row = err.buffer + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    *out = err.buffer;
    return 0;
}

int rda_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                    unsigned char **out, size_t *out_size, char *message, size_t message_size) {
    struct jpeg_compress_struct cinfo;
    struct rda_error_manager err;
    memset(&cinfo, 0, sizeof cinfo);
    unsigned char *buffer = NULL;
    unsigned long length = 0;
    cinfo.err = &err.base;
    rda_install(&err.base, &err, message, message_size);
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &length);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = (size_t)length;
    return 0;
}

void rda_jpeg_free(unsigned char *buffer) { free(buffer); }
