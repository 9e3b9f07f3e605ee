// Package e2e holds the end-to-end tests of the walking skeleton: the real
// talentd and talent-edge binaries (built by `make build`, found through
// TALENT_BIN_DIR) in front of real Postgres, Redis and MinIO, driven by a
// real browser (headless Chromium) and by the generated clients over each of
// Connect, gRPC and gRPC-Web, all through the edge's HTTPS listener.
//
// The package has no code outside its tests.
package e2e
