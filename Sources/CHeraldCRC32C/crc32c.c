/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI, ext4 and Kafka.
 *
 * Three implementations, chosen once at first use:
 *   - x86_64 with SSE4.2: the `crc32` instruction, run on three interleaved streams;
 *   - aarch64 with the CRC extension: the `crc32c` instructions, same three streams;
 *   - anything else: slicing-by-8 tables.
 *
 * The three-stream scheme follows Mark Adler's well-known crc32c.c: the CRC instruction has a
 * latency of about three cycles but a throughput of one per cycle, so three independent CRCs of
 * three adjacent blocks keep it busy. Their raw states are then combined by "shifting" the first
 * over the length of the next block (multiplying by the operator for that many zero bytes, held in
 * four 256-entry tables) and XORing in the next one; CRCs are linear over GF(2), so this equals
 * the CRC of the blocks in sequence.
 *
 * Everything that is computed at run time (tables, the CPU check) is done once, under
 * pthread_once, so every entry point is safe to call from any thread.
 */
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#define POLY 0x82F63B78u

#if defined(__x86_64__)
#include <nmmintrin.h>
#define HERALD_HW 1
#define HW_TARGET __attribute__((target("sse4.2")))
#define HW_U64(crc, word) ((uint32_t)_mm_crc32_u64((crc), (word)))
#define HW_U8(crc, byte) ((uint32_t)_mm_crc32_u8((crc), (byte)))
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32) && defined(__BYTE_ORDER__) && \
    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#include <arm_acle.h>
#define HERALD_HW 1
#define HW_TARGET
#define HW_U64(crc, word) (__crc32cd((crc), (word)))
#define HW_U8(crc, byte) (__crc32cb((crc), (byte)))
#else
#define HERALD_HW 0
#endif

static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

/* ---- Software: slicing-by-8 ------------------------------------------------------------- */

/* table[k][n]: the CRC register after byte n followed by k zero bytes. */
static uint32_t crc32c_table[8][256];

static void crc32c_init_software(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (POLY & (0u - (crc & 1u)));
        }
        crc32c_table[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = crc32c_table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = (crc >> 8) ^ crc32c_table[0][crc & 0xFF];
            crc32c_table[k][n] = crc;
        }
    }
}

/* Little-endian 64-bit load from any address, whatever the host's byte order. */
static inline uint64_t load_le64(const unsigned char *p) {
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static uint32_t crc32c_sw(uint32_t crc, const void *data, size_t length) {
    const unsigned char *next = data;
    crc = ~crc;
    while (length && ((uintptr_t)next & 7)) {
        crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *next++) & 0xFF];
        length--;
    }
    while (length >= 8) {
        uint64_t word = load_le64(next) ^ crc;
        crc = crc32c_table[7][word & 0xFF] ^ crc32c_table[6][(word >> 8) & 0xFF] ^
              crc32c_table[5][(word >> 16) & 0xFF] ^ crc32c_table[4][(word >> 24) & 0xFF] ^
              crc32c_table[3][(word >> 32) & 0xFF] ^ crc32c_table[2][(word >> 40) & 0xFF] ^
              crc32c_table[1][(word >> 48) & 0xFF] ^ crc32c_table[0][word >> 56];
        next += 8;
        length -= 8;
    }
    while (length) {
        crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *next++) & 0xFF];
        length--;
    }
    return ~crc;
}

#if HERALD_HW

/* ---- Hardware: three interleaved streams -------------------------------------------------- */

/* Block sizes of the two interleaving passes; powers of two (the zeros operator needs that). */
#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

/* Operators applying LONG_BLOCK / SHORT_BLOCK zero bytes to a raw CRC register, as four
 * byte-indexed tables each. */
static uint32_t crc32c_long[4][256];
static uint32_t crc32c_short[4][256];
static int crc32c_use_hardware;

/* The matrix (32 columns over GF(2)) times a vector. */
static uint32_t gf2_matrix_times(const uint32_t *matrix, uint32_t vector) {
    uint32_t sum = 0;
    while (vector) {
        if (vector & 1) {
            sum ^= *matrix;
        }
        vector >>= 1;
        matrix++;
    }
    return sum;
}

static void gf2_matrix_square(uint32_t *square, const uint32_t *matrix) {
    for (int n = 0; n < 32; n++) {
        square[n] = gf2_matrix_times(matrix, matrix[n]);
    }
}

/* The operator that applies `length` zero bytes (a power of two) to a raw CRC register. */
static void crc32c_zeros_operator(uint32_t *even, size_t length) {
    uint32_t odd[32];
    /* One zero bit: bit 0 feeds the polynomial back, every other bit moves down by one. */
    odd[0] = POLY;
    uint32_t row = 1;
    for (int n = 1; n < 32; n++) {
        odd[n] = row;
        row <<= 1;
    }
    gf2_matrix_square(even, odd); /* two zero bits */
    gf2_matrix_square(odd, even); /* four zero bits */
    /* Each square doubles: the first puts one zero byte in `even`, the next two in `odd`, ... */
    do {
        gf2_matrix_square(even, odd);
        length >>= 1;
        if (length == 0) {
            return;
        }
        gf2_matrix_square(odd, even);
        length >>= 1;
    } while (length);
    memcpy(even, odd, sizeof(odd));
}

