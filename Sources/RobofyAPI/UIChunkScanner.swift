// The fast path of ``UIChunkDecoder``: a flat JSON object whose values are strings,
// booleans or null (almost every chunk, above all `text-delta`) is scanned straight
// from its UTF-8 bytes, without building a dictionary, and only the fields `build`
// asks for are decoded. It declines (nil) anything else; the general path decides then.
import RobofyText

extension UIChunkDecoder {

    /// A field of the flat object, as a range of the input bytes.
    struct Slot {
        enum Kind: UInt8 { case absent, string, `true`, `false`, null }
        var kind: Kind = .absent
        var escaped = false
        var start = 0
        var end = 0
    }

    static func decodeFast(_ bytes: UnsafeBufferPointer<UInt8>, raw: () -> String) -> UIChunk? {
        withUnsafeTemporaryAllocation(of: Slot.self, capacity: ChunkKey.count) { slots -> UIChunk? in
            slots.initialize(repeating: Slot())
            guard scanFlatObject(bytes, into: slots) else { return nil }
            return build(SlotFields(bytes: bytes, slots: UnsafeBufferPointer(slots)), raw: raw)
        }
    }

    @inline(__always)
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// True when the data is `[DONE]`, ignoring surrounding ASCII whitespace.
    static func isDone(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        var end = bytes.count
        while start < end, isWhitespace(bytes[start]) || bytes[start] == 0x0C || bytes[start] == 0x0B { start += 1 }
        guard start < end, bytes[start] == 0x5B else { return false }  // [
        while end > start, isWhitespace(bytes[end - 1]) || bytes[end - 1] == 0x0C || bytes[end - 1] == 0x0B { end -= 1 }
        return ChunkKey.equal(UnsafeBufferPointer(rebasing: bytes[start..<end]), "[DONE]")
    }

    /// Scans `{ "key": value, ... }` where every value is a string, `true`,
    /// `false` or `null`, recording the known keys in `slots`. Returns false
    /// (decline) on anything else, including duplicate known keys and keys with
    /// escapes; the general path then decides.
    private static func scanFlatObject(_ b: UnsafeBufferPointer<UInt8>, into slots: UnsafeMutableBufferPointer<Slot>) -> Bool {
        let n = b.count
        var i = 0
        @inline(__always) func skipWhitespace() { while i < n, isWhitespace(b[i]) { i += 1 } }

        skipWhitespace()
        guard i < n, b[i] == 0x7B else { return false }  // {
        i += 1
        skipWhitespace()
        guard i < n else { return false }
        if b[i] == 0x7D {  // }
            i += 1
        } else {
            while true {
                // Key: a plain string without escapes.
                guard i < n, b[i] == 0x22 else { return false }
                i += 1
                let keyStart = i
                while i < n, b[i] != 0x22 {
                    if b[i] == 0x5C || b[i] < 0x20 { return false }
                    i += 1
                }
                guard i < n else { return false }
                let key = ChunkKey(bytes: UnsafeBufferPointer(rebasing: b[keyStart..<i]))
                i += 1
                skipWhitespace()
                guard i < n, b[i] == 0x3A else { return false }  // :
                i += 1
                skipWhitespace()
                guard i < n else { return false }

                var slot = Slot()
                switch b[i] {
                case 0x22:
                    guard let (end, escaped) = scanString(b, from: i + 1) else { return false }
                    slot = Slot(kind: .string, escaped: escaped, start: i + 1, end: end)
                    i = end + 1
                case 0x74:  // true
                    guard matches(b, at: i, "true") else { return false }
                    slot.kind = .true
                    i += 4
                case 0x66:  // false
                    guard matches(b, at: i, "false") else { return false }
                    slot.kind = .false
                    i += 5
                case 0x6E:  // null
                    guard matches(b, at: i, "null") else { return false }
                    slot.kind = .null
                    i += 4
                default:
                    return false
                }
                if let key {
                    guard slots[key.index].kind == .absent else { return false }
                    slots[key.index] = slot
                }
                skipWhitespace()
                guard i < n else { return false }
                if b[i] == 0x2C {  // ,
                    i += 1
                    skipWhitespace()
                    continue
                }
                guard b[i] == 0x7D else { return false }
                i += 1
                break
            }
        }
        skipWhitespace()
        return i == n
    }

    @inline(__always)
    private static func matches(_ b: UnsafeBufferPointer<UInt8>, at i: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard b.count - i >= count else { return false }
        let w = word.utf8Start
        for k in 0..<count where b[i + k] != w[k] { return false }
        return true
    }

