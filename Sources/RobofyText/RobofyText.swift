// RobofyText: the text layer, shared by every target that draws or writes server text.
//
// It holds display width (`DisplayWidth`: columns per grapheme, pad, truncate), the
// sanitizer (`Sanitizer`: hostile server text made safe to draw), escaping for logs and
// quoted output (`TextEscaping`), styled text and wrapping (`Span`, `StyledLine`,
// `Wrapper`), and Markdown → styled lines (`Markdown.render`, and `MarkdownStream` for an
// answer that is still streaming in: blocks, fences and lists, inline spans, links).
//
// It may import only Foundation (today it needs not even that): no other target of this
// package and no package dependency, so it builds and tests on its own and the fuzz
// harnesses (scripts/fuzz) compile its files directly.
