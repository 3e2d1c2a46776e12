/* sha256 / hmac_sha256: the FIPS 180-4 and RFC 4231 test vectors (token
 * hashes and webhook signatures depend on them), and the constant-time
 * comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/sha256.h"

static void hex_of(const unsigned char *d, char *out)
{
    hex_encode(d, SHA256_LEN, out);
}

static void test_sha256__fips_vectors(void **state)
{
    (void)state;
    unsigned char d[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    sha256("", 0, d);
    hex_of(d, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256("abc", 3, d);
    hex_of(d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256(two, strlen(two), d);
    hex_of(d, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* A million 'a': many blocks, and a length past one byte of bits. */
    static char million[1000000];
    memset(million, 'a', sizeof(million));
    sha256(million, sizeof(million), d);
    hex_of(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256__hmac_rfc4231(void **state)
{
    (void)state;
    unsigned char d[SHA256_LEN], key[20];
    char hex[2 * SHA256_LEN + 1];
    memset(key, 0x0b, sizeof(key));
    hmac_sha256(key, sizeof(key), "Hi There", 8, d);
    hex_of(d, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
    hex_of(d, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* Test case 6: a key longer than the block is hashed first. */
    unsigned char big[131];
    memset(big, 0xaa, sizeof(big));
    const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    hmac_sha256(big, sizeof(big), msg, strlen(msg), d);
    hex_of(d, hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    /* The two-part form signs t + "." + body as one message. */
    unsigned char one[SHA256_LEN];
    hmac_sha256("k", 1, "1700000000.{}", 13, one);
    hmac_sha256_2("k", 1, "1700000000.", 11, "{}", 2, d);
    assert_memory_equal(one, d, SHA256_LEN);
}

static void test_sha256__constant_time_equal(void **state)
{
    (void)state;
    assert_true(mem_equal_ct("abcdef", "abcdef", 6));
    assert_false(mem_equal_ct("abcdef", "abcdeg", 6));
    assert_false(mem_equal_ct("xbcdef", "abcdef", 6));
    assert_true(mem_equal_ct("", "", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256__fips_vectors),
        cmocka_unit_test(test_sha256__hmac_rfc4231),
        cmocka_unit_test(test_sha256__constant_time_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
