#include "CTerminalRestore.h"
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_mode;
static volatile sig_atomic_t have_saved = 0;

void rt_save_terminal(void) {
    if (tcgetattr(STDIN_FILENO, &saved_mode) == 0) have_saved = 1;
}

void rt_restore_terminal(void) {
    static const char reset[] =
        "\033[?2004l"   /* bracketed paste off */
        "\033[?1000l\033[?1002l\033[?1006l" /* mouse reporting off */
        "\033[0m"       /* attributes off */
        "\033[?25h"     /* cursor visible */
        "\033[?1049l"   /* back to the main screen */
        "\r\n";
    ssize_t ignored = write(STDOUT_FILENO, reset, sizeof(reset) - 1);
    (void)ignored;
    if (have_saved) tcsetattr(STDIN_FILENO, TCSANOW, &saved_mode);
}

static void on_fatal(int sig) {
    rt_restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

void rt_install_crash_restore(void) {
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_fatal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(sigs[i], &sa, NULL);
    }
}
