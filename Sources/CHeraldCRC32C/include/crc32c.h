#ifndef HERALD_CRC32C_H
#define HERALD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Extends `crc` (0 to start) with the CRC32C (Castagnoli) of `length` bytes at `data`.
uint32_t herald_crc32c(uint32_t crc, const void *data, size_t length);

/// 1 when the CPU's CRC32C instruction is used, 0 when the table-driven fallback is.
int herald_crc32c_is_hardware(void);

#endif
