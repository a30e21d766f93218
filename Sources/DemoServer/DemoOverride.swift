/// `demo --handshake FILE`: the served handshake names agents of its own. So that chatting
/// with them works (issue 11 item 12), each of their ids is answered by one of the demo
/// agents' scripts: the first by Nova, the second by Atlas, the third by Sage, and so on.
enum DemoOverride {
    /// The demo agents that answer for the override's chatbot ids (none for ids the demo
    /// knows already, or when the override is not a JSON object with `data.chatbots`).
    static func aliases(_ override: [UInt8]?) -> [DemoAgent] {
        guard let override, let root = try? DemoJSONParser.parse(override),
            case .array(let items)? = root["data"]?["chatbots"]
        else { return [] }
        let scripts = [DemoCatalog.nova, DemoCatalog.atlas, DemoCatalog.sage]
        let known = Set(DemoCatalog.agents(hostile: true).map(\.id))
        var out: [DemoAgent] = []
        var seen = known
        for item in items {
            guard let id = item["chatbot_id"]?.stringValue, !id.isEmpty, seen.insert(id).inserted else { continue }
            var agent = scripts[out.count % scripts.count]
            agent.id = id
            out.append(agent)
        }
        return out
    }
}
