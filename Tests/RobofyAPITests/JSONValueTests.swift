import Foundation
import RobofyAPI
import Testing

/// One JSON tree: objects keep their keys' order (for scripts people read), equality and
/// hashing ignore it, and compact text stays sorted (stable logs and tests).
@Suite struct JSONValueTests {
    @Test func objectsKeepTheirKeysOrder() throws {
        let v = try #require(JSONValue.parse(#"{"send": "hi", "agent": "a", "expect": {"status": "complete", "contains": "x"}}"#))
        #expect(v.objectValue.map { Array($0.keys) } == ["send", "agent", "expect"])
        #expect(v.prettyText(sortedKeys: false) == """
            {
              "send": "hi",
              "agent": "a",
              "expect": {
                "status": "complete",
                "contains": "x"
              }
            }
            """)
        #expect(v.compactText == #"{"agent":"a","expect":{"contains":"x","status":"complete"},"send":"hi"}"#)
    }

    @Test func equalityAndHashingIgnoreKeyOrder() throws {
        let a = try #require(JSONValue.parse(#"{"a": 1, "b": [true, null]}"#))
        let b = try #require(JSONValue.parse(#"{"b": [true, null], "a": 1}"#))
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
        #expect(a != JSONValue.parse(#"{"a": 1, "b": [null, true]}"#))
        #expect(a != JSONValue.parse(#"{"a": 1}"#))
    }
}
