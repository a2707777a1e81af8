/*
 * Fuzzes boot/mb2.c: the input is the boot information itself (the magic is
 * right), copied into a buffer of exactly its size so any read past it is a
 * sanitizer report. Also checks that the parser's count matches its messages
 * and that everything it hands back points inside the buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <boot/mb2.h>

static unsigned int nmsgs;

static void count(void *ctx, const char *msg)
{
	(void)ctx;
	if (!msg[0] || strlen(msg) >= 160) {
		fprintf(stderr, "bad message \"%s\"\n", msg);
		abort();
	}
	nmsgs++;
}

static void check_string(const char *s, const uint8_t *buf, size_t size, const char *what)
{
	const uint8_t *p = (const uint8_t *)s;

	if (!s[0] && (p < buf || p >= buf + size))
		return; /* the "" default */
	if (p < buf || p >= buf + size || !memchr(p, 0, (size_t)(buf + size - p))) {
		fprintf(stderr, "%s does not end inside the buffer\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb2_info info;
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	nmsgs = 0;
	int r = mb2_parse(MB2_BOOTLOADER_MAGIC, buf, size, &info, count, NULL);
	if (r < 0 || (unsigned int)r != nmsgs) {
		fprintf(stderr, "returned %d after %u messages\n", r, nmsgs);
		abort();
	}
	if (info.nmmap > MB2_MAX_MMAP || info.nmodules > MB2_MAX_MODULES)
		abort();
	check_string(info.cmdline, buf, size, "cmdline");
	check_string(info.loader, buf, size, "loader");
	for (uint32_t i = 0; i < info.nmodules; i++) {
		check_string(info.modules[i].name, buf, size, "module name");
		if (info.modules[i].end < info.modules[i].start)
			abort();
		if (mb2_find_module(&info, info.modules[i].name) == NULL)
			abort();
	}
	for (uint32_t i = 0; i < info.nmmap; i++)
		if (info.mmap[i].base + info.mmap[i].len < info.mmap[i].base)
			abort(); /* wrapping entries are clamped */
	if (info.rsdp) {
		const uint8_t *p = info.rsdp;
		uint32_t need = info.rsdp_version == 2 ? 36 : 20;

		if ((info.rsdp_version != 1 && info.rsdp_version != 2) || info.rsdp_len < need ||
		    p < buf || p + info.rsdp_len > buf + size)
			abort();
	}
	if (info.size > size)
		abort();
	free(buf);
	return 0;
}
