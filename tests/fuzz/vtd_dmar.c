/*
 * libFuzzer harness for dmar_parse() and dmar_describe(): arbitrary bytes as
 * a DMAR table.
 *
 * Input layout:
 *   byte 0    mode: bit 0 = repair the checksum, so mutations reach the
 *             structure walker instead of dying at the checksum check;
 *             bit 1 = also stamp the "DMAR" signature and make the header
 *             length equal the table's (both before the checksum repair)
 *   the rest  the table, copied to a heap buffer of exactly that size so
 *             ASan reports any read past `len`
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/dmar.h>

static void fuzz_warn(void *ctx, const char *msg)
{
	(void)ctx;
	/* Messages must be proper strings of bounded length. */
	if (strlen(msg) >= 128)
		abort();
}

static void fuzz_line(void *ctx, const char *s)
{
	(void)ctx;
	if (strlen(s) >= 160)
		abort();
}

static void check_scopes(const struct dmar_scope *s, unsigned int n)
{
	if (n > DMAR_MAX_SCOPES)
		abort();
	for (unsigned int i = 0; i < n; i++)
		if (s[i].npath == 0 || s[i].npath > DMAR_MAX_PATH || s[i].type < 1 ||
		    s[i].type > DMAR_SCOPE_ACPI_DEV)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmar_info out;
	uint8_t mode, *t;
	size_t len;
	int rc;

	if (size < 1)
		return 0;
	mode = data[0];
	len = size - 1;
	t = malloc(len ? len : 1);
	if (!t)
		abort();
	memcpy(t, data + 1, len);
	if ((mode & 2) && len >= 8) {
		memcpy(t, "DMAR", 4);
		t[4] = (uint8_t)len;
		t[5] = (uint8_t)(len >> 8);
		t[6] = (uint8_t)(len >> 16);
		t[7] = (uint8_t)(len >> 24);
	}
	if ((mode & 1) && len >= 10) {
		uint32_t tlen = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;
		uint8_t sum = 0;

		t[9] = 0;
		for (size_t i = 0; i < len && i < tlen; i++)
			sum += t[i];
		t[9] = (uint8_t)-sum;
	}

	rc = dmar_parse(t, len, &out, fuzz_warn, NULL);
	if (rc != DMAR_OK && rc != DMAR_ERR)
		abort();
	if (out.ndrhds > DMAR_MAX_DRHDS || out.nrmrrs > DMAR_MAX_RMRRS || out.oem_id[6] != '\0')
		abort();
	for (unsigned int i = 0; i < out.ndrhds; i++)
		check_scopes(out.drhds[i].scopes, out.drhds[i].nscopes);
	for (unsigned int i = 0; i < out.nrmrrs; i++)
		if (out.rmrrs[i].limit < out.rmrrs[i].base)
			abort();
		else
			check_scopes(out.rmrrs[i].scopes, out.rmrrs[i].nscopes);
	if (rc == DMAR_OK)
		dmar_describe(&out, fuzz_line, NULL);

	free(t);
	return 0;
}
