import HeraldLog
import Histogram
import NIOCore

/// The disk's own floor for fsync-before-ack latency: how long `fdatasync` takes after appending one
/// event's bytes to a file, measured one sync at a time on this machine in the same run. No broker can
/// acknowledge a synced publish faster than its sync, so the broker's latency percentiles are compared
/// with these.
struct SyncLatencyReference {
    let directory: String
    let size: Int
    let syncs: Int

    func run() throws -> LatencyScenario.Result {
        let fileSystem = POSIXFileSystem()
        try fileSystem.createDirectory(directory)
        let file = try fileSystem.open("\(directory)/sync-latency.bin", creating: true)
        defer { try? file.close() }
        let bytes = ByteBuffer(repeating: UInt8(ascii: "s"), count: max(1, size))
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        let clock = ContinuousClock()
        var position: Int64 = 0
        for _ in 0..<syncs {
            try file.write(bytes, at: position)
            position += Int64(bytes.readableBytes)
            let start = clock.now
            try file.sync()
            _ = histogram.record(UInt64(max(0, (clock.now - start).microseconds)))
        }
        return LatencyScenario.Result(
            events: Int(histogram.totalCount),
            p50: .microseconds(histogram.valueAtPercentile(50)),
            p99: .microseconds(histogram.valueAtPercentile(99)),
            p999: .microseconds(histogram.valueAtPercentile(99.9)),
            max: .microseconds(histogram.max)
        )
    }
}
