#include "crc32c.h"

/* Placeholder: a bitwise implementation, replaced by the accelerated one. */
uint32_t herald_crc32c(uint32_t crc, const void *data, size_t length) {
    const uint8_t *bytes = data;
    crc = ~crc;
    for (size_t i = 0; i < length; i++) {
        crc ^= bytes[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

int herald_crc32c_is_hardware(void) { return 0; }
