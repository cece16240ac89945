import NIOCore

@testable import HeraldNATS

/// What must hold for any bytes a NATS server (or anything pretending to be one) sends, fuzzed or kept
/// as regression cases: no crash, no hang, and the same frames and error however the bytes are split.
enum ProtocolParserProperties {
    /// The longest one parse may take before it counts as a hang (debug builds on a busy machine).
    static let hangBound = Duration.milliseconds(100)

    /// The frames parsed, and the code of the error that ended parsing or the bytes left waiting.
    struct Outcome: Equatable, CustomStringConvertible {
        var frames: [NATSServerFrame]
        var error: NATSProtocolError.Code?
        var bufferedBytes: Int

        var description: String {
            let kinds = frames.map { frame -> String in
                switch frame {
                case .info: "INFO"
                case .message(let message): message.headers == nil ? "MSG" : "HMSG"
                case .ping: "PING"
                case .pong: "PONG"
                case .ok: "+OK"
                case .error: "-ERR"
                }
            }
            let end = error.map { "error \($0)" } ?? (bufferedBytes > 0 ? "waiting" : "done")
            return (Array(Set(kinds)).sorted() + [end]).joined(separator: " ")
        }
    }

    /// Parses `chunks` in order.
    static func parse(_ chunks: [ByteBuffer]) -> Outcome {
        var parser = NATSProtocolParser()
        var frames: [NATSServerFrame] = []
        do {
            for chunk in chunks {
                parser.append(chunk)
                while let frame = try parser.next() { frames.append(frame) }
            }
        } catch {
            return Outcome(frames: frames, error: error.code, bufferedBytes: 0)
        }
        return Outcome(frames: frames, error: nil, bufferedBytes: parser.bufferedBytes)
    }

    /// What `input` led to in one piece, and every property it broke; `cuts` split it a second time.
    static func check(_ input: [UInt8], cuts: [Int]) -> (outcome: String, problems: [String]) {
        var problems: [String] = []
        var whole = Outcome(frames: [], error: nil, bufferedBytes: 0)
        // Three tries before a slow parse counts as a hang: once could be the machine, shared with builds.
        var fastest = Duration.seconds(3600)
        for _ in 0..<3 where fastest > hangBound {
            let start = ContinuousClock.now
            whole = parse([ByteBuffer(bytes: input)])
            fastest = min(fastest, ContinuousClock.now - start)
        }
        if fastest > hangBound { problems.append("parsing took \(fastest), three times running") }

        var chunks: [ByteBuffer] = []
        var from = 0
        for cut in cuts.map({ min($0, input.count) }).sorted() + [input.count] where cut >= from {
            chunks.append(ByteBuffer(bytes: input[from..<cut]))
            from = cut
        }
        let split = parse(chunks)
        if split != whole {
            problems.append("split at \(cuts.sorted()) gives \(split), in one piece \(whole)")
        }
        return (whole.description, problems)
    }
}
