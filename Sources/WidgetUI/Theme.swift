// Look: themes — the roles (header, bubbles, modal…) and their colours.
import Foundation
import RobofyAPI

/// The widget's look, role by role. The default theme derives every role from
/// the handshake's `theme_color` and `theme_mode`.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var dark: Bool
    public var base: CellStyle
    public var header: CellStyle
    public var headerSubtitle: CellStyle
    public var tab: CellStyle
    public var agentLine: CellStyle
    public var accentText: CellStyle
    public var agentBubble: CellStyle
    public var agentLabel: CellStyle
    public var userBubble: CellStyle
    public var userLabel: CellStyle
    public var chip: CellStyle
    public var chipSelected: CellStyle
    public var loader: CellStyle
    public var tool: CellStyle
    public var source: CellStyle
    public var error: CellStyle
    public var notice: CellStyle
    public var input: CellStyle
    public var placeholder: CellStyle
    public var border: CellStyle
    public var status: CellStyle
    public var poweredBy: CellStyle
    public var modal: CellStyle
    public var modalTitle: CellStyle
    public var button: CellStyle
    public var buttonSelected: CellStyle
    public var code: CellStyle
    public var link: CellStyle

    /// Roles a theme file may set, in the order the documentation lists them.
    public static let roleNames: [String] = [
        "base", "header", "header_subtitle", "tab", "agent_line", "accent_text", "agent_bubble", "agent_label",
        "user_bubble", "user_label", "chip", "chip_selected", "loader", "tool", "source", "error", "notice",
        "input", "placeholder", "border", "status", "powered_by", "modal", "modal_title", "button",
        "button_selected", "code", "link",
    ]

    public subscript(role role: String) -> CellStyle? {
        get {
            switch role {
            case "base": base
            case "header": header
            case "header_subtitle": headerSubtitle
            case "tab": tab
            case "agent_line": agentLine
            case "accent_text": accentText
            case "agent_bubble": agentBubble
            case "agent_label": agentLabel
            case "user_bubble": userBubble
            case "user_label": userLabel
            case "chip": chip
            case "chip_selected": chipSelected
            case "loader": loader
            case "tool": tool
            case "source": source
            case "error": error
            case "notice": notice
            case "input": input
            case "placeholder": placeholder
            case "border": border
            case "status": status
            case "powered_by": poweredBy
            case "modal": modal
            case "modal_title": modalTitle
            case "button": button
            case "button_selected": buttonSelected
            case "code": code
            case "link": link
            default: nil
            }
        }
        set {
            guard let v = newValue else { return }
            switch role {
            case "base": base = v
            case "header": header = v
            case "header_subtitle": headerSubtitle = v
            case "tab": tab = v
            case "agent_line": agentLine = v
            case "accent_text": accentText = v
            case "agent_bubble": agentBubble = v
            case "agent_label": agentLabel = v
            case "user_bubble": userBubble = v
            case "user_label": userLabel = v
            case "chip": chip = v
            case "chip_selected": chipSelected = v
            case "loader": loader = v
            case "tool": tool = v
            case "source": source = v
            case "error": error = v
            case "notice": notice = v
            case "input": input = v
            case "placeholder": placeholder = v
            case "border": border = v
            case "status": status = v
            case "powered_by": poweredBy = v
            case "modal": modal = v
            case "modal_title": modalTitle = v
            case "button": button = v
            case "button_selected": buttonSelected = v
            case "code": code = v
            case "link": link = v
            default: break
            }
        }
    }

    /// The widget's own look: accent from `theme_color`, light or dark from `theme_mode` (0 light).
    public static func widget(accent accentHex: String, dark: Bool) -> Theme {
        let accent = RGB(hex: accentHex) ?? RGB(0x25, 0x63, 0xEB)
        let onAccent = accent.contrastingText
        let bg = dark ? RGB(0x11, 0x18, 0x27) : RGB(0xFF, 0xFF, 0xFF)
        let fg = dark ? RGB(0xE5, 0xE7, 0xEB) : RGB(0x1F, 0x29, 0x37)
        let muted = dark ? RGB(0x9C, 0xA3, 0xAF) : RGB(0x6B, 0x72, 0x80)
        let bubble = dark ? RGB(0x1F, 0x29, 0x37) : RGB(0xF3, 0xF4, 0xF6)
        let line = dark ? RGB(0x37, 0x41, 0x51) : RGB(0xE5, 0xE7, 0xEB)
        let accentOnBg = accent.readable(on: bg)
        let b = CellStyle(fg: .rgb(fg), bg: .rgb(bg))
        func s(_ fgc: RGB, _ bgc: RGB, bold: Bool = false, dim: Bool = false, italic: Bool = false,
               underline: Bool = false) -> CellStyle {
            CellStyle(fg: .rgb(fgc), bg: .rgb(bgc), bold: bold, italic: italic, underline: underline, dim: dim)
        }
        return Theme(
            name: "default", dark: dark, base: b,
            header: s(onAccent, accent, bold: true),
            headerSubtitle: s(onAccent, accent),
            tab: CellStyle(fg: .rgb(accent), bg: .rgb(onAccent), bold: true),
            agentLine: s(onAccent, accent),
            accentText: s(accentOnBg, bg, bold: true),
            agentBubble: s(fg, bubble),
            agentLabel: s(muted, bg, bold: true),
            userBubble: s(onAccent, accent),
            userLabel: s(muted, bg, bold: true),
            chip: s(accentOnBg, bg),
            chipSelected: CellStyle(fg: .rgb(onAccent), bg: .rgb(accent), bold: true),
            loader: s(muted, bg, italic: true),
            tool: s(muted, bubble),
            source: s(muted, bubble),
            error: s(dark ? RGB(0xFC, 0xA5, 0xA5) : RGB(0xB9, 0x1C, 0x1C), bg, bold: true),
            notice: s(muted, bg, italic: true),
            input: b,
            placeholder: s(muted, bg),
            border: s(line, bg),
            status: s(muted, bg),
            poweredBy: s(muted, bg),
            modal: s(fg, bubble),
            modalTitle: s(fg, bubble, bold: true),
            button: s(fg, line),
            buttonSelected: CellStyle(fg: .rgb(onAccent), bg: .rgb(accent), bold: true),
            code: s(dark ? RGB(0xFD, 0xE6, 0x8A) : RGB(0x9D, 0x17, 0x4D), bubble),
            link: s(accent.readable(on: bubble), bubble, underline: true)
        )
    }

    /// Black and white only: structure from attributes (reverse, bold, underline).
    public static let monochrome: Theme = {
        let p = CellStyle.plain
        let rev = CellStyle(reverse: true)
        let revBold = CellStyle(bold: true, reverse: true)
        return Theme(
            name: "monochrome", dark: false, base: p, header: revBold, headerSubtitle: rev, tab: CellStyle(bold: true),
            agentLine: rev, accentText: CellStyle(bold: true), agentBubble: p, agentLabel: CellStyle(bold: true),
            userBubble: CellStyle(bold: true), userLabel: CellStyle(bold: true), chip: CellStyle(underline: true),
            chipSelected: revBold, loader: CellStyle(italic: true), tool: CellStyle(dim: true),
            source: CellStyle(dim: true), error: CellStyle(bold: true), notice: CellStyle(italic: true), input: p,
            placeholder: CellStyle(dim: true), border: p, status: CellStyle(dim: true), poweredBy: CellStyle(dim: true),
            modal: p, modalTitle: CellStyle(bold: true), button: p, buttonSelected: revBold,
            code: CellStyle(bold: true), link: CellStyle(underline: true))
    }()

    /// Maximum contrast: black, white and bright yellow.
    public static func highContrast(dark: Bool) -> Theme {
        let black = RGB(0, 0, 0), white = RGB(0xFF, 0xFF, 0xFF), yellow = RGB(0xFF, 0xE6, 0x00)
        let bg = dark ? black : white, fg = dark ? white : black
        let accent = dark ? yellow : RGB(0, 0x33, 0x99)
        let onAccent = accent.contrastingText
        var t = Theme.widget(accent: accent.hex, dark: dark)
        t.name = "high-contrast"
        let b = CellStyle(fg: .rgb(fg), bg: .rgb(bg))
        for role in roleNames { t[role: role] = b }
        t.header = CellStyle(fg: .rgb(onAccent), bg: .rgb(accent), bold: true)
        t.headerSubtitle = CellStyle(fg: .rgb(onAccent), bg: .rgb(accent))
        t.agentLine = t.headerSubtitle
        t.tab = CellStyle(fg: .rgb(accent), bg: .rgb(onAccent), bold: true)
        t.accentText = CellStyle(fg: .rgb(accent), bg: .rgb(bg), bold: true)
        t.userBubble = CellStyle(fg: .rgb(onAccent), bg: .rgb(accent), bold: true)
        t.agentLabel = CellStyle(fg: .rgb(fg), bg: .rgb(bg), bold: true, underline: true)
        t.userLabel = t.agentLabel
        t.chip = CellStyle(fg: .rgb(fg), bg: .rgb(bg), underline: true)
        t.chipSelected = t.userBubble
        t.buttonSelected = t.userBubble
        t.button = CellStyle(fg: .rgb(fg), bg: .rgb(bg), underline: true)
        t.modalTitle = CellStyle(fg: .rgb(fg), bg: .rgb(bg), bold: true)
        t.error = CellStyle(fg: .rgb(fg), bg: .rgb(bg), bold: true, underline: true)
        t.link = CellStyle(fg: .rgb(accent), bg: .rgb(bg), underline: true)
        t.code = CellStyle(fg: .rgb(fg), bg: .rgb(bg), bold: true)
        return t
    }

    /// The theme with every colour removed (for NO_COLOR), keeping attributes.
    public var withoutColor: Theme {
        var t = Theme.monochrome
        t.name = name
        t.dark = dark
        return t
    }
}

