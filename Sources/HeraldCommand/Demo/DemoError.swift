/// The demo could not finish: what did not happen, and what to try.
struct DemoError: Error, CustomStringConvertible {
    let description: String
}