    /// Scans a JSON string body starting after its opening quote. Returns the
    /// index of the closing quote and whether it holds escapes, or nil when the
    /// string is invalid or holds a lone surrogate escape.
    private static func scanString(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, escaped: Bool)? {
        let n = b.count
        var i = start
        var escaped = false
        while i < n {
            let c = b[i]
            if c == 0x22 { return (i, escaped) }
            if c == 0x5C {
                escaped = true
                i += 1
                guard i < n else { return nil }
                switch b[i] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
                    i += 1
                case 0x75:  // u
                    guard let unit = hex4(b, at: i + 1) else { return nil }
                    i += 5
                    if unit >= 0xD800, unit <= 0xDBFF {
                        guard i + 1 < n, b[i] == 0x5C, b[i + 1] == 0x75,
                              let low = hex4(b, at: i + 2), low >= 0xDC00, low <= 0xDFFF
                        else { return nil }
                        i += 6
                    } else if unit >= 0xDC00, unit <= 0xDFFF {
                        return nil
                    }
                default:
                    return nil
                }
            } else if c < 0x20 {
                return nil
            } else {
                i += 1
            }
        }
        return nil
    }

    @inline(__always)
    static func hex4(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt32? {
        guard i >= 0, b.count - i >= 4 else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = b[i + k]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Decodes the body of a JSON string already validated by `scanString`
    /// (for anything else it stops early rather than trap).
    static func unescape(_ b: UnsafeBufferPointer<UInt8>) -> String {
        // Every escape is at least as long as the UTF-8 it stands for.
        String(unsafeUninitializedCapacity: b.count) { out in
            let n = b.count
            var i = 0
            var o = 0
            @inline(__always) func put(_ byte: UInt8) {
                guard o < out.count else { return }  // cannot happen for validated input
                out[o] = byte
                o += 1
            }
            while i < n {
                let c = b[i]
                if c != 0x5C {
                    put(c)
                    i += 1
                    continue
                }
                guard i + 1 < n else { break }
                let e = b[i + 1]
                i += 2
                switch e {
                case 0x62: put(0x08)
                case 0x66: put(0x0C)
                case 0x6E: put(0x0A)
                case 0x72: put(0x0D)
                case 0x74: put(0x09)
                case 0x75:
                    guard var scalar = hex4(b, at: i) else { return o }
                    i += 4
                    if scalar >= 0xD800, scalar <= 0xDBFF {
                        guard let low = hex4(b, at: i + 2), low >= 0xDC00, low <= 0xDFFF else { return o }
                        i += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    switch scalar {
                    case 0..<0x80:
                        put(UInt8(truncatingIfNeeded: scalar))
                    case 0x80..<0x800:
                        put(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
                    case 0x800..<0x10000:
                        put(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
                    default:
                        put(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
                        put(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
                    }
                default:
                    put(e)  // \" \\ \/
                }
            }
            return o
        }
    }
}

/// Fields found by the fast scanner.
private struct SlotFields: ChunkFields {
    let bytes: UnsafeBufferPointer<UInt8>
    let slots: UnsafeBufferPointer<UIChunkDecoder.Slot>

    private func body(_ slot: UIChunkDecoder.Slot) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[slot.start..<slot.end])
    }

    private func text(_ slot: UIChunkDecoder.Slot) -> String {
        slot.escaped ? UIChunkDecoder.unescape(body(slot)) : String(decoding: body(slot), as: UTF8.self)
    }

    func chunkType() -> ChunkTypeField {
        let slot = slots[ChunkKey.type.index]
        switch slot.kind {
        case .absent: return .absent
        case .string:
            if slot.escaped { return ChunkTypeField(UIChunkDecoder.unescape(body(slot))) }
            return ChunkTypeField(utf8: body(slot))
        case .true, .false: return .other("boolean")
        case .null: return .other("null")
        }
    }

    func string(_ key: ChunkKey) -> StringField {
        let slot = slots[key.index]
        switch slot.kind {
        case .absent: return .absent
        case .string: return .string(text(slot))
        case .true, .false: return .other("boolean")
        case .null: return .other("null")
        }
    }

    func json(_ key: ChunkKey) -> JSONValue? {
        let slot = slots[key.index]
        switch slot.kind {
        case .absent: return nil
        case .string: return .string(text(slot))
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .null: return .null
        }
    }

    func bool(_ key: ChunkKey) -> Bool? {
        switch slots[key.index].kind {
        case .true: true
        case .false: false
        default: nil
        }
    }
}

// MARK: - Text deltas as servers write them

extension UIChunkDecoder {
    private static let deltaHead: StaticString = "{\"type\":\"text-delta\",\"id\":\""
    private static let deltaMiddle: StaticString = "\",\"delta\":\""

    /// A `text-delta` whose data is exactly what ``ChunkEvent/canonicalRaw(_:)`` writes for it
    /// (`{"type":"text-delta","id":"…","delta":"…"}`, JSON.stringify's escapes, valid UTF-8),
    /// decoded in one pass; nil for anything else (the caller then decodes it in full).
    static func canonicalTextDelta(_ b: UnsafeBufferPointer<UInt8>) -> UIChunk? {
        guard let p = canonicalTextDeltaParts(b) else { return nil }
        let body = UnsafeBufferPointer(rebasing: b[p.delta])
        let id = String(decoding: UnsafeBufferPointer(rebasing: b[p.id]), as: UTF8.self)
        return .textDelta(id: id, delta: p.escaped ? unescape(body) : String(decoding: body, as: UTF8.self))
    }

    /// Where the id and the delta (still escaped) lie in a canonical `text-delta`'s data, and
    /// whether the delta has escapes; nil when the data is not one (see ``canonicalTextDelta(_:)``).
    /// The delta is valid UTF-8 once unescaped, and its escapes are only JSON.stringify's.
    static func canonicalTextDeltaParts(_ b: UnsafeBufferPointer<UInt8>) -> (id: Range<Int>, delta: Range<Int>, escaped: Bool)? {
        let n = b.count
        let head = deltaHead.utf8CodeUnitCount
        guard n >= head + deltaMiddle.utf8CodeUnitCount + 2, matches(b, at: 0, deltaHead) else { return nil }
        // The id: printable ASCII without quotes or backslashes.
        var i = head
        while i < n, b[i] != 0x22 {
            guard b[i] >= 0x20, b[i] < 0x7F, b[i] != 0x5C else { return nil }
            i += 1
        }
        let idEnd = i
        guard matches(b, at: idEnd, deltaMiddle) else { return nil }
        let start = idEnd + deltaMiddle.utf8CodeUnitCount
        let end = n - 2
        guard end >= start, b[end] == 0x22, b[end + 1] == 0x7D else { return nil }
        var escaped = false
        var ascii = true
        i = start
        while i < end {
            // Eight ordinary bytes (ASCII but controls, no quote, no backslash) at a time.
            i = ByteWords.skip(b, from: i, to: end) {
                ByteWords.hasHigh($0) || ByteWords.hasLess($0, 0x20) || ByteWords.has($0, 0x22) || ByteWords.has($0, 0x5C)
            }
            guard i < end else { break }
            let c = b[i]
            if c == 0x5C {
                escaped = true
                guard i + 1 < end else { return nil }
                switch b[i + 1] {
                case 0x22, 0x5C, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    // Only \u00xx (lowercase hex) for controls without a short escape.
                    guard i + 5 < end, b[i + 2] == 0x30, b[i + 3] == 0x30, let v = hex4(b, at: i + 2), v < 0x20,
                          ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(v),
                          !(0x41...0x46).contains(b[i + 4]), !(0x41...0x46).contains(b[i + 5])
                    else { return nil }
                    i += 6
                default: return nil
                }
            } else if c == 0x22 || c < 0x20 {
                return nil
            } else {
                if c >= 0x80 { ascii = false }
                i += 1
            }
        }
        if !ascii, String(validating: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self) == nil { return nil }
        return (head..<idEnd, start..<end, escaped)
    }

    /// Appends the text of a canonical delta's escaped bytes (``canonicalTextDeltaParts(_:)``
    /// accepted them: only JSON.stringify's escapes) to `out`.
    static func appendCanonicalUnescaped(_ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let n = b.count
        var i = 0
        var from = 0
        while i < n {
            guard b[i] == 0x5C, i + 1 < n else {
                i += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[from..<i]))
            if let byte = JSONEscape.short(b[i + 1]) {
                out.append(byte)
            } else {
                // \u00xx: a control character.
                guard i + 5 < n, let v = hex4(b, at: i + 2) else { return }
                out.append(UInt8(truncatingIfNeeded: v))
                i += 4
            }
            i += 2
            from = i
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[from..<n]))
    }

    /// The data a server writes for `chunk`, when it has one canonical form (`text-delta`):
    /// the inverse of ``canonicalTextDelta(_:)``.
    static func canonicalRaw(_ chunk: UIChunk) -> String? {
        guard case .textDelta(var id, var delta) = chunk else { return nil }
        return id.withUTF8 { idBytes in
            delta.withUTF8 { src in
                var length = deltaHead.utf8CodeUnitCount + idBytes.count + deltaMiddle.utf8CodeUnitCount + 2
                for c in src {
                    switch c {
                    case 0x22, 0x5C, 0x08, 0x0C, 0x0A, 0x0D, 0x09: length += 2
                    case 0..<0x20: length += 6
                    default: length += 1
                    }
                }
                return String(unsafeUninitializedCapacity: length) { out in
                    var o = 0
                    func put(_ b: UInt8) {
                        guard o < out.count else { return }
                        out[o] = b
                        o += 1
                    }
                    func put(_ s: StaticString) {
                        s.withUTF8Buffer { for b in $0 { put(b) } }
                    }
                    put(deltaHead)
                    for b in idBytes { put(b) }
                    put(deltaMiddle)
                    let hex: StaticString = "0123456789abcdef"
                    for c in src {
                        switch c {
                        case 0x22: put(0x5C); put(0x22)
                        case 0x5C: put(0x5C); put(0x5C)
                        case 0x08: put(0x5C); put(0x62)
                        case 0x0C: put(0x5C); put(0x66)
                        case 0x0A: put(0x5C); put(0x6E)
                        case 0x0D: put(0x5C); put(0x72)
                        case 0x09: put(0x5C); put(0x74)
                        case 0..<0x20:
                            put(0x5C); put(0x75); put(0x30); put(0x30)
                            put(hex.utf8Start[Int(c >> 4)]); put(hex.utf8Start[Int(c & 0xF)])
                        default: put(c)
                        }
                    }
                    put(0x22)
                    put(0x7D)
                    return o
                }
            }
        }
    }
}
