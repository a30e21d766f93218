extension Script.Target {
    /// How `run` names where a script's turns go, the one wording for the "Running …"
    /// line and the report: "the demo server (fault F)" or the service's base URL.
    public static func describe(_ target: Script.Target?, fault: String?) -> String {
        switch target {
        case .demo?: return "the demo server" + (fault.map { " (fault \($0))" } ?? "")
        case .service(let s)?: return s.baseURL
        case nil: return "?"
        }
    }
}
