/// A self-signed certificate for 127.0.0.1 and localhost (valid 2000–2100) and its P-256 key, for TLS tests
/// only; made with `openssl ca -selfsign -startdate 20000101000000Z -enddate 21000101000000Z`.
enum TestCertificate {
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBlzCCAT2gAwIBAgIBATAKBggqhkjOPQQDAjAbMRkwFwYDVQQDDBBoZXJhbGQt
        bmF0cy10ZXN0MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAbMRkw
        FwYDVQQDDBBoZXJhbGQtbmF0cy10ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD
        QgAE1I1SaJiEEVXDueU4CNLNi1XQUcHX8ks/5hr+zjIafnO0cBRJW4mjzkUk3tyi
        DJehW61K2D8Es8XjkgcXeL1JP6NwMG4wGgYDVR0RBBMwEYcEfwAAAYIJbG9jYWxo
        b3N0MA8GA1UdEwEB/wQFMAMBAf8wCwYDVR0PBAQDAgKEMBMGA1UdJQQMMAoGCCsG
        AQUFBwMBMB0GA1UdDgQWBBT3+c0huoqCsoskAoSWcgiyKTkOLjAKBggqhkjOPQQD
        AgNIADBFAiEA3A+nJnEZQldrsblxGUu2qByvWinLZqTUI6fBP/1bQf8CICyDD6iU
        4pOgRm1LQN2BiZUO3JuQeOQKPsAR1necLGG+
        -----END CERTIFICATE-----
        """

    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgldNxaibH4Jeh3KxP
        5xBqRYmrvI2CDU7aEjjn9gxi0nOhRANCAATUjVJomIQRVcO55TgI0s2LVdBRwdfy
        Sz/mGv7OMhp+c7RwFElbiaPORSTe3KIMl6FbrUrYPwSzxeOSBxd4vUk/
        -----END PRIVATE KEY-----
        """
}