static void crc32c_zeros(uint32_t zeros[4][256], size_t length) {
    uint32_t op[32];
    crc32c_zeros_operator(op, length);
    for (uint32_t n = 0; n < 256; n++) {
        zeros[0][n] = gf2_matrix_times(op, n);
        zeros[1][n] = gf2_matrix_times(op, n << 8);
        zeros[2][n] = gf2_matrix_times(op, n << 16);
        zeros[3][n] = gf2_matrix_times(op, n << 24);
    }
}

static inline uint32_t crc32c_shift(const uint32_t zeros[4][256], uint32_t crc) {
    return zeros[0][crc & 0xFF] ^ zeros[1][(crc >> 8) & 0xFF] ^ zeros[2][(crc >> 16) & 0xFF] ^
           zeros[3][crc >> 24];
}

/* Native-order 64-bit load from any address (the hardware paths are little-endian only). */
static inline uint64_t load64(const unsigned char *p) {
    uint64_t word;
    memcpy(&word, p, sizeof(word));
    return word;
}

HW_TARGET static uint32_t crc32c_hw(uint32_t crc, const void *data, size_t length) {
    const unsigned char *next = data;
    uint32_t crc0 = ~crc;

    /* Up to seven leading bytes, to reach an eight-byte boundary. */
    while (length && ((uintptr_t)next & 7)) {
        crc0 = HW_U8(crc0, *next);
        next++;
        length--;
    }

    /* Three adjacent blocks of LONG_BLOCK bytes at a time, one stream each. */
    while (length >= 3 * LONG_BLOCK) {
        uint32_t crc1 = 0;
        uint32_t crc2 = 0;
        const unsigned char *end = next + LONG_BLOCK;
        do {
            crc0 = HW_U64(crc0, load64(next));
            crc1 = HW_U64(crc1, load64(next + LONG_BLOCK));
            crc2 = HW_U64(crc2, load64(next + 2 * LONG_BLOCK));
            next += 8;
        } while (next < end);
        crc0 = crc32c_shift(crc32c_long, crc0) ^ crc1;
        crc0 = crc32c_shift(crc32c_long, crc0) ^ crc2;
        next += 2 * LONG_BLOCK;
        length -= 3 * LONG_BLOCK;
    }

    /* The same with SHORT_BLOCK bytes, for what is left. */
    while (length >= 3 * SHORT_BLOCK) {
        uint32_t crc1 = 0;
        uint32_t crc2 = 0;
        const unsigned char *end = next + SHORT_BLOCK;
        do {
            crc0 = HW_U64(crc0, load64(next));
            crc1 = HW_U64(crc1, load64(next + SHORT_BLOCK));
            crc2 = HW_U64(crc2, load64(next + 2 * SHORT_BLOCK));
            next += 8;
        } while (next < end);
        crc0 = crc32c_shift(crc32c_short, crc0) ^ crc1;
        crc0 = crc32c_shift(crc32c_short, crc0) ^ crc2;
        next += 2 * SHORT_BLOCK;
        length -= 3 * SHORT_BLOCK;
    }

    /* Remaining eight-byte words, then bytes. */
    while (length >= 8) {
        crc0 = HW_U64(crc0, load64(next));
        next += 8;
        length -= 8;
    }
    while (length) {
        crc0 = HW_U8(crc0, *next);
        next++;
        length--;
    }
    return ~crc0;
}

static int crc32c_cpu_has_instruction(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    return 1; /* __ARM_FEATURE_CRC32: every CPU this was compiled for has it. */
#endif
}

#endif /* HERALD_HW */

static void crc32c_init(void) {
    crc32c_init_software();
#if HERALD_HW
    crc32c_use_hardware = crc32c_cpu_has_instruction();
    if (crc32c_use_hardware) {
        crc32c_zeros(crc32c_long, LONG_BLOCK);
        crc32c_zeros(crc32c_short, SHORT_BLOCK);
    }
#endif
}

uint32_t herald_crc32c(uint32_t crc, const void *data, size_t length) {
    pthread_once(&crc32c_once, crc32c_init);
#if HERALD_HW
    if (crc32c_use_hardware) {
        return crc32c_hw(crc, data, length);
    }
#endif
    return crc32c_sw(crc, data, length);
}

uint32_t herald_crc32c_software(uint32_t crc, const void *data, size_t length) {
    pthread_once(&crc32c_once, crc32c_init);
    return crc32c_sw(crc, data, length);
}

int herald_crc32c_is_hardware(void) {
    pthread_once(&crc32c_once, crc32c_init);
#if HERALD_HW
    return crc32c_use_hardware;
#else
    return 0;
#endif
}
