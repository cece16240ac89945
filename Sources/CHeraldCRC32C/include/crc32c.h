#ifndef HERALD_CRC32C_H
#define HERALD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Extends `crc` (0 to start) with the CRC32C (Castagnoli) of `length` bytes at `data`.
///
/// Composable: `herald_crc32c(herald_crc32c(0, a, na), b, nb)` equals the CRC of `a` followed by `b`.
/// Uses the CPU's CRC32C instruction when it has one (chosen once, at first use), else tables.
/// Safe to call from any thread.
uint32_t herald_crc32c(uint32_t crc, const void *data, size_t length);

/// 1 when the CPU's CRC32C instruction is used, 0 when the table-driven fallback is.
int herald_crc32c_is_hardware(void);

/// The portable table-driven (slicing-by-8) implementation, whatever the CPU.
/// Same semantics as `herald_crc32c`; exists so tests can check the two agree.
uint32_t herald_crc32c_software(uint32_t crc, const void *data, size_t length);

#endif
