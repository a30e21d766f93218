// Fuzz target `text`: sanitizer, display width, wrapping and Markdown (whole and
// streamed). Input: byte 0 picks the width (1…80), byte 1 the variant bits, the
// rest is the server text. Oracles: no trap; sanitized text holds no C0 control
// but LF, no DEL, no C1, no bidi or invisible format character and is clean again
// when cleaned again; no wrapped or rendered line is wider than the width (a
// width-2 grapheme alone on a 1-column line is allowed); no line holds LF or a
// control; pad gives exactly the width, truncate at most it; MarkdownStream fed
// in pieces equals Markdown.render(Sanitizer.clean(text)).

func forbidden(_ v: UInt32, newlines: Bool) -> Bool {
    if v == 0x0A { return !newlines }
    if v < 0x20 || (v >= 0x7F && v <= 0x9F) { return true }
    return Sanitizer.isRemovableFormat(v) || v == 0x2028 || v == 0x2029
}

func checkClean(_ s: String, newlines: Bool, _ oracle: String, _ context: String) {
    guard checking(oracle) else { return }
    for scalar in s.unicodeScalars where forbidden(scalar.value, newlines: newlines) {
        fuzzFail(oracle, "\(context) holds U+\(String(scalar.value, radix: 16, uppercase: true)): \(visible(s))")
    }
}

func checkLines(_ lines: [StyledLine], width: Int, _ oracle: String, _ context: String) {
    for (i, line) in lines.enumerated() {
        if checking(oracle + "-width") {
            let w = line.width
            let lone = width == 1 && w == 2 && line.plainText.count == 1
            if w > width && !lone {
                fuzzFail(oracle + "-width", "\(context): line \(i) is \(w) columns wide, limit \(width): \(visible(line.plainText)) spans \(line.spans.map { visible($0.text) })")
            }
        }
        for span in line.spans { checkClean(span.text, newlines: false, oracle + "-control", "\(context) line \(i)") }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzText(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let width = 1 + Int(bytes[0]) % 80
    let variant = bytes[1]
    let raw = String(decoding: UnsafeBufferPointer(rebasing: bytes[2...]), as: UTF8.self)
    var rng = SplitMix(hashing: Array(bytes))

    // Sanitizer
    let clean = Sanitizer.clean(raw)
    checkClean(clean, newlines: true, "sanitize-control", "Sanitizer.clean")
    let oneLine = Sanitizer.clean(raw, allowNewlines: false)
    checkClean(oneLine, newlines: false, "sanitize-control", "Sanitizer.clean(allowNewlines: false)")
    if checking("sanitize-idempotent"), Sanitizer.clean(clean) != clean {
        fuzzFail("sanitize-idempotent", "cleaning again changes \(visible(clean)) to \(visible(Sanitizer.clean(clean)))")
    }

    // Display width: pad and truncate of a one-line field.
    if checking("pad-width") {
        let padded = DisplayWidth.pad(oneLine, to: width)
        if DisplayWidth.of(padded) != width {
            fuzzFail("pad-width", "pad(\(visible(oneLine)), to: \(width)) is \(DisplayWidth.of(padded)) columns: \(visible(padded))")
        }
    }
    if checking("truncate-width") {
        let cut = DisplayWidth.truncate(oneLine, to: width)
        if DisplayWidth.of(cut) > width {
            fuzzFail("truncate-width", "truncate(\(visible(oneLine)), to: \(width)) is \(DisplayWidth.of(cut)) columns")
        }
    }

    // Wrapping: one span, and the same text cut into spans with input-derived attributes.
    let indent = Int(variant & 0x07)
    checkLines(Wrapper.wrap([Span(clean)], width: width, hangingIndent: indent), width: width, "wrap", "wrap(width: \(width), indent: \(indent))")
    // The cuts fall between graphemes (variant bit 0x10 clear) or anywhere between scalars,
    // also inside a grapheme as Markdown markup can (`*❤*\u{FE0F}`): separate oracles, as
    // merging such spans forms new clusters (a known bug, issue 10 #18).
    let midCluster = variant & 0x10 != 0
    var spans: [Span] = []
    var piece = ""
    let palette: [TextAttributes] = [[], [], .bold, .code, [.link, .underline]]
    var attributes = palette[rng.below(palette.count)]
    func cut() {
        if rng.below(4) == 0 {
            spans.append(Span(piece, attributes))
            piece = ""
            attributes = palette[rng.below(palette.count)]
        }
    }
    if midCluster {
        for scalar in clean.unicodeScalars { piece.unicodeScalars.append(scalar); cut() }
    } else {
        for character in clean { piece.append(character); cut() }
    }
    if !piece.isEmpty { spans.append(Span(piece, attributes)) }
    let splitName = midCluster ? "-midcluster" : ""
    checkLines(Wrapper.wrap(spans, width: width, hangingIndent: indent), width: width, "wrap-spans" + splitName, "wrap of \(spans.count) spans (width: \(width), indent: \(indent))")
    checkLines(Wrapper.hardWrap(spans, width: width), width: width, "hardwrap" + splitName, "hardWrap(width: \(width))")

    // Markdown, whole and streamed.
    let rendered = Markdown.render(clean, width: width)
    checkLines(rendered, width: width, "markdown", "Markdown.render(width: \(width))")
    if variant & 0x08 != 0 {
        let stream = MarkdownStream()
        var text = ""
        var last: [StyledLine] = []
        let scalars = Array(raw.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let n = 1 + (rng.below(3) == 0 ? rng.below(40) : rng.below(6))
            for s in scalars[i..<min(scalars.count, i + n)] { text.unicodeScalars.append(s) }
            i += n
            last = stream.render(text, width: width)
        }
        let streamed = stream.frozenLines(of: text) + last
        if checking("markdown-stream"), streamed != rendered {
            let got = streamed.map { visible($0.plainText, limit: 80) }
            let want = rendered.map { visible($0.plainText, limit: 80) }
            fuzzFail("markdown-stream", "width \(width): streamed \(got.count) lines \(got.prefix(12))\nwhole \(want.count) lines \(want.prefix(12))")
        }
    }
    return 0
}
