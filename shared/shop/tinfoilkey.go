package shop

// TinfoilPublicKey is the RSA-2048 public key Tinfoil publishes for encrypted indexes
// (github.com/blawar/tinfoil docs/files/public.key; Ownfoil app/clients/tinfoil.py
// TINFOIL_PUBLIC_KEY encrypts with it when shop.clients.tinfoil.encrypt is on). Tinfoil holds
// its private key, so this is the key shop.clients.tinfoil.public_key takes for Tinfoil to read
// the index; the Settings page offers it, and import-ownfoil sets it when Ownfoil encrypted.
const TinfoilPublicKey = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvPdrJigQ0rZAy+jla7hS
jwen8gkF0gjtl+lZGY59KatNd9Kj2gfY7dTMM+5M2tU4Wr3nk8KWr5qKm3hzo/2C
Gbc55im3tlRl6yuFxWQ+c/I2SM5L3xp6eiLUcumMsEo0B7ELmtnHTGCCNAIzTFzV
4XcWGVbkZj83rTFxpLsa1oArTdcz5CG6qgyVe7KbPsft76DAEkV8KaWgnQiG0Dps
INFy4vISmf6L1TgAryJ8l2K4y8QbymyLeMsABdlEI3yRHAm78PSezU57XtQpHW5I
aupup8Es6bcDZQKkRsbOeR9T74tkj+k44QrjZo8xpX9tlJAKEEmwDlyAg0O5CLX3
CQIDAQAB
-----END PUBLIC KEY-----
`
