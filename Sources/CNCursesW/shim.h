#ifndef ROBOFY_CNCURSESW_SHIM_H
#define ROBOFY_CNCURSESW_SHIM_H
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <stdlib.h>
#include <stdio.h>
#include <ncursesw/curses.h>

// Swift cannot import ncurses' function-like macros or read its mutable globals
// under strict concurrency; these shims expose what robofy-tui needs.

static inline WINDOW *rt_stdscr(void) { return stdscr; }
static inline int rt_lines(void) { return LINES; }
static inline int rt_cols(void) { return COLS; }
static inline int rt_colors(void) { return COLORS; }
static inline int rt_color_pairs(void) { return COLOR_PAIRS; }
static inline void rt_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }

static inline attr_t rt_a_normal(void) { return A_NORMAL; }
static inline attr_t rt_a_bold(void) { return A_BOLD; }
static inline attr_t rt_a_dim(void) { return A_DIM; }
static inline attr_t rt_a_underline(void) { return A_UNDERLINE; }
static inline attr_t rt_a_reverse(void) { return A_REVERSE; }
static inline attr_t rt_a_italic(void) {
#ifdef A_ITALIC
    return A_ITALIC;
#else
    return A_NORMAL;
#endif
}

static inline int rt_key_f(int n) { return KEY_F(n); }
static inline int rt_wcwidth(wchar_t c) { return wcwidth(c); }

static inline mmask_t rt_mouse_mask_wanted(void) {
    return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
        | BUTTON5_PRESSED
#endif
        ;
}
static inline mmask_t rt_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t rt_button1_clicked(void) { return BUTTON1_CLICKED; }
static inline mmask_t rt_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t rt_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t rt_button5_pressed(void) {
#ifdef BUTTON5_PRESSED
    return BUTTON5_PRESSED;
#else
    return 0;
#endif
}

/// Sets attributes and an (extended) colour pair for the next writes to stdscr.
static inline int rt_set_attr(attr_t attrs, int pair) {
    return attr_set(attrs, (short)(pair > 32767 ? 0 : pair), &pair);
}

/// Starts ncurses on the process's stdout/stdin (newterm does not exit on an unknown TERM, unlike initscr).
/// `type`: a terminfo name to use instead of TERM's (NULL: TERM's).
static inline SCREEN *rt_newterm_stdio(const char *type) { return newterm(type, stdout, stdin); }

/// Writes bytes straight to the terminal (mode switches ncurses does not know).
static inline void rt_write_stdout(const char *s) { fputs(s, stdout); fflush(stdout); }

/// Writes a UTF-8 string at (y, x) on stdscr.
static inline int rt_mvaddstr(int y, int x, const char *s) { return mvaddstr(y, x, s); }

#include <ncursesw/term.h>

/// Whether the terminal TERM names can be driven full-screen: 1 when its terminfo
/// entry can address the cursor (`cup`), 0 when it cannot (dumb, hardcopy, glass
/// terminals), -1 when TERM is unset or unknown. Writes nothing to the terminal.
static inline int rt_term_can_address(void) {
    int err = 0;
    if (setupterm(NULL, 1, &err) != OK) return -1;
    const char *cup = tigetstr("cup");
    int ok = cup != NULL && cup != (const char *)-1;
    del_curterm(cur_term);
    return ok ? 1 : 0;
}

/// The number of colours of the terminfo entry `type` (-1: no such entry). Writes nothing.
static inline int rt_term_colors(const char *type) {
    int err = 0;
    if (setupterm(type, 1, &err) != OK) return -1;
    int n = tigetnum("colors");
    del_curterm(cur_term);
    return n;
}
#endif
