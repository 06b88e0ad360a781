/* Names the container format of a media file from its first bytes. */
#include <stddef.h>
#include <string.h>

const char *strata_probe_container(const unsigned char *buf, size_t len) {
	if (len >= 12 && memcmp(buf + 4, "ftyp", 4) == 0) {
		if (memcmp(buf + 8, "qt  ", 4) == 0)
			return "mov";
		return "mp4";
	}
	if (len >= 4 && buf[0] == 0x1a && buf[1] == 0x45 && buf[2] == 0xdf && buf[3] == 0xa3)
		return "matroska";
	if (len >= 3 && memcmp(buf, "FLV", 3) == 0)
		return "flv";
	if (len >= 189 && buf[0] == 0x47 && buf[188] == 0x47)
		return "mpegts";
	if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 && memcmp(buf + 8, "AVI ", 4) == 0)
		return "avi";
	return "unknown";
}

/* The C compiler's idea of the target, to show which compiler ran. */
const char *strata_probe_arch(void) {
#if defined(__aarch64__)
	return "aarch64";
#elif defined(__x86_64__)
	return "x86_64";
#else
	return "other";
#endif
}
