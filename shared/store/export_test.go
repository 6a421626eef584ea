package store

// IsWrite is isWrite, for the tests.
var IsWrite = isWrite
