// Package systemtest holds the tests that run shelf's three services together as real
// processes or containers: the three-service test, the worker's start-up chain, the chaos soak,
// the compose files, and (build tag e2e, run by `make e2e`) the container end-to-end test. It
// has no code of its own; the helpers are in servicetest.
package systemtest
