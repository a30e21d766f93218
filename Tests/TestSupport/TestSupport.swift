// TestSupport: the helpers the test targets share, so each exists once.
//
// - SeededRandom: the deterministic generator of the property tests.
// - LogCapture: a Logger whose output a test reads back (swift-log's InMemoryLogging).
// - Processes: sh / shOff / Child (posix_spawn), offPool, waitUntil / eventually (polls
//   with a deadline, never sleeps as synchronisation), scratch folders, file readers.
// - Tmux + Binary + ScratchSuite: the real robofy-tui binary driven in a private tmux server.
// - GoldenFile: golden-file checks where a recording run (UPDATE_GOLDENS=1) always fails.
//
// It may import Foundation and swift-log (Logging, InMemoryLogging) only: never a product
// target, so every test target can use it and it stays quick to build. Nothing in here
// imports Testing; helpers return failures and the tests record them.
