// WidgetUI — what this target holds and what it may import.
//
// The widget's look and behaviour, pure Swift: no terminal, no network. State in, frames out.
// It may import Foundation, `RobofyAPI` (wire models) and `RobofySession` (session events and
// models); never ncurses, `Terminal`, the HTTP client or the command line.
//
// | group | files | holds |
// |---|---|---|
// | State | `AppState`, `Reducer`, `InputEditor` | the state, its events and commands; `reduce`, the only place it changes |
// | Keys | `Keys/KeyMap`, `Keys/ChatKeys`, `Keys/OverlayKeys` | the one key map (dispatch, F1 help, README table) and a small reducer per context |
// | Render | `Renderer`, `ScreenRegions`, `ConversationLayout`, `RendererOverlays`, `Inspector`, `Canvas`, `CanvasRegion` | a frame from the state: each region (header, conversation, footer, overlay) on its own clipped region of the canvas |
// | Look | `Theme`, `ThemeSpec`, `ColorMapping`, `WidgetLook` | themes and colours |
// | Output | `ConfigReport`, `PreviewFrame`, `TranscriptRendering` | the report, preview frames, transcripts |
// | Text | `Text/` (becoming its own target) | width, sanitizer, wrapping, Markdown |
//
// Adding an overlay: an `Overlay` case, its `KeyContext` and rows in `Keys/KeyMap.swift`, one
// reducer in `Keys/OverlayKeys.swift`, one `drawXxx` in `RendererOverlays.swift` called from
// `Renderer.drawOverlay`.
