#ifndef ROBOFY_CTERMINALRESTORE_H
#define ROBOFY_CTERMINALRESTORE_H

/// Saves the terminal's current mode. Call before ncurses starts.
void rt_save_terminal(void);

/// Installs handlers for fatal signals (SIGSEGV, SIGBUS, SIGILL, SIGTRAP,
/// SIGABRT, SIGFPE) that put the terminal back as it was saved (mode, cursor,
/// main screen, bracketed paste and mouse off) and then let the signal kill the
/// process as usual. Uses only async-signal-safe calls.
void rt_install_crash_restore(void);

/// Restores the saved mode and writes the reset sequences. Async-signal-safe.
void rt_restore_terminal(void);

#endif