extension RGB {
    /// Relative luminance (WCAG).
    public var luminance: Double {
        func lin(_ c: UInt8) -> Double {
            let v = Double(c) / 255
            return v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }

    public func contrast(with o: RGB) -> Double {
        let a = luminance, b = o.luminance
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// White or near-black, whichever reads better on this colour.
    public var contrastingText: RGB {
        let white = RGB(0xFF, 0xFF, 0xFF), black = RGB(0x11, 0x18, 0x27)
        return contrast(with: white) >= contrast(with: black) ? white : black
    }

    /// This colour, lightened or darkened until it reads on `bg` (contrast ≥ 3).
    public func readable(on bg: RGB) -> RGB {
        var c = self
        let towardsWhite = bg.luminance < 0.5
        var steps = 0
        while c.contrast(with: bg) < 3, steps < 20 {
            c = c.mix(towardsWhite ? RGB(0xFF, 0xFF, 0xFF) : RGB(0, 0, 0), 0.15)
            steps += 1
        }
        return c
    }

    public func mix(_ o: RGB, _ t: Double) -> RGB {
        func m(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8(max(0, min(255, (Double(a) * (1 - t) + Double(b) * t).rounded()))) }
        return RGB(m(r, o.r), m(g, o.g), m(b, o.b))
    }
}
